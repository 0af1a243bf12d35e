package hidtel

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/descriptor"
	"github.com/earshot-app/earshot/device/hid/replay"
	"github.com/earshot-app/earshot/device/hidhost"
)

// blackwire is the Blackwire 3220's HID interface (047f:c056, interface 3)
// as hidraw gives it: its three top-level collections in one descriptor.
func blackwire(t testing.TB) []byte {
	t.Helper()
	var all []byte
	for _, name := range []string{"047F_C056_0001_000C.hex", "047F_C056_0005_000B.hex", "047F_C056_0003_FFA0.hex"} {
		all = append(all, hexFile(t, name)...)
	}
	return all
}

func hexFile(t testing.TB, name string) []byte {
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

const bwPath = "/dev/hidraw3"

func blackwireSpec(t testing.TB) replay.Spec {
	desc := blackwire(t)
	parsed, _ := descriptor.Parse(desc)
	return replay.Spec{
		Info: hid.Info{Path: bwPath, VendorID: 0x047f, ProductID: 0xc056, Serial: "A1B2C3", Interface: 3,
			Product: "Plantronics Blackwire 3220 Series", Manufacturer: "Plantronics", UsagePage: 0x0C, Usage: 1, Bus: "usb"},
		Descriptor: desc,
		InputLen:   func(id byte) int { return parsed.Length(descriptor.Input, id) },
	}
}

// recorder keeps the events a host emits.
type recorder struct {
	mu     sync.Mutex
	events []device.Event
	signal chan struct{}
}

func (r *recorder) emit(e device.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// describe writes an event as the simulator's events read: type, then the
// button or the call and mute state.
func describe(e device.Event) string {
	switch e.Type {
	case device.ButtonPressed:
		return "button " + string(e.Button)
	case device.Changed:
		return fmt.Sprintf("changed inCall=%v muted=%v", e.Device.InCall, e.Device.Muted)
	}
	return e.Type.String() + " " + string(e.Device.Kind) + " " + e.Device.Name
}

func (r *recorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.events))
	for i, e := range r.events {
		out[i] = describe(e)
	}
	return out
}

