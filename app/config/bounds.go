package config

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on configuration input, checked before a file is decoded: the TOML
// decoder takes quadratic time in the nesting of inline tables and arrays
// (40 KB of nested tables took 55 s, 2 MB of nested arrays killed the
// process), and nothing Earshot reads needs more than a flat table.
const (
	// MaxFileBytes is the largest configuration file read.
	MaxFileBytes = 1 << 20
	// MaxDepth is the deepest nesting of arrays, inline tables and table
	// headers a configuration file may have.
	MaxDepth = 16
	// MaxValueBytes is the longest value of one key, from any source (file,
	// registry, environment).
	MaxValueBytes = 64 << 10
)

// Lengths in messages: a key or value is shown cut to this many characters,
// a whole problem line to maxLine.
const (
	maxShown = 80
	maxLine  = 400
)

// tomlDepth returns how deep the brackets and braces of a TOML document
// nest, ignoring those in strings and comments, and stops counting as soon
// as the depth exceeds limit (returning limit+1). It does not validate the
// document; the decoder does that once the document is known to be small
// and shallow.
func tomlDepth(doc []byte, limit int) int {
	depth, deepest := 0, 0
	for i := 0; i < len(doc); i++ {
		switch c := doc[i]; c {
		case '#':
			for i < len(doc) && doc[i] != '\n' {
				i++
			}
		case '"', '\'':
			i = skipString(doc, i)
		case '[', '{':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > limit {
					return deepest
				}
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return deepest
}

// skipString returns the index of the last byte of the string that starts
// at doc[i] (a quote): basic "…" with backslash escapes, literal '…', and
// the multi-line forms with three quotes. An unterminated string runs to
// the end of the line (single-line) or of the document (multi-line).
func skipString(doc []byte, i int) int {
	q := doc[i]
	if i+2 < len(doc) && doc[i+1] == q && doc[i+2] == q {
		// Multi-line: up to the next three quotes (more quotes may close
		// it: """a"""" ends with a quote inside).
		for j := i + 3; j < len(doc); j++ {
			if q == '"' && doc[j] == '\\' {
				j++
				continue
			}
			if doc[j] == q && j+2 < len(doc) && doc[j+1] == q && doc[j+2] == q {
				j += 2
				for j+1 < len(doc) && doc[j+1] == q {
					j++
				}
				return j
			}
		}
		return len(doc) - 1
	}
	for j := i + 1; j < len(doc); j++ {
		switch doc[j] {
		case '\\':
			if q == '"' {
				j++
			}
		case q:
			return j
		case '\n':
			return j
		}
	}
	return len(doc) - 1
}

// checkDocument refuses a document over MaxFileBytes or nested deeper than
// MaxDepth, before it is decoded.
func checkDocument(doc []byte) error {
	if len(doc) > MaxFileBytes {
		return fmt.Errorf("the file is larger than the %d bytes allowed", MaxFileBytes)
	}
	if tomlDepth(doc, MaxDepth) > MaxDepth {
		return fmt.Errorf("arrays or tables are nested deeper than the %d levels allowed", MaxDepth)
	}
	return nil
}

// invalidUTF8Line returns the number of the first line of doc that is not
// valid UTF-8, and false; or 0 and true when all of doc is valid.
func invalidUTF8Line(doc []byte) (int, bool) {
	if utf8.Valid(doc) {
		return 0, true
	}
	for i, line := range bytes.Split(doc, []byte("\n")) {
		if !utf8.Valid(line) {
			return i + 1, false
		}
	}
	return 0, true // not reached: an invalid document has an invalid line
}

// shown quotes a value for a message: control characters escaped, cut to
// maxShown characters with "…".
func shown(v string) string { return strconv.Quote(cut(v, maxShown)) }

// cut shortens s to at most n runes, ending it with "…" when it was longer.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for i = range s {
		if k == n-1 {
			break
		}
		k++
	}
	return s[:i] + "…"
}

// oneLine makes s safe to print on one line of a terminal or log: control
// characters (C0, DEL, C1), line and paragraph separators, bidirectional
// overrides and invalid UTF-8 are escaped as Go escapes them, and the
// result is cut to n runes with "…".
func oneLine(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
		if b.Len() > 4*n { // enough to cut from; a huge value stops here
			break
		}
	}
	return cut(b.String(), n)
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == '\u2028', r == '\u2029', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f':
		return true
	}
	return !unicode.IsPrint(r) && !unicode.IsSpace(r)
}
