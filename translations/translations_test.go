package translations

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestEveryLanguageHasEveryKey fails when a language file lacks a message
// that English has (docs/localization-logs-packaging.md).
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

// TestTranslationsKeepPlaceholders fails when a translation drops or invents
// a template field ({{.Name}}) that English uses, or lacks a plural form its
// language needs (CLDR: French and Spanish have "many").
func TestTranslationsKeepPlaceholders(t *testing.T) {
	pluralForms := map[string][]string{"fr": {"one", "many", "other"}, "es": {"one", "many", "other"}}
	en := messages(t, "en")
	files, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	field := regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
	fields := func(s string) string {
		var out []string
		for _, m := range field.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		sort.Strings(out)
		return strings.Join(slices.Compact(out), ",")
	}
	for _, f := range files {
		lang := strings.TrimSuffix(f, ".json")
		if lang == "en" {
			continue
		}
		t.Run(lang, func(t *testing.T) {
			for id, forms := range messages(t, lang) {
				src, ok := en[id]
				if !ok {
					t.Errorf("%s has %q, which English does not", f, id)
					continue
				}
				want := fields(src["other"])
				for form, text := range forms {
					if form == "description" {
						continue
					}
					got := fields(text)
					// "1 device" may spell the count out.
					if form == "one" && got == strings.Trim(strings.ReplaceAll(","+want+",", ",Count,", ","), ",") {
						continue
					}
					if got != want {
						t.Errorf("%s %q (%s) uses fields [%s], English [%s]", f, id, form, got, want)
					}
				}
				if _, plural := src["one"]; plural {
					need := pluralForms[lang]
					if need == nil {
						need = []string{"one", "other"}
					}
					for _, form := range need {
						if forms[form] == "" {
							t.Errorf("%s %q lacks the plural form %q", f, id, form)
						}
					}
				}
			}
		})
	}
}

// messages reads a message file as id → form → text; a plain string message
// counts as its "other" form.
func messages(t *testing.T, lang string) map[string]map[string]string {
	t.Helper()
	raw, err := os.ReadFile(lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	out := make(map[string]map[string]string, len(m))
	for id, v := range m {
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				t.Fatalf("%s.json %q: %v", lang, id, err)
			}
			forms = map[string]string{"other": s}
		}
		out[id] = forms
	}
	return out
}
