//go:build ci

package views

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/translations"
)

// fakeSettings is a SettingsSource over one form; it records what Apply and
// Import received and refuses the values listed in refuse.
type fakeSettings struct {
	mu      sync.Mutex
	form    settings.Form
	applied []map[string]string // each Apply call
	opts    []settings.ApplyOptions
	refuse  map[string]*settings.Refusal
	history []settings.HistoryEntry
}

func (f *fakeSettings) HasSettings(id string) bool { return id == f.form.DeviceID }

func (f *fakeSettings) Form(id string) (settings.Form, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id != f.form.DeviceID {
		return settings.Form{}, fmt.Errorf("device %q: %w", id, settings.ErrNoDevice)
	}
	form := f.form
	form.Fields = slices.Clone(f.form.Fields)
	return form, nil
}

func (f *fakeSettings) CheckValue(name, value string) (string, *settings.Refusal) {
	fl, _ := f.form.Field(name)
	if fl.Kind == settings.KindText && len([]rune(value)) > fl.MaxLength {
		return "", &settings.Refusal{Setting: name, Code: settings.RefusalInvalid, Value: value, Reason: "tooLong", MaxLength: fl.MaxLength}
	}
	return value, nil
}

func (f *fakeSettings) Apply(_ context.Context, id string, values map[string]string, o settings.ApplyOptions) (settings.ApplyResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = append(f.applied, maps.Clone(values))
	f.opts = append(f.opts, o)
	res := settings.ApplyResult{Refused: map[string]*settings.Refusal{}}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if r := f.refuse[name]; r != nil {
			res.Refused[name] = r
			continue
		}
		if o.AllOrNothing && len(f.refuse) > 0 {
			continue
		}
		for i := range f.form.Fields {
			if fl := &f.form.Fields[i]; fl.Name == name {
				f.history = append([]settings.HistoryEntry{{Label: fl.Label, OldLabel: fl.ValueLabel(fl.Value), NewLabel: fl.ValueLabel(values[name]),
					SettingChange: settingChange(name, fl.Value, values[name], o.Source)}}, f.history...)
				fl.Value, fl.Reported = values[name], true
				res.Applied = append(res.Applied, name)
				res.RestartNeeded = res.RestartNeeded || fl.RequiresReboot
			}
		}
	}
	if o.AllOrNothing && len(res.Refused) > 0 {
		res.Applied, res.RestartNeeded = nil, false
	}
	return res, nil
}

func (f *fakeSettings) Import(ctx context.Context, id string, data []byte) (settings.ImportResult, error) {
	c, err := settings.ParseManagementConfig(data)
	if err != nil {
		return settings.ImportResult{}, err
	}
	res, err := f.Apply(ctx, id, c.Values(), settings.ApplyOptions{Source: settings.SourceImport, AllOrNothing: true})
	return settings.ImportResult{ApplyResult: res, FirmwareIgnored: !c.Firmware.Empty()}, err
}

func (f *fakeSettings) Export(id string) (settings.ManagementConfig, error) {
	c := settings.ManagementConfig{Settings: map[string]*string{}}
	for _, fl := range f.form.Fields {
		v := fl.Value
		c.Settings[fl.Name] = &v
	}
	return c, nil
}

func (f *fakeSettings) History(id string, limit int) ([]settings.HistoryEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.history[:min(limit, len(f.history))]), nil
}

func (f *fakeSettings) calls() []map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.applied)
}

func settingChange(name, old, nu, src string) (c struct {
	Name   string    `json:"name"`
	Old    string    `json:"old"`
	New    string    `json:"new"`
	Source string    `json:"source"`
	At     time.Time `json:"at"`
}) {
	c.Name, c.Old, c.New, c.Source, c.At = name, old, nu, src, time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
	return c
}

func choices(pairs ...string) []settings.Choice {
	var out []settings.Choice
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, settings.Choice{Value: pairs[i], Label: pairs[i+1]})
	}
	return out
}

