package catalog

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// This file is a small XML reader made for catalog files. encoding/xml reads
// them at about 50 MB/s and spends most of that in per-byte reads and
// allocations; catalog files of a release package run to megabytes and are
// read at every start, so Earshot reads them in one pass over the bytes.
//
// It is strict about well-formedness (matched tags, quoted and unrepeated
// attributes, known entities, one root, legal characters, UTF-8) and skips
// what catalogs never need: comments, processing instructions and the
// document type declaration (whose entity definitions are not supported).

// syntaxError is malformed XML at a line.
type syntaxError struct {
	line int
	msg  string
}

// attr is one attribute: its local name and its value, entities replaced.
type attr struct {
	name, value string
}

type scanner struct {
	data    []byte
	pos     int
	line    int // line number at lineOff
	lineOff int
	names   map[string]string // interned element and attribute names
	err     *syntaxError
}

// lineAt returns the 1-based line of offset off; offsets asked for never
// go back.
func (s *scanner) lineAt(off int) int {
	if off > len(s.data) {
		off = len(s.data)
	}
	if off > s.lineOff {
		s.line += bytes.Count(s.data[s.lineOff:off], []byte{'\n'})
		s.lineOff = off
	}
	return s.line
}

func (s *scanner) failAt(off int, format string, args ...any) {
	if s.err == nil {
		s.err = &syntaxError{line: s.lineAt(off), msg: fmt.Sprintf(format, args...)}
	}
}

