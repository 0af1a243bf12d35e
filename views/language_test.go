//go:build ci

package views

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/presence"
	"github.com/earshot-app/earshot/translations"
)

// trayApp is a test app with a tray: it keeps the menu it was given last.
type trayApp struct {
	fyne.App
	menu *fyne.Menu
}

func (a *trayApp) SetSystemTrayMenu(m *fyne.Menu)  { a.menu = m }
func (a *trayApp) SetSystemTrayIcon(fyne.Resource) {}
func (a *trayApp) SetSystemTrayWindow(fyne.Window) {}

// menuLabels are the labels of the tray menu, submenus included.
func (a *trayApp) menuLabels() []string { return collectLabels(a.menu.Items, nil) }

func collectLabels(items []*fyne.MenuItem, out []string) []string {
	for _, it := range items {
		if it.Label != "" {
			out = append(out, it.Label)
		}
		if it.ChildMenu != nil {
			out = collectLabels(it.ChildMenu.Items, out)
		}
	}
	return out
}

// subscriptions counts the listeners a source holds: Subscribe adds one,
// its cancel takes it away (once).
type subscriptions struct {
	mu sync.Mutex
	n  int
}

func (s *subscriptions) add() func() {
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.n--
			s.mu.Unlock()
		})
	}
}

func (s *subscriptions) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

type countedHistory struct {
	*fakeHistory
	subs *subscriptions
}

func (c countedHistory) Subscribe(f func()) func() {
	c.fakeHistory.Subscribe(f)
	return c.subs.add()
}

type countedFirmware struct {
	*fakeFirmware
	subs *subscriptions
}

func (c countedFirmware) Subscribe(f func()) func() {
	c.fakeFirmware.Subscribe(f)
	return c.subs.add()
}

type countedPresence struct {
	*presence.Service
	subs *subscriptions
}

func (c countedPresence) Subscribe(f func()) func() {
	cancel := c.Service.Subscribe(f)
	done := c.subs.add()
	return func() { cancel(); done() }
}

type countedDevices struct {
	*fakeSource
	subs *subscriptions
}

func (c countedDevices) Subscribe(f func()) func() {
	cancel := c.fakeSource.Subscribe(f)
	done := c.subs.add()
	return func() { cancel(); done() }
}

// languageFixture is a main window with the real pages and tabs over
// counting fakes, as cmd/earshot builds it, in a test app with a tray.
type languageFixture struct {
	w                                    *MainWindow
	app                                  *trayApp
	t                                    *translations.Translator
	devices, history, firmware, presence *subscriptions
	builds                               int
	closed                               bool
	source                               *fakeSource
}

func newLanguageFixture(t *testing.T) *languageFixture {
	t.Helper()
	a := &trayApp{App: test.NewTempApp(t)}
	f := &languageFixture{app: a, t: translations.New("en"),
		devices: &subscriptions{}, history: &subscriptions{}, firmware: &subscriptions{}, presence: &subscriptions{}}
	pres := countedPresence{presence.NewService(presence.ServiceParams{}), f.presence}
	hist := countedHistory{sampleHistory(), f.history}
	fw := countedFirmware{&fakeFirmware{status: stagedStatus}, f.firmware}
	prefs := &fakePrefs{set: map[string]string{}, entries: []PrefEntry{
		{Key: "LANGUAGE", Source: "default", UserSettable: true},
		{Key: "TRAYICON", Value: "YES", Source: "/etc/earshot/config.toml", Machine: true, UserSettable: true},
	}}
	discard := func(func()) {} // background results are not needed here
	now := func(g func()) { g() }
	build := func() ([]Page, []DeviceTab) {
		f.builds++
		pages := []Page{
			NewHistoryPage(HistoryPageParams{Source: hist, T: f.t, ui: discard}),
			NewOutboxPage(OutboxPageParams{Source: &fakeOutbox{}, T: f.t, Interval: time.Hour, ui: discard}),
			NewPresencePage(PresencePageParams{Source: pres, API: &fakeAPI{addr: "127.0.0.1:8990"}, T: f.t, ui: now}),
			NewPreferencesPage(PreferencesPageParams{Source: prefs, T: f.t, OnLanguage: func(lang string) bool { f.w.SetLanguage(lang); return true }}),
		}
		tabs := []DeviceTab{NewFirmwareTab(FirmwareTabParams{Source: fw, T: f.t, ui: now, background: now})}
		return pages, tabs
	}
	pages, tabs := build()
	f.source = &fakeSource{devs: []app.DeviceSummary{dongle, headset}}
	f.w = NewMainWindow(MainWindowParams{App: a, Source: countedDevices{f.source, f.devices},
		T: f.t, Tray: true, Pages: pages, DeviceTabs: tabs, Presence: pres, Rebuild: build})
	f.w.Window().Resize(fyne.NewSize(1000, 700))
	t.Cleanup(func() {
		if !f.closed {
			f.w.Window().Close()
		}
	})
	return f
}

