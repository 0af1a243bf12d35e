package hidtel

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
	"github.com/earshot-app/earshot/device/hidhost"
)

// BenchmarkInputToEvent measures one input report (the Blackwire's Volume
// Up, report 1) from the replay transport to its ButtonPressed event on a
// Manager subscription: descriptor-driven decoding in hidtel, the HID
// host's session, the Manager's publish and the subscriber's queue.
func BenchmarkInputToEvent(b *testing.B) {
	bus := replay.New()
	if err := bus.Add(blackwireSpec(b)); err != nil {
		b.Fatal(err)
	}
	host := hidhost.New(hidhost.Params{Bus: bus, Protocols: []hid.Protocol{New(Options{})}, Logger: slog.New(slog.DiscardHandler)})
	events := runManager(b, host)
	waitType(b, events, device.Arrived)
	report := []byte{0x01, 0x01}
	b.ResetTimer()
	for b.Loop() {
		if err := bus.Input(bwPath, report); err != nil {
			b.Fatal(err)
		}
		waitType(b, events, device.ButtonPressed)
	}
}

// BenchmarkManagerBaseline is the same path without HID: a driver emits
// the ButtonPressed itself when told over a channel, as the simulator does.
func BenchmarkManagerBaseline(b *testing.B) {
	press := make(chan struct{})
	drv := &chanDriver{press: press}
	events := runManager(b, drv)
	waitType(b, events, device.Arrived)
	b.ResetTimer()
	for b.Loop() {
		press <- struct{}{}
		waitType(b, events, device.ButtonPressed)
	}
}

type chanDriver struct{ press chan struct{} }

func (*chanDriver) Name() string { return "chan" }

func (d *chanDriver) Run(ctx context.Context, emit func(device.Event)) error {
	dev := device.Device{Info: device.Info{ID: "x", Kind: device.KindHeadset}}
	emit(device.Event{Type: device.Arrived, At: time.Now(), Device: dev})
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-d.press:
			emit(device.Event{Type: device.ButtonPressed, At: time.Now(), Device: dev.Clone(), Button: device.ButtonVolumeUp})
		}
	}
}

func runManager(b *testing.B, drivers ...device.Driver) <-chan device.Event {
	mgr := device.NewManager(device.ManagerParams{Drivers: drivers, Logger: slog.New(slog.DiscardHandler)})
	events, unsubscribe := mgr.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = mgr.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done; unsubscribe() })
	return events
}

func waitType(b *testing.B, events <-chan device.Event, t device.EventType) {
	for {
		select {
		case e := <-events:
			if e.Type == t {
				return
			}
		case <-time.After(5 * time.Second):
			b.Fatalf("no %s event", t)
		}
	}
}