// readTree reads data (already UTF-8) into a tree under a nameless root.
func readTree(data []byte) (*node, *syntaxError) {
	s := &scanner{data: data, line: 1, names: map[string]string{}}
	if enc, ok := s.declaredEncoding(); ok {
		conv, err := transcode(enc, data)
		if err != nil {
			return nil, &syntaxError{line: 1, msg: err.Error()}
		}
		s.data = conv
	}
	if !utf8.Valid(s.data) {
		bad := 0
		for bad < len(s.data) {
			r, n := utf8.DecodeRune(s.data[bad:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			bad += n
		}
		return nil, &syntaxError{line: s.lineAt(bad), msg: "invalid UTF-8 (declare the file's encoding or save it as UTF-8)"}
	}
	root := &node{}
	s.document(root)
	if s.err != nil {
		return nil, s.err
	}
	return root, nil
}

// declaredEncoding reads encoding="…" from the XML declaration, if any.
func (s *scanner) declaredEncoding() (string, bool) {
	if !bytes.HasPrefix(s.data, []byte("<?xml")) {
		return "", false
	}
	end := bytes.Index(s.data, []byte("?>"))
	if end < 0 {
		return "", false
	}
	decl := string(s.data[5:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return "", false
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	rest, ok := strings.CutPrefix(rest, "=")
	if !ok {
		return "", false
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return "", false
	}
	q := rest[0]
	j := strings.IndexByte(rest[1:], q)
	if j < 0 {
		return "", false
	}
	return rest[1 : 1+j], true
}

// transcode turns data in the declared encoding into UTF-8. UTF-16 was
// converted by its byte-order mark already, so its declaration passes.
func transcode(label string, data []byte) ([]byte, error) {
	var enc encoding.Encoding
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii", "utf-16", "utf16", "utf-16le", "utf-16be":
		return data, nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "l1":
		enc = charmap.ISO8859_1
	case "windows-1252", "cp1252":
		enc = charmap.Windows1252
	case "iso-8859-15", "latin9", "latin-9":
		enc = charmap.ISO8859_15
	default:
		return nil, fmt.Errorf("unsupported encoding %q (save the file as UTF-8)", label)
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), data)
	return out, err
}

// toUTF8 drops a UTF-8 byte-order mark and turns UTF-16 with a byte-order
// mark (as Windows tools write it) into UTF-8.
func toUTF8(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, _, err := transform.Bytes(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder(), data)
		if err != nil {
			return nil, fmt.Errorf("not UTF-16 after all: %w", err)
		}
		return out, nil
	}
	return data, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
}

func (s *scanner) has(prefix string) bool {
	return len(s.data)-s.pos >= len(prefix) && string(s.data[s.pos:s.pos+len(prefix)]) == prefix
}

// skipPast moves past the next occurrence of end, failing at EOF.
func (s *scanner) skipPast(end, what string) bool {
	i := bytes.Index(s.data[s.pos:], []byte(end))
	if i < 0 {
		s.failAt(len(s.data), "unexpected EOF in %s", what)
		return false
	}
	s.pos += i + len(end)
	return true
}

// misc skips a comment, processing instruction or doctype at s.pos and
// reports whether there was one.
func (s *scanner) misc() bool {
	switch {
	case s.has("<!--"):
		s.pos += 4
		s.skipPast("-->", "a comment")
	case s.has("<?"):
		s.pos += 2
		s.skipPast("?>", "a processing instruction")
	case s.has("<!DOCTYPE"):
		depth := 0
		for s.pos++; s.pos < len(s.data); s.pos++ {
			switch s.data[s.pos] {
			case '[':
				depth++
			case ']':
				depth--
			case '>':
				if depth <= 0 {
					s.pos++
					return true
				}
			}
		}
		s.failAt(len(s.data), "unexpected EOF in the document type declaration")
	default:
		return false
	}
	return true
}

// document reads the prolog, one root element and what may follow it.
func (s *scanner) document(root *node) {
	sawRoot := false
	for s.err == nil {
		s.skipSpace()
		if s.pos >= len(s.data) {
			break
		}
		if s.misc() {
			continue
		}
		if s.data[s.pos] != '<' {
			s.failAt(s.pos, "text outside the root element")
			return
		}
		if s.has("</") {
			s.failAt(s.pos, "unexpected end element")
			return
		}
		start := s.pos
		if sawRoot {
			s.pos++
			s.failAt(start, "a second root element <%s>", s.name())
			return
		}
		sawRoot = true
		s.element(root)
	}
	if !sawRoot && s.err == nil {
		s.failAt(len(s.data), "no root element")
	}
}

// element reads an element whose '<' is at s.pos, iteratively, so deep
// nesting cannot exhaust the stack.
func (s *scanner) element(parent *node) {
	stack := []*node{parent}
	openTag := func() {
		start := s.pos
		s.pos++ // '<'
		n := &node{line: s.lineAt(start)}
		n.name = s.local(s.name())
		if n.name == "" {
			s.failAt(start, "expected an element name after <")
			return
		}
		if len(stack) > maxDepth {
			s.failAt(start, "elements nest deeper than %d levels", maxDepth)
			return
		}
		selfClosing := s.attributes(n)
		top := stack[len(stack)-1]
		top.kids = append(top.kids, n)
		if !selfClosing {
			stack = append(stack, n)
		}
	}
	openTag()
	for s.err == nil && len(stack) > 1 {
		top := stack[len(stack)-1]
		textStart := s.pos
		i := bytes.IndexByte(s.data[s.pos:], '<')
		if i < 0 {
			s.failAt(len(s.data), "unexpected EOF: <%s> is not closed", top.name)
			return
		}
		if i > 0 {
			s.pos += i
			s.text(top, s.data[textStart:s.pos], textStart)
			if s.err != nil {
				return
			}
		}
		switch {
		case s.has("</"):
			start := s.pos
			s.pos += 2
			name := s.local(s.name())
			s.skipSpace()
			if s.pos >= len(s.data) || s.data[s.pos] != '>' {
				s.failAt(start, "expected > to end </%s>", name)
				return
			}
			s.pos++
			if name != top.name {
				s.failAt(start, "element <%s> closed by </%s>", top.name, name)
				return
			}
			stack = stack[:len(stack)-1]
		case s.has("<![CDATA["):
			s.pos += 9
			i := bytes.Index(s.data[s.pos:], []byte("]]>"))
			if i < 0 {
				s.failAt(len(s.data), "unexpected EOF in CDATA")
				return
			}
			s.appendText(top, s.data[s.pos:s.pos+i])
			s.pos += i + 3
		case s.misc():
		default:
			openTag()
		}
	}
}

// name reads an XML name at s.pos (possibly with a prefix).
func (s *scanner) name() string {
	start := s.pos
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		if c >= 0x80 || c == '_' || c == ':' || c == '-' || c == '.' ||
			('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
			s.pos++
			continue
		}
		break
	}
	b := s.data[start:s.pos]
	if len(b) == 0 || b[0] == '-' || b[0] == '.' || ('0' <= b[0] && b[0] <= '9') {
		return ""
	}
	if n, ok := s.names[string(b)]; ok {
		return n
	}
	n := string(b)
	s.names[n] = n
	return n
}

