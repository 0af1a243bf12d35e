//go:build ci

package views

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/translations"
)

// TestSettingsTabSpeaksGerman shows the test headset's form in German: the
// settings of Earshot's own catalog are in German — names, descriptions,
// categories, values, search and history — and a third-party setting is
// shown as its catalog writes it.
func TestSettingsTabSpeaksGerman(t *testing.T) {
	t.Setenv("LANG", "de_DE.UTF-8")
	test.NewTempApp(t)
	form := headsetForm()
	for i := range form.Fields {
		form.Fields[i].Builtin = true
	}
	form.Fields = append(form.Fields, settings.Field{Name: "ECHO_CANCELLATION", Label: "Echo cancellation",
		Help: "Partner help.", Category: "Audio", Kind: settings.KindChoice,
		Choices: choices("0", "Off", "1", "Strong"), Value: "1", Reported: true, Default: "0"})
	change := settingChange("WIRELESS_RANGE", "1", "3", settings.SourceUser)
	src := &fakeSettings{form: form, refuse: map[string]*settings.Refusal{}, history: []settings.HistoryEntry{
		{SettingChange: change, Label: "Wireless signal range", OldLabel: "Long", NewLabel: "Short", Builtin: true}}}
	now := func(f func()) { f() }
	tab := NewSettingsTab(SettingsTabParams{Source: src, T: translations.New("de"), ui: now, background: now})
	win := test.NewWindow(tab.Content())
	win.Resize(fyne.NewSize(1000, 900))
	t.Cleanup(win.Close)
	tab.Show(headset)
	h := &settingsHarness{t: t, src: src, tab: tab, win: win}

	h.shows(
		"Audio", "Energie", "Anrufe", "Drahtlos", "Earshot auf diesem Computer", // categories
		"Mithörton", "Wie viel Sie von Ihrer eigenen Stimme", "Niedrig", "Standard: Mittel",
		"Funkreichweite", "Lang",
		"Ausschalten bei Nichtbenutzung (Minuten)", "Gerätename", "Anrufe melden",
		"  Lang → Kurz",                                // the history
		"Echo cancellation", "Partner help.", "Strong", // the third party's, as written
	)
	h.hides("Sidetone", "Wireless signal range", "Low", "Power", "Earshot on this computer")

	test.Type(tab.search, "funk") // search finds the German words
	h.shows("Funkreichweite")
	h.hides("Mithörton", "Echo cancellation")
	tab.search.SetText("")

	test.Tap(h.row("SIDETONE").sel)
	tapMenuItem(t, win.Canvas(), "Hoch")
	if r := h.row("SIDETONE"); r.value != "3" {
		t.Errorf("choosing “Hoch” set %q, want the raw 3", r.value)
	}
}
