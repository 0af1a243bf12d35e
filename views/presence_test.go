//go:build ci

package views

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/presence"
	"github.com/earshot-app/earshot/translations"
)

// fakeAPI is a PresenceAPIControl in memory.
type fakeAPI struct {
	mu      sync.Mutex
	on      bool
	addr    string
	token   string
	renewed int
}

func (f *fakeAPI) Enabled() bool   { f.mu.Lock(); defer f.mu.Unlock(); return f.on }
func (f *fakeAPI) Address() string { f.mu.Lock(); defer f.mu.Unlock(); return f.addr }
func (f *fakeAPI) Err() error      { return nil }
func (f *fakeAPI) Configure(on bool, addr string) error {
	if addr == "" {
		return errors.New("no address")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.on, f.addr = on, addr
	return nil
}
func (f *fakeAPI) Token() (string, error) { f.mu.Lock(); defer f.mu.Unlock(); return f.token, nil }
func (f *fakeAPI) NewToken() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renewed++
	f.token = strings.Repeat("b", 64)
	return f.token, nil
}

// newPresenceFixture is a real presence service (no lights, never started:
// the page only reads and sets it) and the page on a test window.
func newPresenceFixture(t *testing.T) (*PresencePage, *presence.Service, *fakeAPI, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	svc := presence.NewService(presence.ServiceParams{})
	api := &fakeAPI{addr: "127.0.0.1:8990", token: strings.Repeat("a", 64)}
	pg := NewPresencePage(PresencePageParams{Source: svc, API: api, T: translations.New("en"), ui: func(f func()) { f() }})
	w := a.NewWindow("p")
	w.SetContent(pg.Content())
	w.Resize(fyne.NewSize(1000, 800))
	t.Cleanup(w.Close)
	pg.Shown()
	return pg, svc, api, w
}

func assertText(t *testing.T, o fyne.CanvasObject, want ...string) {
	t.Helper()
	got := visibleText(o)
	for _, s := range want {
		if !strings.Contains(got, s) {
			t.Errorf("does not show %q; shows:\n%s", s, got)
		}
	}
}

func TestPresencePageShowsStateWhyAndSources(t *testing.T) {
	pg, svc, _, _ := newPresenceFixture(t)
	assertText(t, pg.Content(), "Free", "Nothing reports a state, so you are free.", "No application has reported a state.",
		"No change yet.", "Light colours", "Test light", "Presence API", "Off: other applications cannot report a state.")
	for _, app := range []string{"Zoom", "Manual Changer"} {
		ev := map[string]string{"Zoom": "In-a-Zoom-Meeting", "Manual Changer": "DND"}[app]
		if _, err := svc.Post(app, ev); err != nil {
			t.Fatal(err)
		}
	}
	assertText(t, pg.Content(), "On the phone", "A call on Zoom overrides everything.",
		"1. Manual Changer", "Do not disturb · “DND” · just now", "2. Zoom", "On the phone · “In-a-Zoom-Meeting” · just now",
		"Free → On the phone", "Zoom: In-a-Zoom-Meeting")
	// Down moves Manual Changer under Zoom.
	down := findButtons(pg.sources)[1]
	test.Tap(down)
	if got := svc.Status().Priority; strings.Join(got, ",") != "Zoom,Manual Changer" {
		t.Fatalf("priority = %v", got)
	}
	assertText(t, pg.Content(), "1. Zoom", "2. Manual Changer")
}

func TestPresencePageSelectorSetsAndClearsManual(t *testing.T) {
	pg, svc, _, _ := newPresenceFixture(t)
	pg.selector.SetSelected("Do not disturb")
	if st := svc.Status(); st.Manual != presence.DND || st.State != presence.DND {
		t.Fatalf("status = %+v", st.Decision)
	}
	assertText(t, pg.Content(), "Set by hand in Earshot.")
	pg.selector.SetSelected("Automatic")
	if st := svc.Status(); st.Manual != "" || st.State != presence.Free {
		t.Fatalf("status = %+v", st.Decision)
	}
	// Set elsewhere (the tray), the selector follows.
	if err := svc.SetManual(presence.Lunch); err != nil {
		t.Fatal(err)
	}
	if pg.selector.Selected != "At lunch" {
		t.Fatalf("selector shows %q", pg.selector.Selected)
	}
}

func TestPresencePageColours(t *testing.T) {
	pg, svc, _, _ := newPresenceFixture(t)
	// Row 0 is free: make it blue and blinking.
	row := pg.colours.Objects[1].(*fyne.Container)
	row.Objects[1].(*widget.Select).SetSelected("Blue")
	test.Tap(row.Objects[2].(*widget.Check))
	if got := svc.Status().Colours[presence.Free].String(); got != "blue blink" {
		t.Fatalf("free = %q", got)
	}
	ringing := pg.colours.Objects[2*len(presence.States)+1].(*fyne.Container)
	if sel := ringing.Objects[1].(*widget.Select); sel.Selected != "Red" || !ringing.Objects[2].(*widget.Check).Checked {
		t.Fatalf("ringing shows %q", sel.Selected)
	}
}

