//go:build ci

package views

import (
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/translations"
	"github.com/earshot-app/earshot/translations/translationstest"
)

// fakeSource is a DeviceSource whose changes arrive from another goroutine,
// as the core's do.
type fakeSource struct {
	mu       sync.Mutex
	devs     []app.DeviceSummary
	onChange func()
}

func (f *fakeSource) Devices() []app.DeviceSummary {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]app.DeviceSummary(nil), f.devs...)
}

func (f *fakeSource) Subscribe(onChange func()) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onChange = onChange
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.onChange = nil
	}
}

// set replaces the devices and reports the change from a new goroutine,
// returning once the subscriber has run.
func (f *fakeSource) set(devs ...app.DeviceSummary) {
	f.mu.Lock()
	f.devs = devs
	onChange := f.onChange
	f.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		onChange()
	}()
	<-done
}

func ptr[T any](v T) *T { return &v }

var (
	dongle = app.DeviceSummary{ID: "d1", Key: "70BF92A1C3D4", DeviceName: "Jabra Link 380", Kind: "dongle",
		VendorID: "0B0E", ProductID: "2466", ESN: "70BF92A1C3D4", FirmwareVersion: "2.18.0", ConnectionType: "USB", Connected: true}
	headset = app.DeviceSummary{ID: "h1", Key: "501AA5D6337F", DeviceName: "Jabra Evolve2 85", Kind: "headset",
		VendorID: "0B0E", ProductID: "24A1", VariantType: "01-3D", ESN: "501AA5D6337F", FirmwareVersion: "2.0.0",
		ConnectionType: "Bluetooth", Parent: "Jabra Link 380", ParentID: "d1",
		BatteryLevel: ptr(80), BatteryLow: ptr(false), BatteryCharging: ptr(true), InCall: true, Muted: true, Connected: true}
	speak = app.DeviceSummary{ID: "s1", Key: "A4F0E1337001", DeviceName: "Jabra Speak2 75", Kind: "speakerphone",
		VendorID: "0B0E", ProductID: "2551", ESN: "A4F0E1337001", ConnectionType: "USB",
		BatteryLevel: ptr(12), BatteryLow: ptr(true), BatteryCharging: ptr(false), Connected: true}
	camera = app.DeviceSummary{ID: "c1", Key: "P50X7719", DeviceName: "Jabra PanaCast 50", Kind: "camera",
		VendorID: "0B0E", ProductID: "3012", ConnectionType: "USB", PeopleCount: ptr(3), Streaming: true, Connected: true}
	mouse = app.DeviceSummary{ID: "o1", Key: "/dev/hidraw7", DeviceName: "Logitech USB Receiver", Kind: "other",
		VendorID: "046D", ProductID: "C52B", InstanceID: "/dev/hidraw7", ConnectionType: "USB", Connected: true}
)

func newTestWindow(t *testing.T, devs ...app.DeviceSummary) (*MainWindow, *fakeSource) {
	t.Helper()
	a := test.NewTempApp(t)
	src := &fakeSource{devs: devs}
	w := NewMainWindow(MainWindowParams{App: a, Source: src, T: translations.New("en"), Version: "1.2.3"})
	t.Cleanup(w.Window().Close)
	return w, src
}

// shownText is every visible text of the window, one per line.
func shownText(w *MainWindow) string { return visibleText(w.Window().Content()) }

func cards(w *MainWindow) []*deviceCard {
	var out []*deviceCard
	for _, o := range w.list.box.Objects {
		out = append(out, o.(*deviceCard))
	}
	return out
}

func assertShows(t *testing.T, w *MainWindow, want ...string) {
	t.Helper()
	got := shownText(w)
	for _, s := range want {
		if !strings.Contains(got, s) {
			t.Errorf("window does not show %q; it shows:\n%s", s, got)
		}
	}
}

func assertHides(t *testing.T, w *MainWindow, unwanted ...string) {
	t.Helper()
	got := shownText(w)
	for _, s := range unwanted {
		if strings.Contains(got, s) {
			t.Errorf("window shows %q; it shows:\n%s", s, got)
		}
	}
}