// local drops a namespace prefix.
func (s *scanner) local(name string) string {
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// attributes reads the attributes of a start tag up to its '>' or '/>' and
// reports whether the tag closes itself.
func (s *scanner) attributes(n *node) bool {
	for s.err == nil {
		hadSpace := s.pos < len(s.data) && isSpace(s.data[s.pos])
		s.skipSpace()
		if s.pos >= len(s.data) {
			s.failAt(len(s.data), "unexpected EOF in <%s>", n.name)
			return false
		}
		switch {
		case s.data[s.pos] == '>':
			s.pos++
			return false
		case s.has("/>"):
			s.pos += 2
			return true
		}
		at := s.pos
		full := s.name()
		if full == "" || !hadSpace {
			s.failAt(at, "unexpected character %q in <%s>", s.data[at], n.name)
			return false
		}
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != '=' {
			s.failAt(at, "attribute %s in <%s> has no value", full, n.name)
			return false
		}
		s.pos++
		s.skipSpace()
		if s.pos >= len(s.data) || (s.data[s.pos] != '"' && s.data[s.pos] != '\'') {
			s.failAt(at, "the value of attribute %s in <%s> is not quoted", full, n.name)
			return false
		}
		q := s.data[s.pos]
		s.pos++
		end := bytes.IndexByte(s.data[s.pos:], q)
		if end < 0 {
			s.failAt(len(s.data), "unexpected EOF in attribute %s", full)
			return false
		}
		raw := s.data[s.pos : s.pos+end]
		if bytes.IndexByte(raw, '<') >= 0 {
			s.failAt(s.pos+bytes.IndexByte(raw, '<'), "unescaped < in attribute %s", full)
			return false
		}
		v := s.unescape(raw, s.pos, true)
		s.pos += end + 1
		for _, a := range n.attrs {
			if a.name == full {
				s.failAt(at, "attribute %s repeated in <%s>", full, n.name)
				return false
			}
		}
		n.attrs = append(n.attrs, attr{name: full, value: string(v)})
	}
	return false
}

// text adds character data to n, replacing entities.
func (s *scanner) text(n *node, raw []byte, off int) {
	s.appendText(n, s.unescape(raw, off, false))
}

func (s *scanner) appendText(n *node, b []byte) {
	if len(n.text) == 0 {
		n.text = b[:len(b):len(b)] // a later append copies
		return
	}
	n.text = append(n.text, b...)
}

// unescape replaces entity and character references in raw (found at
// offset off) and checks its characters; attribute values also have their
// white space characters turned into spaces (XML attribute normalisation).
func (s *scanner) unescape(raw []byte, off int, attribute bool) []byte {
	clean := true
	for _, c := range raw {
		if c == '&' || (c < 0x20 && (attribute || (c != '\t' && c != '\n' && c != '\r'))) {
			clean = false
			break
		}
	}
	if clean {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '&':
			j := bytes.IndexByte(raw[i:], ';')
			if j < 0 || j > 12 {
				s.failAt(off+i, "& not followed by an entity (write &amp;)")
				return nil
			}
			ref := string(raw[i+1 : i+j])
			r, ok := entity(ref)
			if !ok {
				s.failAt(off+i, "unknown entity &%s;", ref)
				return nil
			}
			out = utf8.AppendRune(out, r)
			i += j
		case c == '\t' || c == '\n' || c == '\r':
			if attribute {
				c = ' '
			}
			out = append(out, c)
		case c < 0x20:
			s.failAt(off+i, "illegal character 0x%02X", c)
			return nil
		default:
			out = append(out, c)
		}
	}
	return out
}

// entity resolves the predefined entities and character references.
func entity(ref string) (rune, bool) {
	switch ref {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	num, ok := strings.CutPrefix(ref, "#")
	if !ok || num == "" {
		return 0, false
	}
	base := 10
	if h, ok := strings.CutPrefix(num, "x"); ok {
		base, num = 16, h
	}
	v, err := strconv.ParseUint(num, base, 32)
	if err != nil {
		return 0, false
	}
	r := rune(v)
	legal := r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
	return r, legal
}
