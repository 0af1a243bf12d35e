package hidhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
)

// echo is a test protocol: it claims interfaces whose usage page is 0x0B,
// reports the interface as a headset, and turns every input report into a
// ButtonPressed event (report ID 1) or a Changed call state (report ID 2,
// byte 1 = in call). It serves a LightHandler that records the states.
type echo struct {
	claim  int
	lights chan device.LightState
}

func (e *echo) Name() string { return "echo" }

func (e *echo) Claim(in hid.Info, desc []byte) int {
	if in.UsagePage == 0x0B {
		return e.claim
	}
	return 0
}

func (e *echo) Run(ctx context.Context, dev hid.Device, s hid.Session) error {
	in := dev.Info()
	d := device.Device{Info: device.Info{ID: s.ID(""), Kind: device.KindHeadset, Name: in.Product,
		VendorID: in.VendorID, ProductID: in.ProductID, ESN: in.Serial, InstanceID: in.Path}}
	s.Emit(device.Event{Type: device.Arrived, At: s.Now(), Device: d.Clone()})
	s.Serve(s.ID(""), lightFunc(func(st device.LightState) { e.lights <- st }))
	buf := make([]byte, 64)
	for {
		n, err := dev.Read(ctx, buf)
		if err != nil {
			if errors.Is(err, hid.ErrClosed) || ctx.Err() != nil {
				return nil
			}
			return err
		}
		switch {
		case n >= 1 && buf[0] == 1:
			s.Emit(device.Event{Type: device.ButtonPressed, At: s.Now(), Device: d.Clone(), Button: device.ButtonMute})
		case n >= 2 && buf[0] == 2:
			d.InCall = buf[1] == 1
			s.Emit(device.Event{Type: device.Changed, At: s.Now(), Device: d.Clone()})
		case n >= 1 && buf[0] == 0xEE:
			return fmt.Errorf("told to fail")
		}
	}
}

type lightFunc func(device.LightState)

func (f lightFunc) SetLight(_ context.Context, st device.LightState) error { f(st); return nil }

// recorder collects emitted events.
type recorder struct {
	mu     sync.Mutex
	events []device.Event
	signal chan struct{}
}

func newRecorder() *recorder { return &recorder{signal: make(chan struct{}, 1)} }

func (r *recorder) emit(e device.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// summary is "type:id" of every event so far, with the button or call
// state where it matters.
func (r *recorder) summary() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		s := e.Type.String() + ":" + e.Device.ID
		switch e.Type {
		case device.ButtonPressed:
			s += ":" + string(e.Button)
		case device.Changed:
			s += fmt.Sprintf(":inCall=%v", e.Device.InCall)
		case device.Arrived:
			s += ":" + string(e.Device.Kind)
		}
		out = append(out, s)
	}
	return out
}

// byDevice groups summary lines by device ID, keeping their order: the
// runs of different devices are concurrent.
func byDevice(lines []string) map[string]string {
	out := map[string]string{}
	for _, l := range lines {
		id := strings.SplitN(l, ":", 3)[1]
		out[id] += l + "\n"
	}
	return out
}