// headsetForm is the form of the test headset: one field of every kind.
func headsetForm() settings.Form {
	return settings.Form{DeviceID: headset.ID, DeviceKey: headset.Key, DeviceName: headset.DeviceName, Model: "Jabra Evolve2 85",
		Fields: []settings.Field{
			{Name: "SIDETONE", Label: "Sidetone", Help: "How much of your own voice you hear.", Category: "Audio", Kind: settings.KindChoice,
				Choices: choices("0", "Off", "1", "Low", "2", "Medium", "3", "High"), Value: "1", Reported: true, Default: "2"},
			{Name: "VOLUME_LIMITER", Label: "Volume limiter", Category: "Audio", Kind: settings.KindBool,
				Choices: choices("true", "true", "false", "false"), Value: "false", Default: "false"},
			{Name: "AUTO_OFF", Label: "Turn off when idle (minutes)", Category: "Power", Kind: settings.KindRange,
				Min: 0, Max: 480, Step: 15, Integer: true, Value: "60", Default: "60"},
			{Name: "DEVICE_NAME", Label: "Device name", Category: "Calls", Kind: settings.KindText, MaxLength: 8, AllowsNull: true},
			{Name: "WIRELESS_RANGE", Label: "Wireless signal range", Category: "Wireless", Kind: settings.KindChoice, RequiresReboot: true,
				Choices: choices("1", "Long", "2", "Medium", "3", "Short"), Value: "1", Reported: true, Default: "1"},
			{Name: "BLUETOOTH_MULTIPOINT", Label: "Multipoint", Category: "Wireless", Kind: settings.KindBool,
				Choices: choices("true", "true", "false", "false"), Value: "true", Default: "true",
				Disabled: &settings.Refusal{Setting: "BLUETOOTH_MULTIPOINT", Code: settings.RefusalNotWritable, Detail: "only while the headset is connected by USB cable"}},
			{Name: "PREFERRED_SOFTPHONE", Label: "Preferred softphone", Category: "Calls", Kind: settings.KindChoice, AllowsNull: true,
				Choices: choices("TEAMS", "Microsoft Teams", "ZOOM", "Zoom")},
			{Name: "EVENT_CALL_STATUS", Label: "Report calls", Category: "Earshot on this computer", Kind: settings.KindBool, ClientSide: true,
				Choices: choices("1", "1", "0", "0"), Value: "1", Default: "1"},
		}}
}

type settingsHarness struct {
	t   *testing.T
	src *fakeSettings
	tab *SettingsTab
	win fyne.Window
}

func newSettingsHarness(t *testing.T) *settingsHarness {
	t.Helper()
	t.Setenv("LANG", "en_US.UTF-8")
	test.NewTempApp(t)
	src := &fakeSettings{form: headsetForm(), refuse: map[string]*settings.Refusal{}}
	now := func(f func()) { f() }
	tab := NewSettingsTab(SettingsTabParams{Source: src, T: translations.New("en"), ui: now, background: now})
	win := test.NewWindow(tab.Content())
	win.Resize(fyne.NewSize(1000, 900))
	t.Cleanup(win.Close)
	tab.Show(headset)
	return &settingsHarness{t: t, src: src, tab: tab, win: win}
}

func (h *settingsHarness) row(name string) *settingRow {
	h.t.Helper()
	for _, r := range h.tab.rows {
		if r.field.Name == name {
			return r
		}
	}
	h.t.Fatalf("no row %s", name)
	return nil
}

func (h *settingsHarness) shows(want ...string) {
	h.t.Helper()
	got := visibleText(h.tab.Content())
	for _, s := range want {
		if !strings.Contains(got, s) {
			h.t.Errorf("the tab does not show %q; it shows:\n%s", s, got)
		}
	}
}

func (h *settingsHarness) hides(unwanted ...string) {
	h.t.Helper()
	got := visibleText(h.tab.Content())
	for _, s := range unwanted {
		if strings.Contains(got, s) {
			h.t.Errorf("the tab shows %q", s)
		}
	}
}

