package presence

import (
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/afero"
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
		_, _ = DefaultMapping().Transform(p.Application, p.Event)
	})
}

// FuzzPrefsLoad feeds presence.json anything: Load keeps what is valid and
// logs the rest, never panics, and never keeps an invalid state or colour
// key.
func FuzzPrefsLoad(f *testing.F) {
	for _, s := range []string{
		`{"priority":["Zoom","Webex"],"manual":"dnd","colours":{"free":"blue","ringing":"red blink"}}`,
		`{"manual":"asleep"}`, `{"colours":{"nope":"red","busy":"mauve"}}`, `[]`, `{`, ``,
		`{"priority":[1,2]}`, strings.Repeat(`{"a":`, 3000),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fs := afero.NewMemMapFs()
		if err := afero.WriteFile(fs, "/d/presence.json", b, 0o600); err != nil {
			t.Fatal(err)
		}
		p := &Prefs{Fs: fs, Dir: "/d"}
		got := p.Load(slog.New(slog.DiscardHandler))
		if got.Manual != "" && !got.Manual.Valid() {
			t.Fatalf("kept manual %q", got.Manual)
		}
		for k := range got.Colours {
			if !slices.Contains(ColourKeys, k) {
				t.Fatalf("kept colour key %q", k)
			}
		}
	})
}
