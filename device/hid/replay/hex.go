package replay

import (
	"fmt"
	"strings"
)

// MaxHexBytes bounds every hex form the package parses: no HID report or
// report descriptor is longer (hidraw's HID_MAX_DESCRIPTOR_SIZE is 4096).
const MaxHexBytes = 4096

// Pattern is a byte pattern of a reply rule: Any marks a "??" byte, which
// matches any byte in a match pattern and copies the request's byte in a
// reply.
type Pattern []PatternByte

// PatternByte is one byte of a Pattern.
type PatternByte struct {
	Value byte
	Any   bool
}

// ParseHex parses hex bytes such as "06 A0 FF" or "06A0FF" (whitespace
// between bytes is free, "??" is refused). The error names the position.
func ParseHex(s string) ([]byte, error) {
	p, err := parse(s, false)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(p))
	for i, b := range p {
		out[i] = b.Value
	}
	return out, nil
}

// ParsePattern parses hex bytes where "??" stands for any byte.
func ParsePattern(s string) (Pattern, error) {
	return parse(s, true)
}

func parse(s string, wildcards bool) (Pattern, error) {
	if len(s) > 8*MaxHexBytes {
		return nil, fmt.Errorf("hex is %d characters long, more than %d bytes can take", len(s), MaxHexBytes)
	}
	var out Pattern
	i := 0
	for i < len(s) {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		if i+1 >= len(s) || isSpace(s[i+1]) {
			return nil, fmt.Errorf("hex at character %d: %q is half a byte (bytes are two hex digits)", i+1, s[i:i+1])
		}
		pair := s[i : i+2]
		if len(out) == MaxHexBytes {
			return nil, fmt.Errorf("hex is longer than %d bytes", MaxHexBytes)
		}
		if pair == "??" {
			if !wildcards {
				return nil, fmt.Errorf("hex at character %d: \"??\" is only allowed in reply rules", i+1)
			}
			out = append(out, PatternByte{Any: true})
			i += 2
			continue
		}
		hi, ok1 := nibble(pair[0])
		lo, ok2 := nibble(pair[1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("hex at character %d: %s is not a hex byte", i+1, quotePair(pair))
		}
		out = append(out, PatternByte{Value: hi<<4 | lo})
		i += 2
	}
	return out, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func nibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// quotePair quotes two characters of input for an error, byte by byte so a
// split UTF-8 sequence still prints as something readable.
func quotePair(p string) string { return fmt.Sprintf("%+q", p) }

// String renders the pattern as upper-case hex bytes separated by spaces,
// "??" for any byte; ParsePattern reads it back.
func (p Pattern) String() string {
	var b strings.Builder
	for i, x := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		if x.Any {
			b.WriteString("??")
		} else {
			fmt.Fprintf(&b, "%02X", x.Value)
		}
	}
	return b.String()
}

// Equal tells whether two patterns are the same, byte for byte and
// wildcard for wildcard.
func (p Pattern) Equal(q Pattern) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i].Any != q[i].Any || (!p[i].Any && p[i].Value != q[i].Value) {
			return false
		}
	}
	return true
}

// Matches tells whether report begins with the pattern.
func (p Pattern) Matches(report []byte) bool {
	if len(report) < len(p) {
		return false
	}
	for i, x := range p {
		if !x.Any && report[i] != x.Value {
			return false
		}
	}
	return true
}

// Rule answers a written report that begins with Match with Reply as an
// input report.
type Rule struct {
	Match Pattern
	Reply Pattern
}

// ParseRule parses a rule's two hex forms. A match must hold at least one
// byte, and a reply at least its report ID.
func ParseRule(match, reply string) (Rule, error) {
	m, err := ParsePattern(match)
	if err != nil {
		return Rule{}, fmt.Errorf("match: %w", err)
	}
	if len(m) == 0 {
		return Rule{}, fmt.Errorf("match is empty")
	}
	r, err := ParsePattern(reply)
	if err != nil {
		return Rule{}, fmt.Errorf("reply: %w", err)
	}
	if len(r) == 0 {
		return Rule{}, fmt.Errorf("reply is empty")
	}
	return Rule{Match: m, Reply: r}, nil
}

// Answer builds the reply to request: "??" bytes copy the request's byte at
// the same offset (0 past its end).
func (r Rule) Answer(request []byte) []byte {
	out := make([]byte, len(r.Reply))
	for i, x := range r.Reply {
		switch {
		case !x.Any:
			out[i] = x.Value
		case i < len(request):
			out[i] = request[i]
		}
	}
	return out
}

// answer returns the reply of the first rule whose match begins request.
func answer(rules []Rule, request []byte) ([]byte, bool) {
	for _, r := range rules {
		if r.Match.Matches(request) {
			return r.Answer(request), true
		}
	}
	return nil, false
}

// setRule replaces the rule with the same match, or puts r in front.
func setRule(rules []Rule, r Rule) []Rule {
	for i := range rules {
		if rules[i].Match.Equal(r.Match) {
			out := append([]Rule(nil), rules...)
			out[i] = r
			return out
		}
	}
	return append([]Rule{r}, rules...)
}