// tapMenuItem taps the entry labelled text of the pop-up menu that is open.
func tapMenuItem(t *testing.T, c fyne.Canvas, text string) {
	t.Helper()
	top := c.Overlays().Top()
	if top == nil {
		t.Fatal("no pop-up is open")
	}
	var found fyne.Tappable
	var walk func(o fyne.CanvasObject) bool
	walk = func(o fyne.CanvasObject) bool {
		switch x := o.(type) {
		case *canvas.Text:
			return x.Text == text
		case *fyne.Container:
			for _, k := range x.Objects {
				if walk(k) {
					return true
				}
			}
		case fyne.Widget:
			for _, k := range test.WidgetRenderer(x).Objects() {
				if walk(k) {
					if tp, ok := x.(fyne.Tappable); ok && found == nil {
						found = tp
					}
					return true
				}
			}
		}
		return false
	}
	walk(top)
	if found == nil {
		t.Fatalf("no menu item %q", text)
	}
	found.Tapped(&fyne.PointEvent{})
}

func TestSettingsTabShowsTheForm(t *testing.T) {
	h := newSettingsHarness(t)
	h.shows(
		"Audio", "Power", "Calls", "Wireless", "Earshot on this computer", // categories, in order of first use
		"Sidetone", "How much of your own voice you hear.", "Default: Medium", "Low",
		"Volume limiter", "Default: Off", "On",
		"Turn off when idle (minutes)", "60",
		"Device name", "Default: Not set",
		"Wireless signal range", "Restart required",
		"Multipoint", "Cannot be changed here: only while the headset is connected by USB cable.",
		"Default: On · kept by Earshot, not sent to the device",
		"Recent changes", "No changes yet.",
	)
	if h.row("SIDETONE").sel == nil || h.row("VOLUME_LIMITER").check == nil || h.row("AUTO_OFF").slider == nil ||
		h.row("DEVICE_NAME").entry == nil || h.row("PREFERRED_SOFTPHONE").sel == nil {
		t.Fatal("a field got the wrong widget for its kind")
	}
	if s := h.row("AUTO_OFF").slider; s.Min != 0 || s.Max != 480 || s.Step != 15 || s.Value != 60 {
		t.Errorf("slider = %v–%v step %v at %v", s.Min, s.Max, s.Step, s.Value)
	}
	if sel := h.row("PREFERRED_SOFTPHONE").sel; sel.Options[0] != "Not set" || sel.Selected != "Not set" {
		t.Errorf("a setting that allows null offers %v, selected %q", sel.Options, sel.Selected)
	}
	if r := h.row("BLUETOOTH_MULTIPOINT"); !r.check.Disabled() || (r.reset != nil && !r.reset.Disabled()) {
		t.Error("a setting the driver cannot write is not disabled")
	}
	if !h.tab.apply.Disabled() {
		t.Error("Apply is enabled before anything changed")
	}
}

func TestSettingsTabTapChoiceAndApply(t *testing.T) {
	h := newSettingsHarness(t)
	test.Tap(h.row("WIRELESS_RANGE").sel)
	tapMenuItem(t, h.win.Canvas(), "Short")
	if h.tab.apply.Disabled() {
		t.Fatal("Apply is disabled after a change")
	}
	h.shows("Changed")
	test.Tap(h.tab.apply)

	got := h.src.calls()
	if len(got) != 1 || !maps.Equal(got[0], map[string]string{"WIRELESS_RANGE": "3"}) {
		t.Fatalf("the device received %v, want only WIRELESS_RANGE=3", got)
	}
	if o := h.src.opts[0]; o.Source != settings.SourceUser || o.AllOrNothing {
		t.Errorf("options %+v", o)
	}
	h.shows("1 setting applied.", "Restart Jabra Evolve2 85", "Wireless signal range", "Long → Short", "by hand")
	h.hides("Changed")
	if !h.tab.apply.Disabled() {
		t.Error("Apply stays enabled after applying")
	}
}

