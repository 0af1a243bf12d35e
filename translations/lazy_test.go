package translations

import (
	"os"
	"slices"
	"sync"
	"testing"
)

// parsedAtStart is how many files had been parsed when the test binary's
// TestMain began: after package initialisation, before any test.
var parsedAtStart int64

func TestMain(m *testing.M) {
	parsedAtStart = parsedFiles.Load()
	os.Exit(m.Run())
}

// resetCache forgets every parsed file and bundle, so a test can count what
// its own calls parse. Tests that use it must not run in parallel.
func resetCache(t *testing.T) {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	parsed = map[string]*messageFile{}
	bundles = map[string]*languageBundle{}
	parsedFiles.Store(0)
}

// parsedLanguages lists the files parsed since the last reset.
func parsedLanguages() []string {
	mu.Lock()
	defer mu.Unlock()
	var out []string
	for l, f := range parsed {
		if f.msgs != nil || f.err != nil {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func TestImportParsesNothing(t *testing.T) {
	if parsedAtStart != 0 {
		t.Fatalf("package initialisation parsed %d message files, want 0", parsedAtStart)
	}
}

func TestOnlyTheActiveLanguageAndEnglishAreParsed(t *testing.T) {
	tests := []struct {
		name   string
		use    func()
		parsed []string
	}{
		{"New alone parses nothing", func() { New("de") }, nil},
		{"Languages parses nothing", func() { Languages() }, nil},
		{"Keys parses nothing", func() { _, _ = Keys("fr") }, nil},
		{"German", func() { New("de").T("app.title") }, []string{"de", "en"}},
		{"French region falls to French", func() { New("fr_CA.UTF-8").T("app.title") }, []string{"en", "fr"}},
		{"English", func() { New("en_US").N("views.list.count", 2) }, []string{"en"}},
		{"unknown language is English", func() { New("ja").T("app.title") }, []string{"en"}},
		{"garbage is English", func() { New("!!").T("app.title") }, []string{"en"}},
		{"two Translators share the files", func() {
			New("de").T("app.title")
			New("de-AT").T("app.title")
			New("en").T("app.title")
		}, []string{"de", "en"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resetCache(t)
			tt.use()
			if got := parsedLanguages(); !slices.Equal(got, tt.parsed) {
				t.Errorf("parsed %v, want %v", got, tt.parsed)
			}
			if got := parsedFiles.Load(); got != int64(len(tt.parsed)) {
				t.Errorf("%d parses, want %d (each file at most once)", got, len(tt.parsed))
			}
		})
	}
}

func TestLanguagesListsTheFiles(t *testing.T) {
	if got, want := Languages(), []string{"en", "da", "de", "es", "fr"}; !slices.Equal(got, want) {
		t.Errorf("Languages() = %v, want %v", got, want)
	}
}

// TestEveryFileParses: a file that go-i18n cannot read would only show as
// message ids at run time, since files are parsed on first use.
func TestEveryFileParses(t *testing.T) {
	for _, l := range Languages() {
		t.Run(l, func(t *testing.T) {
			msgs, err := parseFile(l)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) < 50 {
				t.Errorf("%s.json gave only %d messages", l, len(msgs))
			}
		})
	}
}

// TestRenderMatchesAcrossLanguages: with every language parsed lazily, each
// Translator still renders its own language and falls back to English.
func TestRenderMatchesAcrossLanguages(t *testing.T) {
	resetCache(t)
	tests := []struct{ name, lang, id, want string }{
		{"German", "de", "cli.usage.title", "Aufruf:"},
		{"English", "en", "cli.usage.title", "Usage:"},
		{"unknown falls back to English", "ja", "cli.usage.title", "Usage:"},
		{"missing id", "de", "no.such.key", "no.such.key"},
	}
	var wg sync.WaitGroup
	got := make([]string, len(tests))
	for i, tt := range tests {
		wg.Add(1)
		go func() { // first use from several goroutines at once (run with -race)
			defer wg.Done()
			got[i] = New(tt.lang).T(tt.id)
		}()
	}
	wg.Wait()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got[i] != tt.want {
				t.Errorf("New(%q).T(%q) = %q, want %q", tt.lang, tt.id, got[i], tt.want)
			}
		})
	}
}

// BenchmarkFirstUse is what a command pays to print its first translated
// message: parse English and German, build the bundle, render.
func BenchmarkFirstUse(b *testing.B) {
	for b.Loop() {
		mu.Lock()
		parsed = map[string]*messageFile{}
		bundles = map[string]*languageBundle{}
		mu.Unlock()
		_ = New("de").T("cli.usage.title")
	}
}

// BenchmarkAllLanguages is the old start-up cost: every file parsed.
func BenchmarkAllLanguages(b *testing.B) {
	for b.Loop() {
		mu.Lock()
		parsed = map[string]*messageFile{}
		bundles = map[string]*languageBundle{}
		mu.Unlock()
		for _, l := range Languages() {
			_ = New(l).T("cli.usage.title")
		}
	}
}

// BenchmarkT is a render once the files are parsed.
func BenchmarkT(b *testing.B) {
	tr := New("de")
	_ = tr.T("cli.usage.title")
	for b.Loop() {
		_ = tr.T("cli.usage.title")
	}
}

// TestSetLanguage: switching the active language changes what the same
// Translator renders from then on, parses only the new file, and a render
// running beside the switch is wholly in one language (run with -race).
func TestSetLanguage(t *testing.T) {
	resetCache(t)
	tr := New("en")
	french := New("fr").T("cli.usage.title") // French from a Translator of its own
	if french == "Usage:" || french == "cli.usage.title" {
		t.Fatalf("French renders %q: not a French message", french)
	}
	steps := []struct{ lang, want, file string }{
		{"en", "Usage:", "en"},
		{"de_DE.UTF-8", "Aufruf:", "de"},
		{"fr", french, "fr"},
		{"ja", "Usage:", "en"},
	}
	for _, st := range steps {
		t.Run(st.lang, func(t *testing.T) {
			tr.SetLanguage(st.lang)
			if got := tr.T("cli.usage.title"); got != st.want {
				t.Errorf("after SetLanguage(%q): %q, want %q", st.lang, got, st.want)
			}
			if got := tr.FileLanguage(); got != st.file {
				t.Errorf("FileLanguage = %q, want %q", got, st.file)
			}
		})
	}
	if got := parsedLanguages(); !slices.Equal(got, []string{"de", "en", "fr"}) {
		t.Errorf("parsed %v, want de, en, fr", got)
	}

	valid := map[string]bool{"Usage:": true, "Aufruf:": true}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 200 {
			tr.SetLanguage([]string{"en", "de"}[i%2])
		}
	}()
	go func() {
		defer wg.Done()
		for range 200 {
			if got := tr.T("cli.usage.title"); !valid[got] {
				t.Errorf("rendered %q while switching", got)
				return
			}
		}
	}()
	wg.Wait()
}
