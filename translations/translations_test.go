package translations

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryLanguageHasEveryKey fails when a language file lacks a message
// that English has (SPEC §12).
func TestEveryLanguageHasEveryKey(t *testing.T) {
	en, err := Keys("en")
	if err != nil {
		t.Fatal(err)
	}
	if len(en) < 50 {
		t.Fatalf("en.json has only %d messages", len(en))
	}
	files, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		lang := strings.TrimSuffix(f, ".json")
		t.Run(lang, func(t *testing.T) {
			keys, err := Keys(lang)
			if err != nil {
				t.Fatal(err)
			}
			have := map[string]bool{}
			for _, k := range keys {
				have[k] = true
			}
			for _, k := range en {
				if !have[k] {
					t.Errorf("%s lacks %q", f, k)
				}
			}
		})
	}
}

func TestRender(t *testing.T) {
	tr := New("en")
	tests := []struct {
		name, got, want string
	}{
		{"plain", tr.T("app.title"), "Earshot"},
		{"template data", tr.T("cli.readScenario", "File", "x.json", "Err", "gone"), "cannot read the scenario x.json: gone"},
		{"missing key shows the id", tr.T("no.such.key"), "no.such.key"},
		{"German falls back to English until translated", New("de_DE.UTF-8").T("app.title"), "Earshot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestPlural(t *testing.T) {
	tr := New("en")
	if one, many := tr.N("views.list.count", 1), tr.N("views.list.count", 8); one != "1 device" || many != "8 devices" {
		t.Errorf("plural forms: %q / %q", one, many)
	}
}

func TestLanguageChoice(t *testing.T) {
	for in, want := range map[string]string{"de_DE.UTF-8": "de-DE", "fr": "fr", "en_US@euro": "en-US"} {
		if got := New(in).Language(); got != want {
			t.Errorf("New(%q).Language() = %q, want %q", in, got, want)
		}
	}
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "da_DK.UTF-8")
	if got := OSLanguage(); got != "da_DK.UTF-8" {
		t.Errorf("OSLanguage = %q", got)
	}
	t.Setenv("LANG", "C")
	if got := OSLanguage(); got != "en" {
		t.Errorf("OSLanguage with LANG=C = %q, want en", got)
	}
	if !Has("app.title") || Has("no.such.key") {
		t.Error("Has is wrong")
	}
}