func TestSettingsTabKeyboard(t *testing.T) {
	h := newSettingsHarness(t)
	c := h.win.Canvas()
	// Tab walks from the search field through the buttons into the form.
	var order []string
	for range 12 {
		test.FocusNext(c)
		switch f := c.Focused().(type) {
		case *widget.Entry:
			order = append(order, "entry")
		case *widget.Button:
			order = append(order, "button:"+f.Text)
		case *widget.Select:
			order = append(order, "select:"+f.Selected)
		case *widget.Check:
			order = append(order, "check")
		case *widget.Slider:
			order = append(order, "slider")
		case *iconButton:
			order = append(order, "icon:"+f.Tooltip())
		default:
			order = append(order, fmt.Sprintf("%T", f))
		}
	}
	want := []string{"entry", "icon:Import…", "icon:Export…", "icon:Reset all",
		"select:Low", "icon:Reset to the default (Medium)", "check", "slider", "entry", "select:Not set", "select:Long"}
	if strings.Join(order[:len(want)], ",") != strings.Join(want, ",") {
		t.Errorf("focus order = %v, want it to start %v", order, want)
	}

	// Choose with the arrow keys, apply with Space on the Apply button.
	c.Focus(h.row("SIDETONE").sel)
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	c.Focus(h.row("AUTO_OFF").slider)
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	c.Focus(h.row("VOLUME_LIMITER").check)
	c.Focused().TypedRune(' ')
	c.Focus(h.tab.apply)
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	got := h.src.calls()
	want2 := map[string]string{"SIDETONE": "2", "AUTO_OFF": "75", "VOLUME_LIMITER": "true"}
	if len(got) != 1 || !maps.Equal(got[0], want2) {
		t.Fatalf("the device received %v, want %v", got, want2)
	}
	// Enter in a text field applies too.
	c.Focus(h.row("DEVICE_NAME").entry)
	test.Type(c.Focused().(*widget.Entry), "Desk 7")
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got := h.src.calls(); len(got) != 2 || got[1]["DEVICE_NAME"] != "Desk 7" {
		t.Errorf("after Enter the device received %v", got)
	}
}

func TestSettingsTabRefusalsStandAlone(t *testing.T) {
	h := newSettingsHarness(t)
	h.src.refuse["AUTO_OFF"] = &settings.Refusal{Setting: "AUTO_OFF", Code: settings.RefusalWriteFailed, Detail: "HID timeout"}
	h.row("SIDETONE").sel.SetSelected("High")
	h.row("AUTO_OFF").slider.SetValue(90)
	test.Tap(h.tab.apply)
	h.shows("1 applied, 1 not", "The device did not take the new value: HID timeout")
	if r := h.row("AUTO_OFF"); !r.dirty() || r.value != "90" {
		t.Errorf("the refused edit was lost: %q", r.value)
	}
	if r := h.row("SIDETONE"); r.dirty() || r.field.Value != "3" {
		t.Errorf("the applied setting is still an edit: %q / %q", r.value, r.field.Value)
	}
	// Typing too much is said at once.
	test.Type(h.row("DEVICE_NAME").entry, "Much too long")
	h.shows("At most 8 characters.")
}

func TestSettingsTabSearchAndReset(t *testing.T) {
	h := newSettingsHarness(t)
	test.Type(h.tab.search, "voice")
	h.shows("Sidetone", "Audio")
	h.hides("Wireless signal range", "Power", "Multipoint")
	h.tab.search.SetText("")
	test.Type(h.tab.search, "zoom") // a value's name finds its setting
	h.shows("Preferred softphone")
	h.hides("Sidetone")
	h.tab.search.SetText("nothing like it")
	h.shows("No setting matches “nothing like it”.")
	h.tab.search.SetText("")
	h.shows("Sidetone", "Multipoint")

	// Reset one setting to its default, then all.
	r := h.row("SIDETONE")
	test.Tap(r.reset)
	if r.value != "2" || r.sel.Selected != "Medium" || !r.dirty() {
		t.Errorf("after reset: %q %q", r.value, r.sel.Selected)
	}
	h.row("AUTO_OFF").slider.SetValue(30)
	// Reset all first says what it will change, scrolled away or not.
	changes := strings.Join(h.tab.resetChanges(), "\n")
	for _, want := range []string{"Turn off when idle (minutes): 30 → 60"} {
		if !strings.Contains(changes, want) {
			t.Errorf("Reset all would change %q, want it to name %q", changes, want)
		}
	}
	h.tab.ResetAll()
	test.Tap(h.tab.apply)
	got := h.src.calls()
	if len(got) != 1 || !maps.Equal(got[0], map[string]string{"SIDETONE": "2"}) {
		t.Errorf("reset all then apply wrote %v, want SIDETONE=2 only (the others are at their defaults)", got)
	}
}

