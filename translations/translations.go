// Package translations owns Earshot's message files (`<lang>.json`, go-i18n
// format) and the one go-i18n bundle every user-visible string goes through.
//
// English is the source language: every key lives in en.json, and a test fails
// when another language lacks one of them (DESIGN habit 13).
package translations

import (
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.json
var files embed.FS

// Translator renders messages in one language, falling back to English.
type Translator struct {
	loc  *i18n.Localizer
	lang string
}

var bundle = mustBundle()

func mustBundle() *i18n.Bundle {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	entries, err := files.ReadDir(".")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		if _, err := b.LoadMessageFileFS(files, e.Name()); err != nil {
			panic(fmt.Sprintf("translations: %s: %v", e.Name(), err))
		}
	}
	return b
}

// Languages returns the language tags that have a message file, English first.
func Languages() []string {
	var out []string
	for _, t := range bundle.LanguageTags() {
		out = append(out, t.String())
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
// lang follows the OS (LC_ALL, LC_MESSAGES, LANG).
func New(lang string) *Translator {
	if lang == "" {
		lang = OSLanguage()
	}
	tag := normalise(lang)
	return &Translator{loc: i18n.NewLocalizer(bundle, tag, "en"), lang: tag}
}

// Language returns the language the Translator was asked for.
func (t *Translator) Language() string { return t.lang }

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
	s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil || s == "" {
		return id
	}
	return s
}

// Keys returns the message ids of a language's file, sorted.
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
	_, err := New("en").loc.Localize(&i18n.LocalizeConfig{MessageID: id})
	return err == nil
}
