// Package translations owns Earshot's message files (`<lang>.json`, go-i18n
// format) and the go-i18n bundles every user-visible string goes through.
//
// English is the source language: every key lives in en.json, and a test fails
// when another language lacks one of them (house habit 13 in docs/ARCHITECTURE.md).
//
// Files are parsed lazily: a Translator parses English and its own language the
// first time it renders a message, each file at most once per process, so a
// command that prints nothing translated parses nothing (issue 13).
package translations

import (
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.json
var files embed.FS

// Translator renders messages in its active language, falling back to
// English. Its messages are loaded on first use. SetLanguage switches the
// language for everyone holding the Translator (the window, the services'
// notifications); it is safe from any goroutine, and a message rendered
// while it switches comes out wholly in the old or the new language.
type Translator struct {
	cur atomic.Pointer[active]
}

// active is one language of a Translator, with its localizer built on
// first use.
type active struct {
	lang string // as asked for, normalised ("de-DE")
	once sync.Once
	loc  *i18n.Localizer
}

// parsedFiles counts message files parsed since start (or since the last
// reset in tests): the tests prove that only the needed files are parsed.
var parsedFiles atomic.Int64

// messageFile is one embedded <lang>.json, parsed at most once.
type messageFile struct {
	once sync.Once
	msgs []*i18n.Message
	err  error
}

// languageBundle is the bundle for one file language: English plus that
// language, built at most once and read-only afterwards, so Translators of
// different languages never share a bundle that is still being written.
type languageBundle struct {
	once   sync.Once
	bundle *i18n.Bundle
}

var (
	mu      sync.Mutex
	parsed  = map[string]*messageFile{}
	bundles = map[string]*languageBundle{}
)

// Languages returns the language tags that have a message file, English
// first. It lists the embedded files and parses none of them.
func Languages() []string {
	entries, err := files.ReadDir(".")
	if err != nil {
		return []string{"en"}
	}
	var out []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			out = append(out, name)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i] == "en" || out[j] == "en" {
			return out[i] == "en"
		}
		return out[i] < out[j]
	})
	return out
}

// New returns a Translator for lang ("de", "fr-CA", "de_DE.UTF-8"); an empty
// lang follows the OS (LC_ALL, LC_MESSAGES, LANG). It parses nothing yet.
func New(lang string) *Translator {
	t := &Translator{}
	t.SetLanguage(lang)
	return t
}

// SetLanguage makes lang the active language ("" follows the OS, as in New).
// Messages rendered from then on are in lang; what was rendered before
// stays as it is, so a window rebuilds its widgets to show the change. It
// parses nothing yet.
func (t *Translator) SetLanguage(lang string) {
	if lang == "" {
		lang = OSLanguage()
	}
	t.cur.Store(&active{lang: normalise(lang)})
}

// Language returns the active language as it was asked for.
func (t *Translator) Language() string { return t.cur.Load().lang }

// FileLanguage returns the message file that serves the active language
// ("fr-CA" → "fr", an unknown language → "en").
func (t *Translator) FileLanguage() string { return fileLanguage(t.Language()) }

// OSLanguage reads the user's language from the POSIX locale variables.
func OSLanguage() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" && s != "C" && s != "POSIX" {
			return s
		}
	}
	return "en"
}

func normalise(s string) string {
	if i := strings.IndexAny(s, ".@"); i >= 0 {
		s = s[:i]
	}
	return strings.ReplaceAll(s, "_", "-")
}

// fileLanguage picks the message file that serves lang the way go-i18n's
// matcher would over all files: "fr-CA" → "fr", "ja" or garbage → "en".
func fileLanguage(lang string) string {
	langs := Languages()
	tags := make([]language.Tag, 0, len(langs))
	for _, l := range langs {
		tags = append(tags, language.Make(l))
	}
	want, _, err := language.ParseAcceptLanguage(lang)
	if err != nil || len(want) == 0 {
		return "en"
	}
	_, i, conf := language.NewMatcher(tags).Match(want...)
	if conf == language.No {
		return "en"
	}
	return langs[i]
}

// parseFile parses <lang>.json once and returns its messages.
func parseFile(lang string) ([]*i18n.Message, error) {
	mu.Lock()
	f := parsed[lang]
	if f == nil {
		f = &messageFile{}
		parsed[lang] = f
	}
	mu.Unlock()
	f.once.Do(func() {
		name := lang + ".json"
		raw, err := files.ReadFile(name)
		if err != nil {
			f.err = err
			return
		}
		parsedFiles.Add(1)
		mf, err := i18n.ParseMessageFileBytes(raw, name, map[string]i18n.UnmarshalFunc{"json": json.Unmarshal})
		if err != nil {
			f.err = fmt.Errorf("translations: %s: %w", name, err)
			return
		}
		f.msgs = mf.Messages
	})
	return f.msgs, f.err
}

// bundleFor returns the bundle holding English and fileLang. A file that does
// not parse leaves its messages out (TestEveryFileParses catches that), so a
// slip shows message ids instead of stopping the program.
func bundleFor(fileLang string) *i18n.Bundle {
	mu.Lock()
	lb := bundles[fileLang]
	if lb == nil {
		lb = &languageBundle{}
		bundles[fileLang] = lb
	}
	mu.Unlock()
	lb.once.Do(func() {
		b := i18n.NewBundle(language.English)
		for _, l := range []string{"en", fileLang} {
			msgs, err := parseFile(l)
			if err != nil {
				continue
			}
			_ = b.AddMessages(language.Make(l), msgs...) // plural rules exist for every file language
			if l == fileLang {
				break
			}
		}
		lb.bundle = b
	})
	return lb.bundle
}

func (t *Translator) localizer() *i18n.Localizer {
	a := t.cur.Load()
	a.once.Do(func() {
		a.loc = i18n.NewLocalizer(bundleFor(fileLanguage(a.lang)), a.lang, "en")
	})
	return a.loc
}

// T renders message id with optional template data given as key, value pairs:
// T("battery.level", "Level", 80). A missing key renders as the id itself, so
// a slip shows on screen instead of crashing; TestEveryKeyUsedExists catches it.
func (t *Translator) T(id string, kv ...any) string {
	return t.render(id, nil, kv)
}

// N renders a message with plural forms for count; count is also available to
// the template as {{.Count}}.
func (t *Translator) N(id string, count int, kv ...any) string {
	return t.render(id, count, kv)
}

func (t *Translator) render(id string, count any, kv []any) string {
	var data map[string]any
	if len(kv) > 0 || count != nil {
		data = make(map[string]any, len(kv)/2+1)
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
		if count != nil {
			data["Count"] = count
		}
	}
	s, err := t.localizer().Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil || s == "" {
		return id
	}
	return s
}

// Keys returns the message ids of a language's file, sorted. It reads the raw
// file and leaves the parsed-message cache alone.
func Keys(lang string) ([]string, error) {
	raw, err := files.ReadFile(path.Clean(lang + ".json"))
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s.json: %w", lang, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// Has tells whether English has message id.
func Has(id string) bool {
	_, err := New("en").localizer().Localize(&i18n.LocalizeConfig{MessageID: id})
	return err == nil
}