func TestSettingsTabKeepsEditsAcrossUpdates(t *testing.T) {
	h := newSettingsHarness(t)
	h.row("SIDETONE").sel.SetSelected("High")
	// The core reports a change of the same device: the edit stays, other
	// values follow the device.
	h.src.form.Fields[4].Value = "2"
	h.tab.Show(headset)
	if r := h.row("SIDETONE"); r.value != "3" || !r.dirty() {
		t.Errorf("the edit was lost: %q", r.value)
	}
	if r := h.row("WIRELESS_RANGE"); r.sel.Selected != "Medium" {
		t.Errorf("WIRELESS_RANGE shows %q after the device changed", r.sel.Selected)
	}
	// Another device starts afresh.
	other := h.src.form
	other.DeviceID = "other"
	h.src.form = other
	h.tab.Show(app.DeviceSummary{ID: "other", DeviceName: "Other"})
	if r := h.row("SIDETONE"); r.dirty() {
		t.Error("an edit carried over to another device")
	}
}

func TestSettingsTabImportExport(t *testing.T) {
	h := newSettingsHarness(t)
	h.src.refuse["WIRELESS_RANGE"] = &settings.Refusal{Setting: "WIRELESS_RANGE", Code: settings.RefusalInvalid, Value: "7",
		Reason: "notAllowed", Allowed: choices("1", "Long", "2", "Medium", "3", "Short")}
	h.tab.ImportData("desk.json", []byte(`{"firmware":{},"settings":{"SIDETONE":"0","WIRELESS_RANGE":"7"}}`))
	h.shows("desk.json has settings Jabra Evolve2 85 cannot take, so nothing was changed:")
	if r := h.row("SIDETONE"); r.field.Value != "1" {
		t.Errorf("a refused import changed SIDETONE to %q", r.field.Value)
	}
	delete(h.src.refuse, "WIRELESS_RANGE")
	h.tab.ImportData("desk.json", []byte(`{"firmware":{"version":"1.27.0"},"settings":{"SIDETONE":"0"}}`))
	h.shows("Imported 1 setting from desk.json.", "does not install", "imported from a file")
	if o := h.src.opts[len(h.src.opts)-1]; o.Source != settings.SourceImport || !o.AllOrNothing {
		t.Errorf("import options %+v", o)
	}

	var buf bytes.Buffer
	if err := h.tab.ExportTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"SIDETONE": "0"`) || !strings.Contains(buf.String(), `"firmware": {}`) {
		t.Errorf("export:\n%s", buf.String())
	}
	if got := exportName("Jabra Evolve2 85"); got != "Jabra-Evolve2-85-settings.json" {
		t.Errorf("export name %q", got)
	}
}

// TestSettingsTabOnTheDevicePage puts the tab on a real device page: it is
// offered for a device with settings and hidden for one without.
func TestSettingsTabOnTheDevicePage(t *testing.T) {
	t.Setenv("LANG", "en_US.UTF-8")
	src := &fakeSettings{form: headsetForm(), refuse: map[string]*settings.Refusal{}}
	tab := NewSettingsTab(SettingsTabParams{Source: src, T: translations.New("en")})
	w, _ := newNavWindow(t, nil, []DeviceTab{tab}, dongle, headset)
	w.ShowDevice(headset.ID)
	w.ShowTab(tab)
	if w.page.tabs.Selected().Text != "Settings" {
		t.Fatalf("selected tab %q", w.page.tabs.Selected().Text)
	}
	assertShows(t, w, "Sidetone", "Wireless signal range")
	w.ShowDevice(dongle.ID)
	if n := len(w.page.tabs.Items); n != 1 {
		t.Errorf("a device without settings shows %d tabs", n)
	}
}

// BenchmarkSettingsForm builds the form of a 60-setting model and lays it out
// in a window (goal: ≤ 50 ms per op): "new tab" builds a tab and shows it,
// "switch device" rebuilds the form of a tab already on screen.
func BenchmarkSettingsForm(b *testing.B) {
	test.NewTempApp(b)
	form := settings.Form{DeviceID: headset.ID, DeviceName: headset.DeviceName}
	base := headsetForm().Fields
	for i := range 60 {
		f := base[i%len(base)]
		f.Name = fmt.Sprintf("%s_%d", f.Name, i)
		f.Category = fmt.Sprintf("Category %d", i/10)
		form.Fields = append(form.Fields, f)
	}
	now := func(f func()) { f() }
	b.Run("new tab", func(b *testing.B) {
		src := &fakeSettings{form: form}
		win := test.NewWindow(nil)
		win.Resize(fyne.NewSize(1000, 680))
		defer win.Close()
		b.ReportAllocs()
		for b.Loop() {
			tab := NewSettingsTab(SettingsTabParams{Source: src, T: translations.New("en"), ui: now, background: now})
			tab.Show(headset)
			win.SetContent(tab.Content())
			if len(tab.rows) != 60 {
				b.Fatalf("%d rows", len(tab.rows))
			}
		}
	})
	b.Run("switch device", func(b *testing.B) {
		src := &fakeSettings{form: form}
		tab := NewSettingsTab(SettingsTabParams{Source: src, T: translations.New("en"), ui: now, background: now})
		win := test.NewWindow(tab.Content())
		win.Resize(fyne.NewSize(1000, 680))
		defer win.Close()
		devs := []app.DeviceSummary{headset, {ID: "other", DeviceName: "Other"}}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			d := devs[i%2]
			i++
			src.form.DeviceID = d.ID
			tab.Show(d)
			if len(tab.rows) != 60 {
				b.Fatalf("%d rows", len(tab.rows))
			}
		}
	})
}

// TestSettingsHistoryWordsAsTheTable: the Recent changes card words every
// source and every value as `earshot settings history` does, through
// settings.SourceText and settings.ChangeText: friendly values ("Off → On"
// for a check whose catalog names no value), never raw ones.
func TestSettingsHistoryWordsAsTheTable(t *testing.T) {
	tests := []struct {
		name, setting, old, nu string
		want, never            string
	}{
		{name: "a check without value names", setting: "VOLUME_LIMITER", old: "false", nu: "true", want: "Off → On", never: "false → true"},
		{name: "a client-side check of 1 and 0", setting: "EVENT_CALL_STATUS", old: "1", nu: "0", want: "On → Off", never: "1 → 0"},
		{name: "a choice by its names", setting: "SIDETONE", old: "1", nu: "3", want: "Low → High", never: "1 → 3"},
		{name: "a value set for the first time", setting: "PREFERRED_SOFTPHONE", old: "", nu: "ZOOM", want: "Not set → Zoom"},
		{name: "a range as its number", setting: "AUTO_OFF", old: "60", nu: "30", want: "60 → 30"},
		{name: "a setting the form no longer holds keeps the catalog's names", setting: "GONE", old: "a", nu: "b", want: "Alpha → Beta"},
	}
	for _, tt := range tests {
		for _, src := range settings.Sources {
			t.Run(tt.name+"/"+src, func(t *testing.T) {
				h := newSettingsHarness(t)
				e := settings.HistoryEntry{Label: tt.setting, SettingChange: settingChange(tt.setting, tt.old, tt.nu, src)}
				if tt.setting == "GONE" {
					e.OldLabel, e.NewLabel = "Alpha", "Beta"
				}
				h.src.history = []settings.HistoryEntry{e}
				h.tab.loadHistory()
				tr := translations.New("en")
				h.shows(tt.want, settings.SourceText(tr, src))
				var f *settings.Field
				if fl, ok := h.src.form.Field(tt.setting); ok {
					f = &fl
				}
				if got := settings.ChangeText(tr, e, f); got != tt.want {
					t.Errorf("ChangeText = %q, the window shows %q", got, tt.want)
				}
				if tt.never != "" {
					h.hides(tt.never)
				}
			})
		}
	}
}
