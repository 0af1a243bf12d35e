package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth bounds how deep objects and arrays may nest in a scenario
// file; the format itself nests five levels at most.
const maxJSONDepth = 64

var (
	errEmptyJSON    = errors.New("empty file")
	errTrailingJSON = errors.New("unexpected data after the top-level object")
)

// jsonSyntaxError is a syntax error at a byte offset of the file.
type jsonSyntaxError struct {
	offset int
	msg    string
}

func (e *jsonSyntaxError) Error() string { return e.msg }

// decodeJSONTree reads a file holding one JSON value, with white space
// only around it, into the values encoding/json's Decoder gives an `any`
// with UseNumber: map[string]any, []any, string, json.Number, bool and nil.
// A repeated key keeps its last value, invalid UTF-8 and lone surrogates
// in strings become U+FFFD, and syntax errors are worded as encoding/json
// words them, as FuzzDecodeJSONTree checks.
//
// It reads the file in one pass and allocates only the values it returns,
// where encoding/json scans every byte twice through a state machine and
// copies the file into a growing buffer first: the demo scenario is parsed
// at the start of every `--demo` command, and this was most of what
// `earshotd devices --demo` did (docs/PERFORMANCE.md, "Issue 13").
func decodeJSONTree(data []byte) (any, error) {
	d := jsonDecoder{data: data}
	d.space()
	if d.pos == len(data) {
		return nil, errEmptyJSON
	}
	v := d.value()
	if d.err != nil {
		return nil, d.err
	}
	d.space()
	if d.pos < len(data) {
		return nil, errTrailingJSON
	}
	return v, nil
}

type jsonDecoder struct {
	data  []byte
	pos   int
	depth int
	err   error // the first error; the readers return zero values after it
}

// fail records a syntax error at the current byte.
func (d *jsonDecoder) fail(context string) {
	if d.err != nil {
		return
	}
	if d.pos >= len(d.data) {
		d.err = &jsonSyntaxError{d.pos, "unexpected end of JSON input"}
		return
	}
	d.err = &jsonSyntaxError{d.pos, "invalid character " + quoteJSONChar(d.data[d.pos]) + " " + context}
}

// quoteJSONChar names a byte as encoding/json's errors do.
func quoteJSONChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(c))
	return "'" + s[1:len(s)-1] + "'"
}

func (d *jsonDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// value reads one value; white space before it has been skipped.
func (d *jsonDecoder) value() any {
	if d.pos >= len(d.data) {
		d.fail("")
		return nil
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		d.literal("true")
		return true
	case c == 'f':
		d.literal("false")
		return false
	case c == 'n':
		d.literal("null")
		return nil
	}
	d.fail("looking for beginning of value")
	return nil
}

func (d *jsonDecoder) nest() bool {
	d.depth++
	if d.depth > maxJSONDepth && d.err == nil {
		d.err = &jsonSyntaxError{d.pos, fmt.Sprintf("nested deeper than %d levels", maxJSONDepth)}
	}
	return d.err == nil
}

func (d *jsonDecoder) object() any {
	d.pos++ // {
	if !d.nest() {
		return nil
	}
	defer func() { d.depth-- }()
	m := map[string]any{}
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return m
	}
	for {
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			d.fail("looking for beginning of object key string")
			return nil
		}
		k := d.str()
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			d.fail("after object key")
			return nil
		}
		d.pos++
		d.space()
		v := d.value()
		if d.err != nil {
			return nil
		}
		m[k.(string)] = v
		if !d.next('}', "after object key:value pair") {
			if d.err != nil {
				return nil
			}
			return m
		}
	}
}

func (d *jsonDecoder) array() any {
	d.pos++ // [
	if !d.nest() {
		return nil
	}
	defer func() { d.depth-- }()
	a := []any{}
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return a
	}
	for {
		v := d.value()
		if d.err != nil {
			return nil
		}
		a = append(a, v)
		if !d.next(']', "after array element") {
			if d.err != nil {
				return nil
			}
			return a
		}
	}
}

