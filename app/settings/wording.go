package settings

import (
	"slices"
	"strings"
)

// Sources are the stable tokens of who changed a setting
// (HistoryEntry.Source), as `earshot settings history --json` carries them
// (docs/command-line.md).
var Sources = []string{SourceUser, SourceManagement, SourceImport}

// SourceText is how the window and the table word who changed a setting
// ("by hand"); a token this version does not know is shown as it is.
func SourceText(t Translator, source string) string {
	if !slices.Contains(Sources, source) {
		return source
	}
	return t.T("settings.source." + source)
}

// ValueText is how the window and the table word the raw value v of the
// setting f: "Not set" for "", the catalog's name of the value where it
// has one, "On" or "Off" for a check without names, v otherwise. f nil (a
// setting the device's form no longer holds) words v as it is.
func ValueText(t Translator, f *Field, v string) string {
	switch {
	case v == "":
		return t.T("settings.notSet")
	case f == nil:
		return v
	}
	if l := f.ValueLabel(v); l != v && l != "" {
		return l
	}
	if f.Kind == KindBool && len(f.Choices) == 2 { // "True" is true, as the catalog reads it
		switch {
		case strings.EqualFold(v, f.Choices[0].Value):
			return t.T("settings.on")
		case strings.EqualFold(v, f.Choices[1].Value):
			return t.T("settings.off")
		}
	}
	return v
}

// ChangeText is how the window and the table word one change of the
// history: "Off → On", with the values worded by ValueText from the
// setting's field f of the device's form or, without one (nil), from the
// catalog's names the entry carries.
func ChangeText(t Translator, e HistoryEntry, f *Field) string {
	side := func(raw, label string) string {
		switch {
		case raw == "":
			return t.T("settings.notSet")
		case f != nil:
			return ValueText(t, f, raw)
		case label != "":
			return label
		}
		return raw
	}
	return t.T("settings.history.change", "Old", side(e.Old, e.OldLabel), "New", side(e.New, e.NewLabel))
}
