package busylight

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
)

// fakeDev records what is written to it; Read blocks until unplug.
type fakeDev struct {
	info    hid.Info
	mu      sync.Mutex
	writes  []Frame
	gone    chan struct{}
	written chan struct{}
}

func newFakeDev(vid, pid uint16) *fakeDev {
	return &fakeDev{info: hid.Info{Path: "test:1", VendorID: vid, ProductID: pid},
		gone: make(chan struct{}), written: make(chan struct{}, 100)}
}

func (d *fakeDev) Info() hid.Info { return d.info }
func (d *fakeDev) Read(ctx context.Context, _ []byte) (int, error) {
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-d.gone:
		return 0, hid.ErrClosed
	}
}
func (d *fakeDev) record(r []byte, feat bool) (int, error) {
	select {
	case <-d.gone:
		return 0, hid.ErrClosed
	default:
	}
	d.mu.Lock()
	d.writes = append(d.writes, Frame{Report: bytes.Clone(r), Feature: feat})
	d.mu.Unlock()
	d.written <- struct{}{}
	return len(r), nil
}
func (d *fakeDev) Write(r []byte) (int, error)       { return d.record(r, false) }
func (d *fakeDev) SendFeature(r []byte) (int, error) { return d.record(r, true) }
func (d *fakeDev) GetFeature([]byte) (int, error)    { return 0, hid.ErrNotSupported }
func (d *fakeDev) ReportDescriptor() ([]byte, error) { return nil, nil }
func (d *fakeDev) Close() error                      { return nil }

// next waits for the next write and returns it.
func (d *fakeDev) next(t *testing.T) Frame {
	t.Helper()
	select {
	case <-d.written:
	case <-time.After(5 * time.Second):
		t.Fatal("no write")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.writes[len(d.writes)-1]
}

type fakeSession struct {
	clk    clock.Clock
	mu     sync.Mutex
	events []device.Event
	served chan any
}

func (s *fakeSession) ID(sub string) string { return "light" + sub }
func (s *fakeSession) Now() time.Time       { return s.clk.Now() }
func (s *fakeSession) Log() *slog.Logger    { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func (s *fakeSession) Emit(ev device.Event) {
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
}
func (s *fakeSession) Serve(_ string, h any) { s.served <- h }
func (s *fakeSession) last() device.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.events[len(s.events)-1]
}

func start(t *testing.T, vid, pid uint16) (*fakeDev, *fakeSession, *clock.Fake, hid.LightHandler, context.CancelFunc, chan error) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	dev := newFakeDev(vid, pid)
	s := &fakeSession{clk: clk, served: make(chan any, 4)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(clk).Run(ctx, dev, s) }()
	if f := dev.next(t); !bytes.Equal(f.Report, Encode(familyOf(vid, pid), device.LightState{}, false).Report) {
		t.Fatalf("first write % X, want off", f.Report)
	}
	h := (<-s.served).(hid.LightHandler)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		s.mu.Lock()
		n := len(s.events)
		s.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no Arrived event")
		}
	}
	return dev, s, clk, h, cancel, done
}

// familyOf is the family of a model.
func familyOf(vid, pid uint16) Family { m, _ := Lookup(vid, pid); return m.Family }

func TestRunKuandoKeepsAliveAndDarkensAtStop(t *testing.T) {
	dev, s, clk, h, cancel, done := start(t, 0x27BB, 0x3BCD)
	if ev := s.last(); ev.Type != device.Arrived || ev.Device.Kind != device.KindBusylight || ev.Device.Name != "kuando Busylight Omega" || ev.Device.Light == nil {
		t.Fatalf("arrival = %+v", ev)
	}
	if err := h.SetLight(context.Background(), device.LightState{Colour: red}); err != nil {
		t.Fatal(err)
	}
	if f := dev.next(t); !bytes.Equal(f.Report, Encode(Kuando, device.LightState{Colour: red}, false).Report) {
		t.Fatalf("red = % X", f.Report)
	}
	if ev := s.last(); ev.Type != device.Changed || *ev.Device.Light != (device.LightState{Colour: red}) {
		t.Fatalf("change = %+v", ev)
	}
	for i := range 3 {
		clk.Advance(KeepAlive)
		if f := dev.next(t); !bytes.Equal(f.Report, KeepAliveFrame(Kuando)) {
			t.Fatalf("keep-alive %d = % X", i, f.Report)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f := dev.next(t); !bytes.Equal(f.Report, Encode(Kuando, device.LightState{}, false).Report) {
		t.Fatalf("at stop = % X, want off", f.Report)
	}
	if h := <-s.served; h != nil {
		t.Fatal("handler not withdrawn")
	}
}

func TestRunEmbravaBlinksByHand(t *testing.T) {
	dev, _, clk, h, cancel, done := start(t, 0x2C0D, 0x0002)
	defer func() { cancel(); <-done }()
	blinking := device.LightState{Colour: red, Blink: true}
	if err := h.SetLight(context.Background(), blinking); err != nil {
		t.Fatal(err)
	}
	lit, dark := Encode(Embrava, blinking, false).Report, Encode(Embrava, blinking, true).Report
	if f := dev.next(t); !bytes.Equal(f.Report, lit) {
		t.Fatalf("lit = % X", f.Report)
	}
	for i, want := range [][]byte{dark, lit, dark} {
		clk.Advance(BlinkHalf)
		if f := dev.next(t); !bytes.Equal(f.Report, want) {
			t.Fatalf("half %d = % X, want % X", i, f.Report, want)
		}
	}
	// Solid again: the blinking stops.
	if err := h.SetLight(context.Background(), device.LightState{Colour: green}); err != nil {
		t.Fatal(err)
	}
	dev.next(t)
	clk.Advance(10 * BlinkHalf)
	select {
	case <-dev.written:
		t.Fatal("an Embrava light was written after it stopped blinking")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestRunEndsWhenUnplugged(t *testing.T) {
	dev, _, _, h, _, done := start(t, 0x27B8, 0x01ED)
	close(dev.gone)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not end when the light was unplugged")
	}
	if err := h.SetLight(context.Background(), device.LightState{Colour: red}); err == nil {
		t.Fatal("SetLight on an unplugged light succeeded")
	}
}