func (r *recorder) waitFor(t *testing.T, want []string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		got := r.lines()
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			return
		}
		if len(got) > len(want) {
			t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		select {
		case <-r.signal:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

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

// runHost runs a real HID host with p on bus until the test ends.
func runHost(t *testing.T, bus hid.Bus, p *Protocol, clk clock.Clock) (*hidhost.Host, *recorder, *logBuf) {
	t.Helper()
	logs := &logBuf{}
	h := hidhost.New(hidhost.Params{Bus: bus, Protocols: []hid.Protocol{p}, Clock: clk,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	rec := &recorder{signal: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx, rec.emit) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := h.Settled(sctx); err != nil {
		t.Fatal(err)
	}
	return h, rec, logs
}

// A whole call on the Blackwire 3220, as its reports go: report 8 is
// Phone Mute (bit 0, relative), Hook Switch (bit 1), Flash (bit 2);
// report 1 is Volume Up (bit 0) and Volume Down (bit 1), both relative.
var wholeCall = []string{
	"08 02",          // off-hook
	"08 03", "08 02", // mute
	"08 03", "08 02", // mute
	"08 03", "08 02", // mute
	"01 01", "01 00", // volume up
	"01 01", "01 00", // volume up
	"01 02", "01 00", // volume down
	"08 00", // on-hook
}

// The events the simulator gives for the same call (sim.state.play:
// callStart, press mute ×3 with the mute toggled in the call, presses,
// callEnd).
var wholeCallEvents = []string{
	"arrived headset Plantronics Blackwire 3220 Series",
	"changed inCall=true muted=false",
	"button mute", "changed inCall=true muted=true",
	"button mute", "changed inCall=true muted=false",
	"button mute", "changed inCall=true muted=true",
	"button volumeUp", "button volumeUp", "button volumeDown",
	"changed inCall=false muted=false",
}

func TestWholeCallOnTheBlackwire(t *testing.T) {
	tests := []struct {
		name   string
		leds   bool
		writes []string // "path: report"
	}{
		{name: "observes only by default"},
		{name: "answers the LEDs when asked", leds: true, writes: []string{
			"17 01", "18 00", // off-hook: Off-Hook on, Ring off
			"09 01", "09 00", "09 01", // the mute LED after each press
			"17 00", "09 00", // on-hook: Off-Hook off, mute cleared
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bus := replay.New()
			if err := bus.Add(blackwireSpec(t)); err != nil {
				t.Fatal(err)
			}
			_, rec, _ := runHost(t, bus, New(Options{LEDs: tt.leds}), nil)
			rec.waitFor(t, wholeCallEvents[:1])
			for _, r := range wholeCall {
				b, _ := replay.ParseHex(r)
				if err := bus.Input(bwPath, b); err != nil {
					t.Fatal(err)
				}
			}
			rec.waitFor(t, wholeCallEvents)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			writes, _ := bus.WaitWrites(ctx, len(tt.writes))
			var got []string
			for _, w := range writes {
				if w.Path != bwPath || w.Kind != replay.KindOutput {
					t.Errorf("write %+v", w)
				}
				got = append(got, fmt.Sprintf("% X", w.Report))
			}
			if strings.Join(got, ",") != strings.Join(tt.writes, ",") {
				t.Errorf("writes %q, want %q", got, tt.writes)
			}
			d := rec.events[0].Device
			if d.ID != bwPath || d.VendorID != 0x047f || d.ProductID != 0xc056 || d.ESN != "A1B2C3" ||
				d.Connection != device.ConnUSB || d.InstanceID != bwPath {
				t.Errorf("device %+v", d.Info)
			}
		})
	}
}

// fakeMic is a micuse.Source a test switches.
type fakeMic struct {
	mu    sync.Mutex
	inUse bool
	asked chan struct{}
}

func (m *fakeMic) InUse(vid, pid uint16) (bool, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case m.asked <- struct{}{}:
	default:
	}
	return m.inUse && vid == 0x047f && pid == 0xc056, true
}

func (m *fakeMic) set(v bool) {
	m.mu.Lock()
	m.inUse = v
	m.mu.Unlock()
}

func TestCallSignalledByTheMicrophoneOnly(t *testing.T) {
	bus := replay.New()
	if err := bus.Add(blackwireSpec(t)); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	mic := &fakeMic{asked: make(chan struct{}, 1)}
	_, rec, _ := runHost(t, bus, New(Options{Mic: mic, Clock: clk, MicInterval: time.Second}), clk)
	polled := func() {
		t.Helper()
		for i := 0; clk.Waiters() == 0; i++ {
			if i > 500 {
				t.Fatal("the microphone is not polled")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	tick := func() {
		t.Helper()
		polled()
		select {
		case <-mic.asked:
		default:
		}
		clk.Advance(time.Second)
		<-mic.asked // the poll at the new time has read the signal
	}
	rec.waitFor(t, []string{"arrived headset Plantronics Blackwire 3220 Series"})
	polled() // the first poll, at the start, found the microphone idle
	mic.set(true)
	tick()
	rec.waitFor(t, []string{"arrived headset Plantronics Blackwire 3220 Series", "changed inCall=true muted=false"})
	start := rec.events[1].At
	// A mute press in a call made by the softphone counts and toggles.
	for _, r := range []string{"08 01", "08 00"} {
		b, _ := replay.ParseHex(r)
		if err := bus.Input(bwPath, b); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitFor(t, []string{"arrived headset Plantronics Blackwire 3220 Series", "changed inCall=true muted=false",
		"button mute", "changed inCall=true muted=true"})
	tick()
	tick()
	mic.set(false)
	tick()
	rec.waitFor(t, []string{"arrived headset Plantronics Blackwire 3220 Series", "changed inCall=true muted=false",
		"button mute", "changed inCall=true muted=true", "changed inCall=false muted=false"})
	if d := rec.events[4].At.Sub(start); d != 3*time.Second {
		t.Errorf("the call lasted %v on the clock, want 3s", d)
	}
	if n := len(bus.Writes()); n != 0 {
		t.Errorf("%d reports written", n)
	}
}

func TestHookAndMicrophoneCombine(t *testing.T) {
	bus := replay.New()
	if err := bus.Add(blackwireSpec(t)); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	mic := &fakeMic{asked: make(chan struct{}, 1)}
	_, rec, _ := runHost(t, bus, New(Options{Mic: mic, Clock: clk}), clk)
	arrived := "arrived headset Plantronics Blackwire 3220 Series"
	rec.waitFor(t, []string{arrived})
	input := func(r string) {
		b, _ := replay.ParseHex(r)
		if err := bus.Input(bwPath, b); err != nil {
			t.Fatal(err)
		}
	}
	poll := func() {
		for i := 0; clk.Waiters() == 0; i++ {
			if i > 500 {
				t.Fatal("the microphone is not polled")
			}
			time.Sleep(5 * time.Millisecond)
		}
		select {
		case <-mic.asked:
		default:
		}
		clk.Advance(time.Second)
		<-mic.asked
	}
	// Off-hook, then the softphone opens the microphone: one call.
	input("08 02")
	mic.set(true)
	poll()
	// On-hook while the microphone still records: still in the call.
	input("08 00")
	rec.waitFor(t, []string{arrived, "changed inCall=true muted=false"})
	time.Sleep(20 * time.Millisecond)
	rec.waitFor(t, []string{arrived, "changed inCall=true muted=false"})
	mic.set(false)
	poll()
	rec.waitFor(t, []string{arrived, "changed inCall=true muted=false", "changed inCall=false muted=false"})
}

func TestUnknownReportIDLoggedOnce(t *testing.T) {
	bus := replay.New()
	if err := bus.Add(blackwireSpec(t)); err != nil {
		t.Fatal(err)
	}
	_, rec, logs := runHost(t, bus, New(Options{}), nil)
	for range 50 {
		if err := bus.Input(bwPath, []byte{0x42, 0x01, 0x02}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bus.Input(bwPath, []byte{0x01, 0x01}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, []string{"arrived headset Plantronics Blackwire 3220 Series", "button volumeUp"})
	if n := strings.Count(logs.String(), "does not declare"); n != 1 {
		t.Errorf("%d log lines about the unknown report ID:\n%s", n, logs)
	}
}

func TestClaim(t *testing.T) {
	bw := blackwire(t)
	consumer := hexFile(t, "047F_C056_0001_000C.hex")
	vendor := hexFile(t, "047F_C056_0003_FFA0.hex")
	// A keyboard's Consumer collection: Volume Up/Down and Mute as an array.
	keyboard := []byte{0x05, 0x0C, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x03, 0x15, 0x00, 0x26, 0xFF, 0x03,
		0x19, 0x00, 0x2A, 0xFF, 0x03, 0x75, 0x10, 0x95, 0x01, 0x81, 0x00, 0xC0}
	tests := []struct {
		name string
		info hid.Info
		desc []byte
		want int
	}{
		{"telephony", hid.Info{VendorID: 0x047f}, bw, ClaimTelephony},
		{"telephony of an unknown vendor", hid.Info{VendorID: 0x1234}, hexFile(t, "047F_C056_0005_000B.hex"), ClaimTelephony},
		{"consumer keys of a headset vendor", hid.Info{VendorID: 0x047f}, consumer, ClaimConsumer},
		{"consumer keys named a headset", hid.Info{VendorID: 0x0d8c, Product: "USB Headset"}, consumer, ClaimConsumer},
		{"a keyboard's consumer keys", hid.Info{VendorID: 0x046a, Product: "Cherry keyboard"}, keyboard, 0},
		{"vendor page only", hid.Info{VendorID: 0x047f}, vendor, 0},
		{"a Telephony collection without hook or mute", hid.Info{VendorID: 0x1234}, []byte{0x05, 0x0B, 0x09, 0x05, 0xA1, 0x01,
			0x85, 0x02, 0x09, 0x21, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01, 0x81, 0x06, 0x95, 0x07, 0x81, 0x01, 0xC0}, ClaimTelephony},
		{"no descriptor", hid.Info{VendorID: 0x047f}, nil, 0},
		{"garbage", hid.Info{VendorID: 0x047f}, []byte{0xFF, 0x00, 0x13}, 0},
	}
	p := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Claim(tt.info, tt.desc); got != tt.want {
				t.Errorf("Claim = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestKind(t *testing.T) {
	for product, want := range map[string]device.Kind{
		"Jabra SPEAK 510 USB": device.KindSpeakerphone, "Plantronics Blackwire 3220 Series": device.KindHeadset, "": device.KindHeadset,
	} {
		if got := kindOf(product); got != want {
			t.Errorf("kindOf(%q) = %s, want %s", product, got, want)
		}
	}
}