func TestWindowTitleAndSize(t *testing.T) {
	w, _ := newTestWindow(t)
	if got := w.Window().Title(); got != "Earshot" {
		t.Errorf("title = %q, want Earshot", got)
	}
	if got := w.Window().Canvas().Size(); got.Width < 800 || got.Height < 500 {
		t.Errorf("size = %v, want about 900x600", got)
	}
}

func TestListShowsCards(t *testing.T) {
	w, _ := newTestWindow(t, dongle, headset, speak, camera, mouse)
	assertShows(t, w,
		"5 devices",
		"Jabra Link 380", "Dongle · USB", "Firmware 2.18.0",
		"Jabra Evolve2 85", "Headset · Bluetooth · via Jabra Link 380", "80 %", "In call", "Muted",
		"Jabra Speak2 75", "12 % · low",
		"Jabra PanaCast 50", "3 people", "Streaming",
		"Logitech USB Receiver", "USB 046D:C52B",
		"Earshot 1.2.3",
	)
	assertHides(t, w, "No devices connected")
	var children []string
	for _, c := range cards(w) {
		if c.child {
			children = append(children, c.dev.DeviceName)
		}
	}
	if strings.Join(children, ",") != "Jabra Evolve2 85" {
		t.Errorf("indented cards = %v, want the headset behind its dongle", children)
	}
}

func TestEmptyState(t *testing.T) {
	w, src := newTestWindow(t)
	assertShows(t, w, "No devices connected — plug in a headset")

	src.set(headset)
	assertHides(t, w, "No devices connected")
	assertShows(t, w, "Jabra Evolve2 85", "1 device")

	src.set()
	assertShows(t, w, "No devices connected — plug in a headset")
	assertHides(t, w, "Jabra Evolve2 85")
}

func TestTapOpensDevicePageAndBackReturns(t *testing.T) {
	for _, tc := range []struct {
		name string
		back func(w *MainWindow)
	}{
		{"Escape", func(w *MainWindow) {
			w.Window().Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
		}},
		{"Back button", func(w *MainWindow) {
			test.Tap(backButtonOf(t, w))
		}},
		{"Escape on the focused Back button", func(w *MainWindow) {
			c := w.Window().Canvas()
			c.Focus(backButtonOf(t, w))
			c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := newTestWindow(t, dongle, headset)
			test.Tap(cards(w)[1])
			assertShows(t, w, "Jabra Evolve2 85", "501AA5D6337F", "0B0E", "24A1", "01-3D",
				"Jabra Link 380", "80 %", "Charging", "2.0.0", "Bluetooth")
			if w.current() != w.page.root {
				t.Fatal("tapping a card does not open its page")
			}

			tc.back(w)
			if w.current() != w.list.root {
				t.Fatal("the list is not shown after going back")
			}
			assertShows(t, w, "Jabra Link 380", "Jabra Evolve2 85")
		})
	}
}

func backButtonOf(t *testing.T, w *MainWindow) *backButton {
	t.Helper()
	var found *backButton
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *backButton:
			found = x
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(w.Window().Content())
	if found == nil {
		t.Fatal("no Back button on the page")
	}
	return found
}

func TestKeyboardOpensFocusedCard(t *testing.T) {
	for _, key := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter, fyne.KeySpace} {
		t.Run(string(key), func(t *testing.T) {
			w, _ := newTestWindow(t, dongle, headset, mouse)
			c := w.Window().Canvas()
			test.FocusNext(c)
			test.FocusNext(c)
			focused, ok := c.Focused().(*deviceCard)
			if !ok || focused.dev.ID != headset.ID {
				t.Fatalf("after two Tabs the focus is on %v, want the second card", c.Focused())
			}
			focused.TypedKey(&fyne.KeyEvent{Name: key})
			assertShows(t, w, "501AA5D6337F")

			c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
			for _, card := range cards(w) {
				if card.focused {
					t.Errorf("card %s still draws the focus after its page closed", card.dev.DeviceName)
				}
			}
		})
	}
}

