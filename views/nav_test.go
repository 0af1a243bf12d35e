//go:build ci

package views

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/translations"
)

type fakePage struct {
	title   string
	content *widget.Label
	shown   int
}

func (p *fakePage) Title() string              { return p.title }
func (p *fakePage) Icon() fyne.Resource        { return theme.HistoryIcon() }
func (p *fakePage) Content() fyne.CanvasObject { return p.content }
func (p *fakePage) Shown()                     { p.shown++ }

type fakeTab struct {
	title   string
	content *widget.Label
	applies func(app.DeviceSummary) bool
	shown   []app.DeviceSummary
}

func (f *fakeTab) Title() string                    { return f.title }
func (f *fakeTab) Content() fyne.CanvasObject       { return f.content }
func (f *fakeTab) Show(d app.DeviceSummary)         { f.shown = append(f.shown, d) }
func (f *fakeTab) Applies(d app.DeviceSummary) bool { return f.applies(d) }

func newNavWindow(t *testing.T, pages []Page, tabs []DeviceTab, devs ...app.DeviceSummary) (*MainWindow, *fakeSource) {
	t.Helper()
	a := test.NewTempApp(t)
	src := &fakeSource{devs: devs}
	w := NewMainWindow(MainWindowParams{App: a, Source: src, T: translations.New("en"), Pages: pages, DeviceTabs: tabs})
	t.Cleanup(w.Window().Close)
	return w, src
}

func TestNavigationBar(t *testing.T) {
	history := &fakePage{title: "Call history", content: widget.NewLabel("history body")}
	outbox := &fakePage{title: "Outbox", content: widget.NewLabel("outbox body")}
	w, _ := newNavWindow(t, []Page{history, outbox}, nil, headset)
	assertShows(t, w, "Devices", "Call history", "Outbox")

	test.Tap(w.nav.buttons[2])
	if w.current() != outbox.content || outbox.shown != 1 {
		t.Fatalf("tapping Outbox shows %v (Shown called %d times)", w.current(), outbox.shown)
	}
	if w.nav.buttons[2].Importance != widget.MediumImportance || w.nav.buttons[0].Importance != widget.LowImportance {
		t.Error("the navigation bar does not mark the current page")
	}

	// Ctrl+2 opens the second entry from anywhere.
	shortcut := &desktop.CustomShortcut{KeyName: fyne.Key2, Modifier: fyne.KeyModifierShortcutDefault}
	w.Window().Canvas().(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(shortcut)
	if w.current() != history.content || history.shown != 1 {
		t.Fatalf("Ctrl+2 shows %v", w.current())
	}

	// Opening a device goes back to the Devices entry.
	w.ShowDevice(headset.ID)
	if w.current() != w.page.root || w.nav.buttons[0].Importance != widget.MediumImportance {
		t.Fatal("a device page is not under Devices")
	}
	test.Tap(w.nav.buttons[0])
	if w.current() != w.list.root {
		t.Fatal("Devices does not show the list")
	}
}

func TestDeviceTabs(t *testing.T) {
	audioOnly := func(d app.DeviceSummary) bool { return d.Kind != "camera" }
	settings := &fakeTab{title: "Settings", content: widget.NewLabel("settings body"), applies: audioOnly}
	w, src := newNavWindow(t, nil, []DeviceTab{settings}, dongle, headset, camera)

	w.ShowDevice(headset.ID)
	if got := tabTitles(w); got != "Overview,Settings" {
		t.Fatalf("tabs for the headset = %s", got)
	}
	if len(settings.shown) != 1 || settings.shown[0].ID != headset.ID {
		t.Fatalf("Show calls = %v", settings.shown)
	}
	w.ShowTab(settings)
	if w.page.tabs.Selected().Text != "Settings" {
		t.Fatal("ShowTab did not select Settings")
	}

	// A change of the same device keeps the tab and hands over the new snapshot.
	changed := headset
	changed.BatteryLevel = ptr(50)
	src.set(dongle, changed, camera)
	if w.page.tabs.Selected().Text != "Settings" || *settings.shown[len(settings.shown)-1].BatteryLevel != 50 {
		t.Fatal("a change of the shown device lost the selected tab or the new snapshot")
	}

	// Another device opens on Overview; a tab that does not apply is hidden.
	w.ShowDevice(camera.ID)
	if got := tabTitles(w); got != "Overview" {
		t.Fatalf("tabs for the camera = %s", got)
	}
	w.ShowTab(settings)
	if w.page.tabs.Selected().Text != "Overview" {
		t.Fatal("ShowTab selected a tab that does not apply")
	}
}

func tabTitles(w *MainWindow) string {
	var s string
	for i, it := range w.page.tabs.Items {
		if i > 0 {
			s += ","
		}
		s += it.Text
	}
	return s
}