func (f *languageFixture) navLabels() []string {
	var out []string
	for _, b := range f.w.nav.buttons {
		out = append(out, b.Text)
	}
	return out
}

// want renders the navigation's labels as a fresh Translator of lang would.
func navWanted(lang string) []string {
	t := translations.New(lang)
	return []string{t.T("views.nav.devices"), t.T("history.title"), t.T("outbox.title"), t.T("views.presence.title"), t.T("prefs.title")}
}

// TestSetLanguageRebuildsTheWindow: switching en → de → fr relabels the
// navigation, the open page, the device page's tabs and the tray menu, and
// what was open stays open.
func TestSetLanguageRebuildsTheWindow(t *testing.T) {
	tests := []struct {
		name string
		open func(f *languageFixture)
		// check runs after each switch, with lang's Translator.
		check func(t *testing.T, f *languageFixture, lt *translations.Translator)
	}{
		{name: "the Preferences page stays open",
			open: func(f *languageFixture) { f.w.ShowPage(f.w.p.Pages[3]) },
			check: func(t *testing.T, f *languageFixture, lt *translations.Translator) {
				if f.w.current() != f.w.p.Pages[3].Content() || f.w.nav.buttons[4].Importance != widget.MediumImportance {
					t.Errorf("the Preferences page is not the one shown and marked")
				}
				if got := visibleText(f.w.current()); !strings.HasPrefix(got, lt.T("prefs.title")+"\n") {
					t.Errorf("the page's title is not %q: %.80q", lt.T("prefs.title"), got)
				}
			}},
		{name: "the device page stays on its Firmware tab",
			open: func(f *languageFixture) {
				f.w.ShowDevice(headset.ID)
				f.w.ShowTab(f.w.p.DeviceTabs[0])
			},
			check: func(t *testing.T, f *languageFixture, lt *translations.Translator) {
				if f.w.shown != headset.ID || f.w.current() != f.w.page.root {
					t.Fatalf("the headset's page is not shown (shown %q)", f.w.shown)
				}
				if got := tabTitles(f.w); got != lt.T("views.detail.overview")+","+lt.T("firmware.tab") {
					t.Errorf("tabs %q", got)
				}
				if sel := f.w.page.tabs.Selected(); sel == nil || sel.Content != f.w.p.DeviceTabs[0].Content() {
					t.Errorf("the Firmware tab is not selected")
				}
			}},
		{name: "the device list stays",
			check: func(t *testing.T, f *languageFixture, lt *translations.Translator) {
				if f.w.current() != f.w.list.root {
					t.Error("the list is not shown")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newLanguageFixture(t)
			if tt.open != nil {
				tt.open(f)
			}
			for _, lang := range []string{"en", "de", "fr"} {
				f.w.SetLanguage(lang)
				lt := translations.New(lang)
				want := navWanted(lang)
				if lang != "en" && strings.Join(want, "|") == strings.Join(navWanted("en"), "|") {
					t.Fatalf("%s labels are the English ones: the test could not tell", lang)
				}
				if got := f.navLabels(); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("%s: navigation %q, want %q", lang, got, want)
				}
				if got := f.w.Window().Title(); got != lt.T("app.title") {
					t.Errorf("%s: title %q", lang, got)
				}
				tray := strings.Join(f.app.menuLabels(), "|")
				if !strings.Contains(tray, lt.T("views.tray.show")) || !strings.Contains(tray, lt.T("views.tray.quit")) {
					t.Errorf("%s: tray menu %q", lang, tray)
				}
				tt.check(t, f, lt)
			}
		})
	}
}