// next reads what follows a member of an object or an element of an array:
// a comma, and true (another comes), or the closing byte, and false. Anything
// else is a syntax error worded with context, and false.
func (d *jsonDecoder) next(closing byte, context string) bool {
	d.space()
	switch {
	case d.pos < len(d.data) && d.data[d.pos] == ',':
		d.pos++
		d.space()
		return true
	case d.pos < len(d.data) && d.data[d.pos] == closing:
		d.pos++
		return false
	}
	d.fail(context)
	return false
}

// str reads a string; d.pos is at its opening quote. It returns a string
// (as any, so value can return it without a second conversion).
func (d *jsonDecoder) str() any {
	d.pos++
	start := d.pos
	// The common case: no escape, no control character, plain ASCII or
	// valid UTF-8, taken as it stands.
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			s := string(d.data[start:d.pos])
			d.pos++
			return s
		}
		if c == '\\' || c < 0x20 {
			break
		}
		if c < utf8.RuneSelf {
			d.pos++
			continue
		}
		r, n := utf8.DecodeRune(d.data[d.pos:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		d.pos += n
	}
	b := append(make([]byte, 0, d.pos-start+16), d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return string(b)
		case c < 0x20:
			d.fail("in string literal")
			return ""
		case c == '\\':
			d.pos++
			b = d.escape(b)
			if d.err != nil {
				return ""
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			d.pos++
		default:
			r, n := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && n == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, d.data[d.pos:d.pos+n]...)
			}
			d.pos += n
		}
	}
	d.fail("")
	return ""
}

// escape reads the escape after a backslash, appending what it stands for.
func (d *jsonDecoder) escape(b []byte) []byte {
	if d.pos >= len(d.data) {
		d.fail("")
		return b
	}
	c := d.data[d.pos]
	d.pos++
	switch c {
	case '"', '\\', '/':
		return append(b, c)
	case 'b':
		return append(b, '\b')
	case 'f':
		return append(b, '\f')
	case 'n':
		return append(b, '\n')
	case 'r':
		return append(b, '\r')
	case 't':
		return append(b, '\t')
	case 'u':
		r, ok := d.hex4()
		if !ok {
			return b
		}
		if utf16.IsSurrogate(r) {
			// A pair stands for one rune; anything else is U+FFFD, and
			// what follows is read on its own.
			if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
				save := d.pos
				d.pos += 2
				if r2, ok := d.hex4(); ok {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						return utf8.AppendRune(b, dec)
					}
				} else {
					return b
				}
				d.pos = save
			}
			r = utf8.RuneError
		}
		return utf8.AppendRune(b, r)
	}
	d.pos--
	d.fail("in string escape code")
	return b
}

// hex4 reads the four hexadecimal digits of a \u escape.
func (d *jsonDecoder) hex4() (rune, bool) {
	var r rune
	for range 4 {
		if d.pos >= len(d.data) {
			d.fail("")
			return 0, false
		}
		c := d.data[d.pos]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			d.fail(`in \u hexadecimal character escape`)
			return 0, false
		}
		d.pos++
	}
	return r, true
}

// number reads a number as JSON writes it, into a json.Number.
func (d *jsonDecoder) number() any {
	start := d.pos
	digits := func() {
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
		}
	}
	digit := func(context string) bool {
		if d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			return true
		}
		d.fail(context)
		return false
	}
	if d.data[d.pos] == '-' {
		d.pos++
		if !digit("in numeric literal") {
			return nil
		}
	}
	if d.data[d.pos] == '0' {
		d.pos++
	} else {
		digits()
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if !digit("after decimal point in numeric literal") {
			return nil
		}
		digits()
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if !digit("in exponent of numeric literal") {
			return nil
		}
		digits()
	}
	return json.Number(d.data[start:d.pos])
}

// literal reads true, false or null.
func (d *jsonDecoder) literal(word string) {
	for i := range len(word) {
		if d.pos >= len(d.data) || d.data[d.pos] != word[i] {
			if i == 0 {
				d.fail("looking for beginning of value")
			} else {
				d.fail(fmt.Sprintf("in literal %s (expecting %s)", word, quoteJSONChar(word[i])))
			}
			return
		}
		d.pos++
	}
}