func TestPresencePageAPI(t *testing.T) {
	pg, _, api, w := newPresenceFixture(t)
	test.Tap(pg.apiOn)
	pg.address.SetText("127.0.0.1:9000")
	test.Tap(findButton(t, pg.Content(), "Apply"))
	if !api.Enabled() || api.Address() != "127.0.0.1:9000" {
		t.Fatalf("api = %+v", api)
	}
	assertText(t, pg.Content(), "Listening on 127.0.0.1:9000.")
	test.Tap(findButton(t, pg.Content(), "Show"))
	if pg.token.Text != strings.Repeat("a", 64) {
		t.Fatalf("token shows %q", pg.token.Text)
	}
	test.Tap(findButton(t, pg.Content(), "New token"))
	if api.renewed != 1 || strings.Contains(pg.token.Text, "a") {
		t.Fatalf("renewed %d, token shows %q", api.renewed, pg.token.Text)
	}
	if len(w.Canvas().Overlays().List()) == 0 {
		t.Error("no dialog says the token changed")
	}
}

func TestLitBusylightCard(t *testing.T) {
	light := app.DeviceSummary{ID: "b1", DeviceName: "kuando Busylight Omega", Kind: "busylight", VendorID: "27BB", ProductID: "3BCD",
		ConnectionType: "USB", Connected: true, Light: &app.LightSummary{R: 0xFF, Blink: true}}
	w, src := newTestWindow(t, light)
	assertShows(t, w, "kuando Busylight Omega", "Red, blinking")
	light.Light = &app.LightSummary{R: 0x12, G: 0x34, B: 0x56}
	src.set(light)
	assertShows(t, w, "#123456")
	light.Light = &app.LightSummary{}
	src.set(light)
	assertShows(t, w, "Light off")
	w.ShowDevice("b1")
	assertShows(t, w, "Light", "Light off")
}

func TestMainWindowPresenceSelectorAndTray(t *testing.T) {
	a := test.NewTempApp(t)
	svc := presence.NewService(presence.ServiceParams{})
	w := NewMainWindow(MainWindowParams{App: a, Source: &fakeSource{}, T: translations.New("en"), Presence: svc})
	t.Cleanup(w.Window().Close)
	assertShows(t, w, "Presence", "Free", "Automatic")
	w.pbox.sel.SetSelected("Busy")
	if svc.Status().Manual != presence.Busy {
		t.Fatal("the selector did not set the state")
	}
	menu := w.trayMenu()
	var item *fyne.MenuItem
	for _, it := range menu.Items {
		if strings.HasPrefix(it.Label, "Presence:") {
			item = it
		}
	}
	if item == nil || item.Label != "Presence: Busy" || item.ChildMenu == nil {
		t.Fatalf("tray menu lacks the presence item: %+v", item)
	}
	for _, it := range item.ChildMenu.Items {
		if it.Label == "Busy" && !it.Checked {
			t.Error("Busy is not checked")
		}
		if it.Label == "Automatic" {
			it.Action()
		}
	}
	if svc.Status().Manual != "" {
		t.Fatal("Automatic in the tray did not clear the manual state")
	}
}

func TestPresenceTrayIconShowsTheColour(t *testing.T) {
	red := presenceTrayIcon(rgb(0xFF, 0, 0, true))
	green := presenceTrayIcon(rgb(0, 0xFF, 0, true))
	if red.Name() == green.Name() || len(red.Content()) == 0 || presenceTrayIcon(rgb(0xFF, 0, 0, true)) != red {
		t.Fatalf("icons %s %s", red.Name(), green.Name())
	}
}

func TestPresenceLabelsExist(t *testing.T) {
	tr := translations.New("en")
	for _, st := range presence.ColourKeys {
		if l := stateLabel(tr, st); strings.HasPrefix(l, "views.") || l == "" {
			t.Errorf("state %s has no label", st)
		}
	}
	for _, c := range colourChoices {
		if l := colourLabel(tr, c); strings.HasPrefix(l, "views.") {
			t.Errorf("colour %s has no label", c)
		}
	}
}

func findButtons(o fyne.CanvasObject) []*widget.Button {
	var out []*widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			out = append(out, x)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case *widget.Card:
			walk(x.Content)
		case *container.Scroll:
			walk(x.Content)
		}
	}
	walk(o)
	return out
}

func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	for _, b := range findButtons(o) {
		if b.Text == text {
			return b
		}
	}
	t.Fatalf("no button %q", text)
	return nil
}
