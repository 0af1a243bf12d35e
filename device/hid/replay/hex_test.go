package replay

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseHex(t *testing.T) {
	cases := []struct {
		name, in string
		want     []byte
		err      string
	}{
		{name: "spaced", in: "06 A0 FF", want: []byte{0x06, 0xA0, 0xFF}},
		{name: "packed", in: "06a0ff", want: []byte{0x06, 0xA0, 0xFF}},
		{name: "mixed and newlines", in: " 05 0c\n09 01\tA101 ", want: []byte{0x05, 0x0C, 0x09, 0x01, 0xA1, 0x01}},
		{name: "empty", in: "", want: []byte{}},
		{name: "only spaces", in: "   ", want: []byte{}},
		{name: "half byte at end", in: "06 A", err: `hex at character 4: "A" is half a byte`},
		{name: "half byte before space", in: "6 A0", err: `hex at character 1: "6" is half a byte`},
		{name: "odd packed", in: "06A", err: `hex at character 3: "A" is half a byte`},
		{name: "not hex", in: "06 G1", err: `hex at character 4: "G1" is not a hex byte`},
		{name: "wildcard refused", in: "06 ??", err: `hex at character 4: "??" is only allowed in reply rules`},
		{name: "prefix refused", in: "0x06", err: `hex at character 1: "0x" is not a hex byte`},
		{name: "utf-8", in: "0é", err: `hex at character 1: "0\xc3" is not a hex byte`},
		{name: "too long", in: strings.Repeat("00", MaxHexBytes+1), err: "longer than 4096 bytes"},
		{name: "far too long", in: strings.Repeat(" ", 8*MaxHexBytes+1), err: "more than 4096 bytes can take"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseHex(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseHex(%q) error %v, want one containing %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("ParseHex(%q) = % X, %v; want % X", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParsePattern(t *testing.T) {
	cases := []struct {
		name, in, want, err string
	}{
		{name: "wildcards", in: "05 ?? 0a", want: "05 ?? 0A"},
		{name: "packed wildcards", in: "05????", want: "05 ?? ??"},
		{name: "single question mark", in: "05 ?0", err: `"?0" is not a hex byte`},
		{name: "empty", in: "", want: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePattern(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || p.String() != tc.want {
				t.Fatalf("ParsePattern(%q) = %q, %v; want %q", tc.in, p.String(), err, tc.want)
			}
		})
	}
}

func TestParseRule(t *testing.T) {
	cases := []struct {
		name, match, reply, err string
	}{
		{name: "good", match: "05 01 00 ??", reply: "05 00 01 ?? 87"},
		{name: "empty match", match: " ", reply: "05", err: "match is empty"},
		{name: "empty reply", match: "05", reply: "", err: "reply is empty"},
		{name: "bad match", match: "0", reply: "05", err: "match: hex at character 1"},
		{name: "bad reply", match: "05", reply: "05 XY", err: "reply: hex at character 4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRule(tc.match, tc.reply)
			if tc.err == "" && err != nil {
				t.Fatalf("ParseRule: %v", err)
			}
			if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("ParseRule error %v, want %q", err, tc.err)
			}
		})
	}
}

func mustRule(t testing.TB, match, reply string) Rule {
	t.Helper()
	r, err := ParseRule(match, reply)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRuleAnswers(t *testing.T) {
	rules := []Rule{
		{Match: mustPattern(t, "05 01 00 ?? 46 02"), Reply: mustPattern(t, "05 00 01 ?? 86 02 00")},
		{Match: mustPattern(t, "05 01"), Reply: mustPattern(t, "05 00 01 ?? FE")},
		{Match: mustPattern(t, "03"), Reply: mustPattern(t, "03 ?? ?? ?? ?? ??")},
	}
	cases := []struct {
		name    string
		request []byte
		want    []byte // nil: no answer
	}{
		{name: "first rule echoes the sequence number", request: []byte{0x05, 0x01, 0x00, 0x2A, 0x46, 0x02, 0x00}, want: []byte{0x05, 0x00, 0x01, 0x2A, 0x86, 0x02, 0x00}},
		{name: "falls through to the shorter match", request: []byte{0x05, 0x01, 0x00, 0x07, 0x46, 0x03}, want: []byte{0x05, 0x00, 0x01, 0x07, 0xFE}},
		{name: "wildcard past the request's end copies zero", request: []byte{0x03, 0x11}, want: []byte{0x03, 0x11, 0, 0, 0, 0}},
		{name: "request shorter than every match", request: []byte{0x05}},
		{name: "no rule", request: []byte{0x09, 0x01}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := answer(rules, tc.request)
			if ok != (tc.want != nil) || !bytes.Equal(got, tc.want) {
				t.Fatalf("answer(% X) = % X, %v; want % X", tc.request, got, ok, tc.want)
			}
		})
	}
}

func mustPattern(t testing.TB, s string) Pattern {
	t.Helper()
	p, err := ParsePattern(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSetRule(t *testing.T) {
	a := mustRule(t, "05 01", "05 AA")
	b := mustRule(t, "05 ??", "05 BB")
	cases := []struct {
		name  string
		start []Rule
		set   Rule
		want  []string // replies in order
	}{
		{name: "adds in front", start: []Rule{a}, set: b, want: []string{"05 BB", "05 AA"}},
		{name: "replaces same match in place", start: []Rule{b, a}, set: mustRule(t, "05 01", "05 CC"), want: []string{"05 BB", "05 CC"}},
		{name: "wildcard is not the same match as a byte", start: []Rule{a}, set: mustRule(t, "05 ??", "05 DD"), want: []string{"05 DD", "05 AA"}},
		{name: "empty list", start: nil, set: a, want: []string{"05 AA"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]Rule(nil), tc.start...)
			got := setRule(tc.start, tc.set)
			var replies []string
			for _, r := range got {
				replies = append(replies, r.Reply.String())
			}
			if strings.Join(replies, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("replies %q, want %q", replies, tc.want)
			}
			for i := range before {
				if !before[i].Reply.Equal(tc.start[i].Reply) {
					t.Fatalf("setRule changed its input")
				}
			}
		})
	}
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{"06 A0 FF", "05 ?? 0A", "05????", "0", "06 G1", "0x06", "0é", " \n05\t0c", "??"} {
		f.Add(s, []byte{0x05, 0x01, 0x02})
	}
	f.Fuzz(func(t *testing.T, s string, request []byte) {
		p, err := ParsePattern(s)
		if err != nil {
			if p != nil {
				t.Fatalf("pattern %v with error %v", p, err)
			}
			if strings.ContainsAny(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if len(p) > MaxHexBytes {
			t.Fatalf("pattern of %d bytes", len(p))
		}
		back, err := ParsePattern(p.String())
		if err != nil || !back.Equal(p) {
			t.Fatalf("%q → %q does not read back: %v", s, p.String(), err)
		}
		if b, err := ParseHex(s); err == nil {
			if len(b) != len(p) {
				t.Fatalf("ParseHex and ParsePattern disagree on %q", s)
			}
		}
		r := Rule{Match: p, Reply: p}
		if p.Matches(request) {
			got := r.Answer(request)
			if len(got) != len(p) || !bytes.Equal(got, request[:len(p)]) {
				t.Fatalf("a rule replying its own match to % X gave % X", request, got)
			}
		}
	})
}
