package settings

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/device/catalog"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
	"github.com/earshot-app/earshot/translations"
)

// catalogTexts are the texts of one catalog definition that people see,
// by translation key.
func catalogTexts(d *catalog.Definition) map[string]string {
	out := map[string]string{
		CatalogKey(d.Name, TextLabel, ""): d.Label(),
	}
	if h := d.Help(); h != "" {
		out[CatalogKey(d.Name, TextHelp, "")] = h
	}
	if d.Category != "" {
		out[CatalogKey(d.Name, TextCategory, d.Category)] = d.Category
	}
	for _, v := range d.Allowed() {
		if v.FriendlyName != "" && v.FriendlyName != v.Value {
			out[CatalogKey(d.Name, TextValue, v.Value)] = v.FriendlyName
		}
	}
	return out
}

// TestEmbeddedCatalogIsTranslated walks Earshot's own catalog: every friendly
// name, description, category and value has a key in every language, English
// says what the XML says, and each description is really translated — so a
// setting added to assets/catalog cannot go untranslated.
func TestEmbeddedCatalogIsTranslated(t *testing.T) {
	c := embeddedCatalog(t)
	keys := map[string][]string{}
	for _, lang := range translations.Languages() {
		k, err := translations.Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		keys[lang] = k
	}
	if len(keys) < 5 {
		t.Fatalf("languages = %v, want five", translations.Languages())
	}
	en := translations.New("en")
	texts := 0
	for _, d := range c.Definitions() {
		if !d.Builtin {
			t.Errorf("%s: not marked Builtin", d.Name)
		}
		for key, written := range catalogTexts(d) {
			texts++
			for lang, k := range keys {
				if _, found := slices.BinarySearch(k, key); !found {
					t.Errorf("%s: %s lacks %q (%q)", d.Name, lang, key, written)
				}
			}
			if got := en.T(key); got != written {
				t.Errorf("%s: en %q says %q, the catalog %q", d.Name, key, got, written)
			}
			if !strings.HasSuffix(key, ".help") {
				continue
			}
			for lang := range keys {
				if got := translations.New(lang).T(key); lang != "en" && got == written {
					t.Errorf("%s: %s %q is the English text", d.Name, lang, key)
				}
			}
		}
	}
	if texts < 2*len(c.Definitions()) {
		t.Fatalf("found only %d texts in %d definitions", texts, len(c.Definitions()))
	}
}

func TestCatalogKey(t *testing.T) {
	for _, tt := range []struct {
		name, value string
		part        TextPart
		want        string
	}{
		{"SIDETONE", "", TextLabel, "catalog.SIDETONE.label"},
		{"SIDETONE", "", TextHelp, "catalog.SIDETONE.help"},
		{"VOICE_ANNOUNCEMENTS_LANGUAGE_1", "de-DE", TextValue, "catalog.VOICE_ANNOUNCEMENTS_LANGUAGE_1.value.de-DE"},
		{"X", "Lights and voice", TextCategory, "catalog.category.lights_and_voice"},
		{"X", "  Earshot on this computer ", TextCategory, "catalog.category.earshot_on_this_computer"},
		{"X", "Audio & Video", TextCategory, "catalog.category.audio_video"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			if got := CatalogKey(tt.name, tt.part, tt.value); got != tt.want {
				t.Errorf("CatalogKey(%q, %s, %q) = %q", tt.name, tt.part, tt.value, got)
			}
		})
	}
}