// waitFor waits until the events summarise to want, in order for each
// device.
func (r *recorder) waitFor(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		got := r.summary()
		if maps.Equal(byDevice(got), byDevice(want)) {
			return
		}
		select {
		case <-r.signal:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func headsetSpec(path string, page uint16) replay.Spec {
	return replay.Spec{Info: hid.Info{Path: path, VendorID: 0x047f, ProductID: 0xc056, Serial: "S" + path,
		Product: "Plantronics Blackwire 3220 Series", Interface: 3, UsagePage: page, Usage: 5, Bus: "usb"},
		Descriptor: []byte{0x05, 0x0B, 0x09, 0x05, 0xA1, 0x01, 0xC0}}
}

// logBuf is a logger whose lines tests read.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// start runs a host on bus until the test ends.
func start(t *testing.T, p Params) (*Host, *recorder, *logBuf) {
	t.Helper()
	logs := &logBuf{}
	if p.Logger == nil {
		p.Logger = logs.logger()
	}
	h := New(p)
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx, rec.emit) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return h, rec, logs
}

func settle(t *testing.T, h *Host) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Settled(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestNoDevicesLogsOneLine(t *testing.T) {
	h, rec, logs := start(t, Params{Bus: replay.New(), Protocols: []hid.Protocol{&echo{claim: 1}}})
	settle(t, h)
	if n := strings.Count(logs.String(), "no HID devices found"); n != 1 {
		t.Errorf("%d lines saying no HID devices found; log:\n%s", n, logs)
	}
	if len(rec.summary()) != 0 || len(h.List()) != 0 {
		t.Errorf("events %v, list %v", rec.summary(), h.List())
	}
}

func TestRunsTheClaimingProtocol(t *testing.T) {
	bus := replay.New()
	for _, s := range []replay.Spec{headsetSpec("/dev/hidraw1", 0x0B), headsetSpec("/dev/hidraw2", 0x0C)} {
		if err := bus.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	low, high := &echo{claim: 1}, &echo{claim: 5, lights: make(chan device.LightState, 1)}
	h, rec, _ := start(t, Params{Bus: bus, Protocols: []hid.Protocol{low, high}})
	settle(t, h)
	// hidraw2 is the Consumer collection only: a headset vendor's Consumer
	// interface nobody claims is listed as other.
	rec.waitFor(t, "arrived:/dev/hidraw1:headset", "arrived:/dev/hidraw2:other")
	for _, r := range [][]byte{{1}, {2, 1}, {2, 0}} {
		if err := bus.Input("/dev/hidraw1", r); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitFor(t, "arrived:/dev/hidraw1:headset", "arrived:/dev/hidraw2:other",
		"button:/dev/hidraw1:mute", "changed:/dev/hidraw1:inCall=true", "changed:/dev/hidraw1:inCall=false")

	if !h.HasLight("/dev/hidraw1") || h.HasLight("/dev/hidraw2") {
		t.Error("HasLight")
	}
	if err := h.SetLight(context.Background(), "/dev/hidraw1", device.LightState{Colour: device.Colour{R: 255}}); err != nil {
		t.Fatal(err)
	}
	if st := <-high.lights; st.Colour.R != 255 {
		t.Errorf("light %v", st)
	}
	if err := h.SetLight(context.Background(), "/dev/hidraw2", device.LightState{}); err == nil {
		t.Error("SetLight on an other device succeeded")
	}
	if errs := h.WriteSettings(context.Background(), "/dev/hidraw1", map[string]string{"X": "1"}); !errors.Is(errs["X"], device.ErrNotWritable) {
		t.Errorf("WriteSettings: %v", errs)
	}
	if err := h.CanWrite("/dev/hidraw1", "X"); !errors.Is(err, device.ErrNotWritable) {
		t.Errorf("CanWrite: %v", err)
	}
	list := h.List()
	if len(list) != 2 || list[0].Protocol != "echo" || !list[0].Openable || list[1].Protocol != "" || !list[1].Listed {
		t.Errorf("List = %+v", list)
	}
}

func TestHotPlug(t *testing.T) {
	bus := replay.New()
	h, rec, _ := start(t, Params{Bus: bus, Protocols: []hid.Protocol{&echo{claim: 1}}})
	settle(t, h)
	waitWatching(t, bus)
	if err := bus.Attach(headsetSpec("/dev/hidraw4", 0x0B)); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "arrived:/dev/hidraw4:headset")
	if err := bus.Input("/dev/hidraw4", []byte{2, 1}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "arrived:/dev/hidraw4:headset", "changed:/dev/hidraw4:inCall=true")
	if err := bus.Detach("/dev/hidraw4"); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "arrived:/dev/hidraw4:headset", "changed:/dev/hidraw4:inCall=true", "removed:/dev/hidraw4")
	if h.HasLight("/dev/hidraw4") {
		t.Error("the removed device's handler is still served")
	}
	// Plugged in again, it comes back.
	if err := bus.Attach(headsetSpec("/dev/hidraw4", 0x0B)); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "arrived:/dev/hidraw4:headset", "changed:/dev/hidraw4:inCall=true", "removed:/dev/hidraw4",
		"arrived:/dev/hidraw4:headset")
}

func waitWatching(t *testing.T, bus *replay.Bus) {
	t.Helper()
	for i := 0; bus.Watching() == 0; i++ {
		if i > 500 {
			t.Fatal("the host never watched the bus")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestProtocolExitRemovesItsDevices(t *testing.T) {
	bus := replay.New()
	if err := bus.Add(headsetSpec("/dev/hidraw1", 0x0B)); err != nil {
		t.Fatal(err)
	}
	h, rec, logs := start(t, Params{Bus: bus, Protocols: []hid.Protocol{&echo{claim: 1}}})
	settle(t, h)
	if err := bus.Input("/dev/hidraw1", []byte{0xEE}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "arrived:/dev/hidraw1:headset", "removed:/dev/hidraw1")
	if !strings.Contains(logs.String(), "told to fail") {
		t.Errorf("the protocol's error is not logged:\n%s", logs)
	}
}

func TestPermissionDenied(t *testing.T) {
	bus := replay.New()
	denied := headsetSpec("/dev/hidraw7", 0x0B)
	denied.NoPermission = true
	stranger := replay.Spec{Info: hid.Info{Path: "/dev/hidraw8", VendorID: 0x046d, ProductID: 0xc077, Product: "USB Optical Mouse", UsagePage: 1, Usage: 2}, NoPermission: true}
	for _, s := range []replay.Spec{denied, stranger} {
		if err := bus.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	h, rec, logs := start(t, Params{Bus: bus, Protocols: []hid.Protocol{&echo{claim: 1}}})
	settle(t, h)
	// The Poly headset is listed (as other, since nobody can read it); the
	// mouse is not a device of the desk, but both are in the list with why.
	rec.waitFor(t, "arrived:/dev/hidraw7:other")
	un := h.Unopenable()
	if len(un) != 2 {
		t.Fatalf("Unopenable = %+v", un)
	}
	for _, it := range un {
		if !strings.Contains(it.Reason, "permission denied") || !strings.Contains(it.Reason, "earshot udev-rules") {
			t.Errorf("%s: reason %q lacks the udev hint", it.Info.Path, it.Reason)
		}
		if it.Hint == nil || it.Hint.Key == "" || !slices.Contains(it.Hint.Args, any(it.Info.Path)) {
			t.Errorf("%s: hint %+v", it.Info.Path, it.Hint)
		}
	}
	if !un[0].Listed || un[1].Listed {
		t.Errorf("Listed: %+v", un)
	}
	if !strings.Contains(logs.String(), "cannot open a HID interface") || !strings.Contains(logs.String(), "udev-rules") {
		t.Errorf("log:\n%s", logs)
	}
}

func TestUnclaimed(t *testing.T) {
	tests := []struct {
		name   string
		info   hid.Info
		listed bool
	}{
		{"headset vendor, telephony", hid.Info{VendorID: 0x0b0e, ProductID: 0x245e, UsagePage: 0x0B, Product: "Jabra Link 370"}, true},
		{"headset vendor, vendor page only", hid.Info{VendorID: 0x0b0e, ProductID: 0x245e, UsagePage: 0xFF00}, false},
		{"busylight vendor", hid.Info{VendorID: 0x27bb, ProductID: 0x3bcf, UsagePage: 0xFF00, Product: "BUSYLIGHT OMEGA"}, true},
		{"Microchip, known busylight", hid.Info{VendorID: 0x04d8, ProductID: 0xf372, UsagePage: 0xFF00}, true},
		{"Microchip, anything else", hid.Info{VendorID: 0x04d8, ProductID: 0x0001, UsagePage: 0xFF00}, false},
		{"keyboard", hid.Info{VendorID: 0x046a, ProductID: 0x0011, UsagePage: 1, Usage: 6}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bus := replay.New()
			tt.info.Path = "/dev/hidraw3"
			if err := bus.Add(replay.Spec{Info: tt.info}); err != nil {
				t.Fatal(err)
			}
			h, rec, _ := start(t, Params{Bus: bus})
			settle(t, h)
			if tt.listed {
				rec.waitFor(t, "arrived:/dev/hidraw3:other")
				d := rec.events[0].Device
				if d.VendorID != tt.info.VendorID || d.InstanceID != "/dev/hidraw3" || d.Name == "" {
					t.Errorf("device %+v", d)
				}
			} else if s := rec.summary(); len(s) != 0 {
				t.Errorf("events %v", s)
			}
			if l := h.List(); len(l) != 1 || l[0].Listed != tt.listed || l[0].Reason == "" {
				t.Errorf("List = %+v", l)
			}
		})
	}
}

// noWatch is a Bus whose Watch fails at once, as on a platform without
// hot-plug notices.
type noWatch struct{ *replay.Bus }

func (noWatch) Watch(context.Context, chan<- hid.Change) error { return hid.ErrNotSupported }

func TestPollsWhenWatchFails(t *testing.T) {
	bus := replay.New()
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	h, rec, logs := start(t, Params{Bus: noWatch{bus}, Protocols: []hid.Protocol{&echo{claim: 1}}, Clock: clk, PollInterval: 2 * time.Second})
	settle(t, h)
	waitClock(t, clk)
	if err := bus.Add(headsetSpec("/dev/hidraw5", 0x0B)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	time.Sleep(20 * time.Millisecond)
	if s := rec.summary(); len(s) != 0 {
		t.Fatalf("listed before the poll: %v", s)
	}
	clk.Advance(time.Second)
	rec.waitFor(t, "arrived:/dev/hidraw5:headset")
	if ev := rec.events[0]; !ev.At.Equal(clk.Now()) {
		t.Errorf("stamped %v, want the clock's %v", ev.At, clk.Now())
	}
	waitClock(t, clk)
	if err := bus.Detach("/dev/hidraw5"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	rec.waitFor(t, "arrived:/dev/hidraw5:headset", "removed:/dev/hidraw5")
	if n := strings.Count(logs.String(), "listing HID interfaces periodically"); n != 1 {
		t.Errorf("%d fallback lines:\n%s", n, logs)
	}
}

func waitClock(t *testing.T, clk *clock.Fake) {
	t.Helper()
	for i := 0; clk.Waiters() == 0; i++ {
		if i > 500 {
			t.Fatal("nobody waits on the clock")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// slowArrival is a protocol that reports its device only after a read,
// like a driver that asks the device for its name first.
type slowArrival struct{ echo }

func (p *slowArrival) Run(ctx context.Context, dev hid.Device, s hid.Session) error {
	buf := make([]byte, 8)
	if _, err := dev.Read(ctx, buf); err != nil {
		return nil
	}
	return p.echo.Run(ctx, dev, s)
}

func TestSettledWaitsForTheFirstEvent(t *testing.T) {
	bus := replay.New()
	if err := bus.Add(headsetSpec("/dev/hidraw1", 0x0B)); err != nil {
		t.Fatal(err)
	}
	h, rec, _ := start(t, Params{Bus: bus, Protocols: []hid.Protocol{&slowArrival{echo{claim: 1}}}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := h.Settled(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Settled before the protocol reported: %v", err)
	}
	if err := bus.Input("/dev/hidraw1", []byte{9}); err != nil {
		t.Fatal(err)
	}
	settle(t, h)
	if s := rec.summary(); len(s) != 1 {
		t.Errorf("settled with events %v", s)
	}
}

// hexFile reads a testdata descriptor.
func hexFile(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	b, err := replay.ParseHex(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writer is a protocol that claims any interface whose descriptor has a
// Telephony collection, reports it, writes output report 0x17 (the
// Blackwire's Off-Hook LED, in its Telephony collection) and then turns
// input reports into button presses: report 8 (Telephony) mute, report 1
// (Consumer) volume up.
type writer struct{}

func (writer) Name() string { return "writer" }

func (writer) Claim(_ hid.Info, desc []byte) int {
	if bytes.Contains(desc, []byte{0x05, 0x0B, 0x09, 0x05, 0xA1, 0x01}) {
		return 1
	}
	return 0
}

func (writer) Run(ctx context.Context, dev hid.Device, s hid.Session) error {
	d := device.Device{Info: device.Info{ID: s.ID(""), Kind: device.KindHeadset}}
	s.Emit(device.Event{Type: device.Arrived, Device: d})
	if _, err := dev.Write([]byte{0x17, 0x01}); err != nil {
		return err
	}
	buf := make([]byte, 64)
	for {
		n, err := dev.Read(ctx, buf)
		if err != nil {
			return nil
		}
		b := device.ButtonMute
		if n > 0 && buf[0] == 1 {
			b = device.ButtonVolumeUp
		}
		s.Emit(device.Event{Type: device.ButtonPressed, Device: d, Button: b})
	}
}

// TestCollectionsOfOneInterfaceAreOneDevice plays the Blackwire 3220 as
// hidapi lists it on Windows: one path per top-level collection, all with
// the same serial number and interface. The host makes one device of them,
// reads both collections' reports, and sends an output report to the
// collection that declares it.
func TestCollectionsOfOneInterfaceAreOneDevice(t *testing.T) {
	bus := replay.New()
	info := hid.Info{VendorID: 0x047f, ProductID: 0xc056, Serial: "3220SN", Product: "Plantronics Blackwire 3220 Series", Interface: 3}
	cols := []struct {
		path, file string
		page       uint16
	}{
		{`\\?\hid#vid_047f&pid_c056&mi_03&col01#7&1`, "047F_C056_0001_000C.hex", 0x0C},
		{`\\?\hid#vid_047f&pid_c056&mi_03&col02#7&1`, "047F_C056_0005_000B.hex", 0x0B},
		{`\\?\hid#vid_047f&pid_c056&mi_03&col03#7&1`, "047F_C056_0003_FFA0.hex", 0xFFA0},
	}
	for _, c := range cols {
		in := info
		in.Path, in.UsagePage = c.path, c.page
		if err := bus.Add(replay.Spec{Info: in, Descriptor: hexFile(t, c.file)}); err != nil {
			t.Fatal(err)
		}
	}
	h, rec, _ := start(t, Params{Bus: bus, Protocols: []hid.Protocol{writer{}}})
	settle(t, h)
	id := cols[0].path
	rec.waitFor(t, "arrived:"+id+":headset")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	writes, err := bus.WaitWrites(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if writes[0].Path != cols[1].path || !bytes.Equal(writes[0].Report, []byte{0x17, 0x01}) {
		t.Errorf("write went to %s: % X", writes[0].Path, writes[0].Report)
	}
	if err := bus.Input(cols[1].path, []byte{0x08, 0x01}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "arrived:"+id+":headset", "button:"+id+":mute")
	if err := bus.Input(cols[0].path, []byte{0x01, 0x01}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "arrived:"+id+":headset", "button:"+id+":mute", "button:"+id+":volumeUp")
	if l := h.List(); len(l) != 3 || l[2].Protocol != "writer" {
		t.Errorf("List = %+v", l)
	}
	// Unplugging takes every collection away at once: one removal.
	for _, c := range cols {
		if err := bus.Detach(c.path); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitFor(t, "arrived:"+id+":headset", "button:"+id+":mute", "button:"+id+":volumeUp", "removed:"+id)
	time.Sleep(50 * time.Millisecond)
	if n := len(rec.summary()); n != 4 {
		t.Errorf("the group came back after it was unplugged: %v", rec.summary())
	}
}

// TestManagerAsksTheHostPerDevice: through a Manager, a HID device whose
// protocol serves no firmware handler cannot be updated, and one whose
// protocol serves a light has one.
func TestManagerAsksTheHostPerDevice(t *testing.T) {
	bus := replay.New()
	if err := bus.Add(headsetSpec("/dev/hidraw1", 0x0B)); err != nil {
		t.Fatal(err)
	}
	h := New(Params{Bus: bus, Protocols: []hid.Protocol{&echo{claim: 1, lights: make(chan device.LightState, 1)}}, Logger: slog.New(slog.DiscardHandler)})
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{h}, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = mgr.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	settle(t, h)
	if _, ok := mgr.Device("/dev/hidraw1"); !ok {
		t.Fatal("not attached")
	}
	if mgr.CanUpdateFirmware("/dev/hidraw1") {
		t.Error("CanUpdateFirmware = true for a protocol without a firmware handler")
	}
	if !mgr.HasLight("/dev/hidraw1") {
		t.Error("HasLight = false")
	}
	if err := mgr.CanWriteSetting("/dev/hidraw1", "X"); !errors.Is(err, device.ErrNotWritable) {
		t.Errorf("CanWriteSetting = %v", err)
	}
}
