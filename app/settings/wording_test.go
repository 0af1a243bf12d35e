package settings

import (
	"testing"

	"github.com/earshot-app/earshot/store"
	"github.com/earshot-app/earshot/translations"
)

func TestWording(t *testing.T) {
	tr := translations.New("en")
	check := &Field{Kind: KindBool, Choices: []Choice{{Value: "true", Label: "true"}, {Value: "false", Label: "false"}}}
	named := &Field{Kind: KindBool, Choices: []Choice{{Value: "1", Label: "Enabled"}, {Value: "0", Label: "0"}}}
	choice := &Field{Kind: KindChoice, Choices: []Choice{{Value: "1", Label: "Low"}, {Value: "3", Label: "High"}}}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"a check's on", ValueText(tr, check, "true"), "On"},
		{"a check's off", ValueText(tr, check, "false"), "Off"},
		{"a check's on in another case", ValueText(tr, check, "True"), "On"},
		{"a check's value the catalog names", ValueText(tr, named, "1"), "Enabled"},
		{"a check's value the catalog does not name", ValueText(tr, named, "0"), "Off"},
		{"a choice", ValueText(tr, choice, "3"), "High"},
		{"a value outside the choices", ValueText(tr, choice, "9"), "9"},
		{"no value", ValueText(tr, choice, ""), "Not set"},
		{"no field", ValueText(tr, nil, "x"), "x"},
		{"a change by the form", ChangeText(tr, HistoryEntry{SettingChange: store.SettingChange{Old: "false", New: "true"}}, check), "Off → On"},
		{"a change by the catalog's names", ChangeText(tr, HistoryEntry{SettingChange: store.SettingChange{Old: "1", New: "2"},
			OldLabel: "Long", NewLabel: "Medium"}, nil), "Long → Medium"},
		{"a change from nothing", ChangeText(tr, HistoryEntry{SettingChange: store.SettingChange{New: "2"}, NewLabel: "Medium"}, nil), "Not set → Medium"},
		{"a person", SourceText(tr, SourceUser), "by hand"},
		{"device management", SourceText(tr, SourceManagement), "by device management"},
		{"an import", SourceText(tr, SourceImport), "imported from a file"},
		{"a source this version does not know", SourceText(tr, "robot"), "robot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	for _, lang := range translations.Languages() {
		for _, s := range Sources {
			if got := SourceText(translations.New(lang), s); got == "settings.source."+s || got == "" {
				t.Errorf("%s: no label for source %s", lang, s)
			}
		}
	}
}