func TestOtherVendorPageShowsInstanceID(t *testing.T) {
	w, _ := newTestWindow(t, mouse)
	w.ShowDevice(mouse.ID)
	assertShows(t, w, "Instance ID", "/dev/hidraw7", "046D", "C52B")
	assertHides(t, w, "No battery reported")
}

func TestChangesFromAnotherGoroutine(t *testing.T) {
	w, src := newTestWindow(t, dongle, headset)

	lower := headset
	lower.BatteryLevel = ptr(75)
	src.set(dongle, lower, camera)
	assertShows(t, w, "75 %", "Jabra PanaCast 50", "3 devices")
	assertHides(t, w, "80 %")

	w.ShowDevice(headset.ID)
	lower.BatteryLevel = ptr(64)
	src.set(dongle, lower, camera)
	assertShows(t, w, "501AA5D6337F", "64 %")

	// The device leaves: its page stays, marked disconnected, so nothing
	// moves under the pointer; it is live again when the device is back.
	src.set(dongle, camera)
	if w.current() != w.page.root {
		t.Fatal("the page of a device that left closed")
	}
	assertShows(t, w, "Jabra Evolve2 85", "Not connected")
	back := lower
	back.ID = "new-id" // the same device (Key) under a new ID
	back.BatteryLevel = ptr(63)
	src.set(dongle, back, camera)
	if w.current() != w.page.root || w.shown != "new-id" {
		t.Fatalf("the page did not follow the device back (shown %q)", w.shown)
	}
	assertShows(t, w, "63 %")
	w.ShowList()
	src.set(dongle, camera)
	assertHides(t, w, "Jabra Evolve2 85")
}

func TestLowBatteryAlertsOncePerCrossing(t *testing.T) {
	at := func(level int, low, charging bool) app.DeviceSummary {
		d := headset
		d.BatteryLevel, d.BatteryLow, d.BatteryCharging = ptr(level), ptr(low), ptr(charging)
		return d
	}
	noFlag := headset
	noFlag.BatteryLevel, noFlag.BatteryLow, noFlag.BatteryCharging = ptr(9), nil, nil
	for _, tc := range []struct {
		name  string
		steps []app.DeviceSummary
		want  []int // how many alerts each step gives
	}{
		{"becomes low once", []app.DeviceSummary{at(20, false, false), at(14, true, false), at(13, true, false), at(12, true, false)}, []int{0, 1, 0, 0}},
		{"low at first sight", []app.DeviceSummary{at(8, true, false)}, []int{1}},
		{"recovers and drops again", []app.DeviceSummary{at(9, true, false), at(60, false, true), at(9, true, false)}, []int{1, 0, 1}},
		{"low while charging", []app.DeviceSummary{at(9, true, true), at(10, true, true)}, []int{0, 0}},
		{"unplugged while low", []app.DeviceSummary{at(9, true, true), at(9, true, false)}, []int{0, 1}},
		{"no battery", []app.DeviceSummary{dongle, dongle}, []int{0, 0}},
		{"level alone when the device has no low flag", []app.DeviceSummary{noFlag}, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := lowBatteryAlerts{}
			for i, d := range tc.steps {
				if got := len(a.crossed([]app.DeviceSummary{d})); got != tc.want[i] {
					t.Errorf("step %d: %d alerts, want %d", i, got, tc.want[i])
				}
			}
		})
	}
}

func TestLowBatteryNotification(t *testing.T) {
	_, src := newTestWindow(t, headset)
	low := headset
	low.BatteryLevel, low.BatteryLow, low.BatteryCharging = ptr(9), ptr(true), ptr(false)
	test.AssertNotificationSent(t, &fyne.Notification{
		Title:   "Battery low",
		Content: "Jabra Evolve2 85 is at 9 %. Charge it soon.",
	}, func() { src.set(low) })
	test.AssertNotificationSent(t, nil, func() { src.set(low) })
}

