//go:build ci

package views

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/analytics"
	"github.com/earshot-app/earshot/app/presence"
	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/translations"
)

// wrapsMidWord names the labels under o that break words ("matc h"):
// TextWrapBreak anywhere.
func wrapsMidWord(o fyne.CanvasObject) []string {
	var bad []string
	walkVisible(o, func(x fyne.CanvasObject) {
		switch l := x.(type) {
		case *widget.Label:
			if l.Wrapping == fyne.TextWrapBreak {
				bad = append(bad, "label "+l.Text)
			}
			if b := brokenWord(l); b != "" {
				bad = append(bad, "label "+l.Text+" broken at "+b)
			}
		case *widget.RichText:
			if l.Wrapping == fyne.TextWrapBreak {
				bad = append(bad, "rich text "+l.String())
			}
		case *widget.Entry:
			if l.Wrapping == fyne.TextWrapBreak {
				bad = append(bad, "entry "+l.Text)
			}
		}
	})
	return bad
}

// brokenWord is where l's text is wrapped inside a word ("matc|h"), ""
// when every line ends at a space or a break point.
func brokenWord(l *widget.Label) string {
	var lines []string
	walkVisible(l, func(y fyne.CanvasObject) {
		if t, ok := y.(*canvas.Text); ok && t.Text != "" {
			lines = append(lines, t.Text)
		}
	})
	word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	for i := 1; i < len(lines); i++ {
		a, b := []rune(lines[i-1]), []rune(lines[i])
		if len(a) == 0 || len(b) == 0 || !word(a[len(a)-1]) || !word(b[0]) {
			continue
		}
		if strings.Contains(l.Text, lines[i-1]+lines[i]) {
			return lines[i-1] + "|" + lines[i]
		}
	}
	return ""
}

var versionText = regexp.MustCompile(`^v?\d+(\.\d+)+$`)

// splitVersions names the labels under o that show a version number on more
// than one line, or narrower than the number.
func splitVersions(o fyne.CanvasObject) []string {
	var bad []string
	walkVisible(o, func(x fyne.CanvasObject) {
		l, ok := x.(*widget.Label)
		if !ok || !versionText.MatchString(l.Text) {
			return
		}
		lines := 0
		walkVisible(l, func(y fyne.CanvasObject) {
			if t, ok := y.(*canvas.Text); ok && strings.TrimSpace(t.Text) != "" {
				lines++
			}
		})
		text := fyne.MeasureText(l.Text, theme.TextSize(), l.TextStyle).Width
		if lines != 1 || l.Size().Width < text {
			bad = append(bad, l.Text)
		}
	})
	return bad
}

// TestNoWordBreaksInGermanAt800x600 opens every page and every device tab
// of the window in German at 800×600, and fails on a label that breaks
// words or a version number split over lines.
func TestNoWordBreaksInGermanAt800x600(t *testing.T) {
	t.Setenv("LANG", "de_DE.UTF-8")
	a := test.NewTempApp(t)
	tr := translations.New("de")
	now := func(f func()) { f() }
	queue := make(chan func(), 256)
	later := func(f func()) { queue <- f }
	drain := func() {
		deadline := time.After(3 * time.Second)
		for {
			select {
			case f := <-queue:
				f()
			case <-time.After(300 * time.Millisecond):
				return
			case <-deadline:
				return
			}
		}
	}
	narrow := stagedStatus
	narrow.Installed, narrow.Endpoint = "4.7.0", "4.9.2"
	st := *narrow.Staged
	st.Source = "http://127.0.0.1:35313/api/device-management/Firmware/Jabra-Evolve2-85-1.27.0.zip"
	narrow.Staged = &st
	set := NewSettingsTab(SettingsTabParams{Source: &fakeSettings{form: headsetForm(), refuse: map[string]*settings.Refusal{}},
		T: tr, ui: now, background: now})
	fw := NewFirmwareTab(FirmwareTabParams{Source: &fakeFirmware{status: narrow}, T: tr, ui: now, background: now})
	pages := []Page{
		NewHistoryPage(HistoryPageParams{Source: sampleHistory(), T: tr, ui: later}),
		NewOutboxPage(OutboxPageParams{Source: &fakeOutbox{endpoints: []analytics.EndpointStatus{{ID: "sha256:a",
			Endpoint: "https://a.example/ev", Configured: true, Queued: 3}}}, T: tr, Interval: -1, ui: later,
			Losses: func() Losses { return Losses{RejectedTelemetry: 2, UnrecordedCalls: 1} }}),
		NewPresencePage(PresencePageParams{Source: presence.NewService(presence.ServiceParams{}),
			API: &fakeAPI{addr: "127.0.0.1:8990", token: strings.Repeat("a", 64)}, T: tr, ui: now}),
		NewPreferencesPage(PreferencesPageParams{Source: &fakePrefs{set: map[string]string{}, entries: []PrefEntry{
			{Key: "CATALOGDIR", Source: "default"}, {Key: "TRAYICON", Value: "YES", Source: "default", UserSettable: true}}},
			T: tr, Clipboard: func(string) {}}),
	}
	src := &fakeSource{devs: []app.DeviceSummary{dongle, headset, speak, camera, mouse}}
	w := NewMainWindow(MainWindowParams{App: a, Source: src, T: tr, Version: "1", DeviceTabs: []DeviceTab{set, fw}, Pages: pages})
	w.Window().Resize(fyne.NewSize(800, 600))
	t.Cleanup(w.Window().Close)

	check := func(where string) {
		t.Helper()
		drain()
		w.Window().Resize(fyne.NewSize(800, 600))
		root := w.Window().Content()
		if bad := wrapsMidWord(root); len(bad) > 0 {
			t.Errorf("%s breaks words in: %s", where, strings.Join(bad, "; "))
		}
		if bad := splitVersions(root); len(bad) > 0 {
			t.Errorf("%s splits the versions %s", where, strings.Join(bad, ", "))
		}
	}
	check("the device list")
	for _, pg := range pages {
		w.ShowPage(pg)
		check(pg.Title())
	}
	for _, d := range src.devs {
		w.ShowDevice(d.ID)
		check(d.DeviceName)
		for _, tab := range []DeviceTab{set, fw} {
			if tab.Applies(d) {
				w.ShowTab(tab)
				check(d.DeviceName + " › " + tab.Title())
			}
		}
	}
	// The Firmware tab alone, narrower than any window: versions stay whole.
	win := test.NewWindow(fw.Content())
	t.Cleanup(win.Close)
	win.Resize(fyne.NewSize(500, 700))
	found := 0
	walkVisible(fw.Content(), func(x fyne.CanvasObject) {
		if l, ok := x.(*widget.Label); ok && versionText.MatchString(l.Text) {
			found++
		}
	})
	if found < 4 {
		t.Fatalf("only %d version labels found in the Firmware tab", found)
	}
	if bad := splitVersions(fw.Content()); len(bad) > 0 {
		t.Errorf("the Firmware tab at 500 px splits the versions %s", strings.Join(bad, ", "))
	}
	if bad := wrapsMidWord(fw.Content()); len(bad) > 0 {
		t.Errorf("the Firmware tab at 500 px breaks words in: %s", strings.Join(bad, "; "))
	}
}