// TestLanguageChoiceOnPreferencesSwitchesAtOnce: choosing German on the
// Preferences page saves it and relabels the window without a restart.
func TestLanguageChoiceOnPreferencesSwitchesAtOnce(t *testing.T) {
	f := newLanguageFixture(t)
	f.w.ShowPage(f.w.p.Pages[3])
	prefs := f.w.p.Pages[3].(*PreferencesPage)
	sel := findSelect(prefs.own)
	if sel == nil {
		t.Fatal("no language choice")
	}
	if got := strings.Join(sel.Options, "|"); got != "as the system|English|dansk|Deutsch|español|français" {
		t.Errorf("languages offered: %q, want each by its own name", got)
	}
	sel.SetSelected("Deutsch")
	if prefs.p.Source.(*fakePrefs).set["LANGUAGE"] != "de" {
		t.Errorf("saved %v, want LANGUAGE=de", prefs.p.Source.(*fakePrefs).set)
	}
	if got := f.navLabels(); strings.Join(got, "|") != strings.Join(navWanted("de"), "|") {
		t.Errorf("navigation %q after choosing German", got)
	}
	if f.w.p.Pages[3] == prefs || f.w.current() != f.w.p.Pages[3].Content() {
		t.Error("the Preferences page was not rebuilt and kept open")
	}
	if f.t.Language() != "de" {
		t.Errorf("the shared Translator speaks %q", f.t.Language())
	}
}

func findSelect(o fyne.CanvasObject) *widget.Select {
	switch x := o.(type) {
	case *widget.Select:
		return x
	case *fyne.Container:
		for _, c := range x.Objects {
			if r := findSelect(c); r != nil {
				return r
			}
		}
	}
	return nil
}

// TestRebuildLeaksNoListeners: rebuilding the window many times leaves the
// sources with as many listeners as one build has, and no more ticker
// goroutines; closing the window leaves none.
func TestRebuildLeaksNoListeners(t *testing.T) {
	tickersBefore := outboxTickers.Load()
	f := newLanguageFixture(t)
	// Open every page once, so each follows what it follows when shown.
	for _, pg := range f.w.p.Pages {
		f.w.ShowPage(pg)
	}
	counts := func() [5]int64 {
		return [5]int64{int64(f.devices.count()), int64(f.history.count()), int64(f.firmware.count()),
			int64(f.presence.count()), outboxTickers.Load() - tickersBefore}
	}
	first := counts()
	if first != [5]int64{1, 1, 1, 2, 1} { // presence: the window's selector and the page
		t.Fatalf("after one build: devices, history, firmware, presence, outbox tickers = %v", first)
	}
	const n = 10
	for i := range n {
		f.w.SetLanguage([]string{"de", "fr", "da", "es", "en"}[i%5])
		for _, pg := range f.w.p.Pages {
			f.w.ShowPage(pg)
		}
		if got := counts(); got != first {
			t.Fatalf("after %d rebuilds: %v, want %v as after one", i+1, got, first)
		}
	}
	if f.builds != n+1 {
		t.Errorf("%d builds, want %d", f.builds, n+1)
	}
	f.w.Window().Close()
	f.closed = true
	if got := counts(); got != [5]int64{} {
		t.Errorf("after closing the window: %v, want none", got)
	}
}

// TestNotificationsFollowTheLanguage: a notification raised after the
// switch is worded in the new language, through the same Translator.
func TestNotificationsFollowTheLanguage(t *testing.T) {
	f := newLanguageFixture(t)
	f.w.useBanner = true // as MainWindowParams.NotifyInWindow sets it
	f.w.SetLanguage("de")
	f.source.set(dongle, headset, speak) // the speakerphone's battery is low
	want := translations.New("de").T("views.notify.batteryLow.title")
	if want == translations.New("en").T("views.notify.batteryLow.title") {
		t.Fatal("the German title is the English one: the test could not tell")
	}
	if !strings.HasPrefix(f.w.Banner(), want+" — ") {
		t.Errorf("banner %q, want it to start with %q", f.w.Banner(), want)
	}
}