func TestTrayOrder(t *testing.T) {
	dev := func(id string, level *int) app.DeviceSummary { return app.DeviceSummary{ID: id, BatteryLevel: level} }
	for _, tc := range []struct {
		name string
		in   []app.DeviceSummary
		want string
	}{
		{"lowest first", []app.DeviceSummary{dev("a", ptr(80)), dev("b", ptr(12)), dev("c", ptr(55))}, "b c a"},
		{"no battery last, in display order", []app.DeviceSummary{dev("x", nil), dev("a", ptr(80)), dev("y", nil), dev("b", ptr(5))}, "b a x y"},
		{"equal levels keep their order", []app.DeviceSummary{dev("a", ptr(50)), dev("b", ptr(50))}, "a b"},
		{"empty", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ids []string
			for _, d := range trayOrder(tc.in) {
				ids = append(ids, d.ID)
			}
			if got := strings.Join(ids, " "); got != tc.want {
				t.Errorf("order = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTrayMenu(t *testing.T) {
	w, _ := newTestWindow(t, dongle, headset, speak)
	var labels []string
	for _, it := range w.trayMenu().Items {
		labels = append(labels, it.Label)
	}
	want := "Jabra Speak2 75 — 12 %|Jabra Evolve2 85 — 80 %|Jabra Link 380||Show Earshot|Quit"
	if got := strings.Join(labels, "|"); got != want {
		t.Errorf("tray menu = %q, want %q", got, want)
	}
}

func TestBatteryColor(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    app.DeviceSummary
		want any
	}{
		{"full", app.DeviceSummary{BatteryLevel: ptr(90)}, batteryGreen},
		{"getting low", app.DeviceSummary{BatteryLevel: ptr(25), BatteryLow: ptr(false)}, batteryAmber},
		{"low flag", app.DeviceSummary{BatteryLevel: ptr(25), BatteryLow: ptr(true)}, batteryRed},
		{"low level without flag", app.DeviceSummary{BatteryLevel: ptr(7)}, batteryRed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := batteryColor(tc.d); got != tc.want {
				t.Errorf("colour = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestEveryKeyUsedExists checks that each message id in views' source, and
// each kind and connection label, is in en.json.
func TestEveryKeyUsedExists(t *testing.T) {
	var extra []string
	for _, k := range kinds {
		extra = append(extra, "kind."+k)
	}
	for _, c := range connections {
		extra = append(extra, "connection."+strings.ToLower(c))
	}
	translationstest.UsedKeysExist(t, ".", 20, extra...)
}

// TestCallStateOfAnOtherDevice: a device of another vendor that reports
// calls (the demo's Poly Blackwire, kind "other") shows its call state on
// its page from its first call on, also between calls; one that never
// does shows none.
func TestCallStateOfAnOtherDevice(t *testing.T) {
	poly := app.DeviceSummary{ID: "p1", Key: "047F:C056:p1", DeviceName: "Poly Blackwire 3220", Kind: "other",
		VendorID: "047F", ProductID: "C056", ConnectionType: "USB", Connected: true}
	w, src := newTestWindow(t, poly, mouse)
	w.ShowDevice(poly.ID)
	assertHides(t, w, "Not in a call")
	steps := []struct {
		name       string
		inCall     bool
		muted      bool
		want, hide []string
	}{
		{"in a call", true, false, []string{"Call", "In call", "Microphone", "On"}, nil},
		{"muted", true, true, []string{"In call", "Muted"}, nil},
		{"after the call", false, false, []string{"Call", "Not in a call"}, []string{"In call"}},
	}
	for _, st := range steps {
		p := poly
		p.InCall, p.Muted = st.inCall, st.muted
		src.set(p, mouse)
		assertShows(t, w, st.want...)
		assertHides(t, w, st.hide...)
	}
	w.ShowDevice(mouse.ID)
	assertHides(t, w, "Not in a call", "Microphone")
}