func TestCatalogText(t *testing.T) {
	de := translations.New("de")
	for _, tt := range []struct {
		name    string
		builtin bool
		setting string
		part    TextPart
		value   string
		written string
		want    string
	}{
		{"a label of Earshot's own", true, "SIDETONE", TextLabel, "", "Sidetone", "Mithörton"},
		{"a value of Earshot's own", true, "WIRELESS_RANGE", TextValue, "3", "Short", "Kurz"},
		{"a category of Earshot's own", true, "SIDETONE", TextCategory, "", "Audio", "Audio"},
		{"a category of Earshot's own", true, "AUTO_OFF", TextCategory, "", "Power", "Energie"},
		{"a third-party label", false, "SIDETONE", TextLabel, "", "Sidetone", "Sidetone"},
		{"a third-party value", false, "WIRELESS_RANGE", TextValue, "3", "Short", "Short"},
		{"a text without a key", true, "NOWHERE", TextLabel, "", "Nowhere", "Nowhere"},
		{"an empty text", true, "SIDETONE", TextHelp, "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := CatalogText(de, tt.builtin, tt.setting, tt.part, tt.value, tt.written); got != tt.want {
				t.Errorf("CatalogText = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLocalizeForm shows the Evolve2 85's form in each language, after the
// trip through JSON a form makes from the owner to the command line.
func TestLocalizeForm(t *testing.T) {
	s, _ := newTestSettings(t, newFakeDevices(demoDevice(t, "hs1")))
	form, err := s.Form("hs1")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(form)
	if err != nil {
		t.Fatal(err)
	}
	var sent Form
	if err := json.Unmarshal(raw, &sent); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		lang                   string
		label, help, cat, long string
	}{
		{"en", "Wireless signal range", "Select the wireless range", "Wireless", "Long"},
		{"de", "Funkreichweite", "Wählen Sie die Funkreichweite", "Drahtlos", "Lang"},
		{"da", "Trådløs rækkevidde", "Vælg den trådløse rækkevidde", "Trådløst", "Lang"},
		{"fr", "Portée du signal sans fil", "Choisissez la portée sans fil", "Sans fil", "Longue"},
		{"es", "Alcance de la señal inalámbrica", "Elija el alcance inalámbrico", "Inalámbrico", "Largo"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			f, ok := Localize(translations.New(tt.lang), sent).Field("WIRELESS_RANGE")
			if !ok {
				t.Fatal("no WIRELESS_RANGE")
			}
			if f.Label != tt.label || !strings.HasPrefix(f.Help, tt.help) || f.Category != tt.cat || f.ValueLabel("1") != tt.long {
				t.Errorf("got %q / %q / %q / %q", f.Label, f.Help, f.Category, f.ValueLabel("1"))
			}
			if f.Value != "1" || f.Choices[0].Value != "1" {
				t.Errorf("raw values changed: %+v", f)
			}
		})
	}
	if f, _ := form.Field("WIRELESS_RANGE"); f.Label != "Wireless signal range" || f.Choices[0].Label != "Long" {
		t.Errorf("Localize changed the form it was given: %+v", f)
	}
}

// TestThirdPartyCatalogAsWritten loads a CATALOGDIR file that redefines
// Earshot's SIDETONE in the very same English words and adds a setting of
// its own: in German both are shown as written, and a refusal lists their
// values as written, while Earshot's other settings are translated.
func TestThirdPartyCatalogAsWritten(t *testing.T) {
	afs := afero.NewMemMapFs()
	if err := afero.WriteFile(afs, "/cat/partner.xml", []byte(`<devices>
<SettingDefinition Name="SIDETONE" UserFriendlyName="Sidetone" ValueType="String" ValueConstraintType="Enumeration" DefaultValue="2" Category="Audio">
  <UserFriendlyDescription>How much of your own voice you hear in the headset while you talk.</UserFriendlyDescription>
  <SupportedValues><SupportedValue Value="0" UserFriendlyValue="Off"/><SupportedValue Value="1" UserFriendlyValue="Low"/>
  <SupportedValue Value="2" UserFriendlyValue="Medium"/><SupportedValue Value="3" UserFriendlyValue="High"/></SupportedValues>
</SettingDefinition>
<SettingDefinition Name="PARTNER_MODE" UserFriendlyName="Partner mode" ValueType="String" ValueConstraintType="Enumeration" DefaultValue="a" Category="Calls">
  <SupportedValues><SupportedValue Value="a" UserFriendlyValue="Off"/><SupportedValue Value="b" UserFriendlyValue="Loud"/></SupportedValues>
</SettingDefinition>
<device name="Jabra Evolve2 85"><variants><variant vid="2830" pid="12452" variantType="01-96"/></variants>
<settings><setting name="PARTNER_MODE"/></settings></device>
</devices>`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, probs := catalog.Load(assets.Catalog(), afs, "/cat")
	if len(probs) > 0 {
		t.Fatalf("catalog: %v", probs)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := New(Params{Catalog: c, Devices: newFakeDevices(demoDevice(t, "hs1")), Store: st, Clock: clock.NewFake(t0)})
	form, err := s.Form("hs1")
	if err != nil {
		t.Fatal(err)
	}
	de := translations.New("de")
	local := Localize(de, form)
	for _, tt := range []struct {
		name, label, cat, value, valueLabel string
	}{
		{"SIDETONE", "Sidetone", "Audio", "1", "Low"},
		{"PARTNER_MODE", "Partner mode", "Calls", "b", "Loud"},
		{"WIRELESS_RANGE", "Funkreichweite", "Drahtlos", "3", "Kurz"}, // Earshot's own, still translated
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := local.Field(tt.name)
			if !ok {
				t.Fatalf("no %s", tt.name)
			}
			if f.Label != tt.label || f.Category != tt.cat || f.ValueLabel(tt.value) != tt.valueLabel {
				t.Errorf("got %q / %q / %q, want %q / %q / %q", f.Label, f.Category, f.ValueLabel(tt.value), tt.label, tt.cat, tt.valueLabel)
			}
		})
	}
	res, err := s.Apply(context.Background(), "hs1", map[string]string{"SIDETONE": "9", "WIRELESS_RANGE": "9"}, ApplyOptions{AllOrNothing: true})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"SIDETONE":       "0 (Off), 1 (Low), 2 (Medium), 3 (High)",
		"WIRELESS_RANGE": "1 (Lang), 2 (Mittel), 3 (Kurz)",
	} {
		if got := RefusalText(de, res.Refused[name]); !strings.Contains(got, want) {
			t.Errorf("%s: refusal %q lacks %q", name, got, want)
		}
	}
}

// TestLocalizeHistory shows a change of Earshot's own setting in German,
// labels and values alike.
func TestLocalizeHistory(t *testing.T) {
	s, _ := newTestSettings(t, newFakeDevices(demoDevice(t, "hs1")))
	res, err := s.Apply(context.Background(), "hs1", map[string]string{"WIRELESS_RANGE": "3", "DEVICE_NAME": "Desk 7"}, ApplyOptions{})
	if err != nil || len(res.Refused) > 0 {
		t.Fatalf("apply: %v %+v", err, res.Refused)
	}
	h, err := s.History("hs1", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]HistoryEntry{}
	for _, e := range LocalizeHistory(translations.New("de"), h) {
		got[e.Name] = e
	}
	if e := got["WIRELESS_RANGE"]; e.Label != "Funkreichweite" || e.OldLabel != "Lang" || e.NewLabel != "Kurz" || e.New != "3" {
		t.Errorf("WIRELESS_RANGE = %+v", e)
	}
	if e := got["DEVICE_NAME"]; e.Label != "Gerätename" || e.NewLabel != "Desk 7" {
		t.Errorf("DEVICE_NAME = %+v", e)
	}
	if h[0].Label == "Funkreichweite" || h[1].Label == "Funkreichweite" {
		t.Error("LocalizeHistory changed the entries it was given")
	}
}
