package presence

import (
	"strings"
	"testing"
)

// FuzzParseBody feeds the POST body parser anything: it must answer with a
// body or an error, never panic, and never accept an empty field or more
// than MaxBody bytes.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{
		`{"application":"Zoom","event":"Call Alert"}`,
		`{"application":"Manual Changer","event":"DND","extra":[1,2,{"a":null}]}`,
		`{"application":"","event":"x"}`,
		`{"application":"Zoom","event":"Call Alert"} {}`,
		`[]`, `null`, `"x"`, `{"application":1}`, "\xff\xfe", `{"application":"\u0000","event":"\ud800"}`,
		strings.Repeat("[", 5000),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseBody(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		if len(b) > MaxBody || p.Application == "" || p.Event == "" {
			t.Fatalf("accepted %q as %+v", b, p)
		}
		// Whatever it accepted, the mapping answers without panicking.
		_, _ = DefaultMapping.Transform(p.Application, p.Event)
	})
}
