package settings

import (
	"strings"
	"unicode"
)

// Earshot's own catalog speaks the user's language (docs/catalog.md,
// "Translations"): every friendly name, description, category and value of a
// Builtin definition has a translation key, and the layer that knows the
// user's language renders it through CatalogText. A third-party catalog's
// texts are shown as written.

// TextPart names which text of a setting CatalogText renders.
type TextPart string

// The texts of a setting that have translations.
const (
	TextLabel    TextPart = "label"    // UserFriendlyName
	TextHelp     TextPart = "help"     // UserFriendlyDescription, else Description
	TextCategory TextPart = "category" // Category
	TextValue    TextPart = "value"    // a SupportedValue's UserFriendlyValue
)

// CatalogKey is the translation key of one text of setting name in
// Earshot's own catalog: "catalog.SIDETONE.label", "catalog.SIDETONE.help",
// "catalog.SIDETONE.value.2" (value is the raw value) and, shared by every
// setting of a category, "catalog.category.lights_and_voice" (value is the
// category as written).
func CatalogKey(name string, part TextPart, value string) string {
	switch part {
	case TextCategory:
		return "catalog.category." + slug(value)
	case TextValue:
		return "catalog." + name + ".value." + value
	}
	return "catalog." + name + "." + string(part)
}

// slug is a category as a key part: lower case, each run of other
// characters than letters and digits one "_" ("Lights and voice" →
// "lights_and_voice").
func slug(s string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			gap = false
			continue
		}
		gap = true
	}
	return b.String()
}

// CatalogText is what people see, in t's language, for one text of setting
// name that the catalog wrote as written (for TextValue, value is the raw
// value; for TextCategory, written is the category). The texts of Earshot's
// own catalog (builtin) are translated; a third-party catalog's, an empty
// text and one without a translation are returned as written.
func CatalogText(t Translator, builtin bool, name string, part TextPart, value, written string) string {
	if !builtin || t == nil || written == "" {
		return written
	}
	if part == TextCategory {
		value = written
	}
	key := CatalogKey(name, part, value)
	if s := t.T(key); s != "" && s != key {
		return s
	}
	return written
}

// Localize returns form with the label, help, category and value names of
// each setting in t's language (CatalogText); the raw values are unchanged.
// The window and the command line call it on a form before they show it.
func Localize(t Translator, form Form) Form {
	fields := make([]Field, len(form.Fields))
	for i, f := range form.Fields {
		fields[i] = localizeField(t, f)
	}
	form.Fields = fields
	return form
}

func localizeField(t Translator, f Field) Field {
	f.Label = CatalogText(t, f.Builtin, f.Name, TextLabel, "", f.Label)
	f.Help = CatalogText(t, f.Builtin, f.Name, TextHelp, "", f.Help)
	f.Category = CatalogText(t, f.Builtin, f.Name, TextCategory, "", f.Category)
	f.Choices = localizeChoices(t, f.Builtin, f.Name, f.Choices)
	return f
}

func localizeChoices(t Translator, builtin bool, name string, cs []Choice) []Choice {
	if !builtin || len(cs) == 0 {
		return cs
	}
	out := make([]Choice, len(cs))
	for i, c := range cs {
		out[i] = Choice{Value: c.Value, Label: c.Label}
		if c.Label != c.Value { // a value without a friendly name shows as itself
			out[i].Label = CatalogText(t, builtin, name, TextValue, c.Value, c.Label)
		}
	}
	return out
}

// LocalizeHistory returns h with each setting's label and friendly values
// in t's language (CatalogText).
func LocalizeHistory(t Translator, h []HistoryEntry) []HistoryEntry {
	out := make([]HistoryEntry, len(h))
	for i, e := range h {
		if e.Builtin {
			e.Label = CatalogText(t, true, e.Name, TextLabel, "", e.Label)
			if e.OldLabel != e.Old {
				e.OldLabel = CatalogText(t, true, e.Name, TextValue, e.Old, e.OldLabel)
			}
			if e.NewLabel != e.New {
				e.NewLabel = CatalogText(t, true, e.Name, TextValue, e.New, e.NewLabel)
			}
		}
		out[i] = e
	}
	return out
}
