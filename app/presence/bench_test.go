package presence

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/busylight"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
	"github.com/earshot-app/earshot/device/hidhost"
)

// timedBus stamps every output report written through it.
type timedBus struct {
	hid.Bus
	wrote chan time.Time
}

func (b *timedBus) Open(path string) (hid.Device, error) {
	d, err := b.Bus.Open(path)
	if err != nil {
		return nil, err
	}
	return &timedDev{Device: d, wrote: b.wrote}, nil
}

type timedDev struct {
	hid.Device
	wrote chan time.Time
}

func (d *timedDev) Write(r []byte) (int, error) {
	n, err := d.Device.Write(r)
	select {
	case d.wrote <- time.Now():
	default:
	}
	return n, err
}

// callDriver is a headset whose call the benchmark toggles.
type callDriver struct {
	mu   sync.Mutex
	emit func(device.Event)
	dev  device.Device
	up   chan struct{}
}

func (c *callDriver) Name() string { return "bench" }
func (c *callDriver) Run(ctx context.Context, emit func(device.Event)) error {
	c.mu.Lock()
	c.emit = emit
	emit(device.Event{Type: device.Arrived, Device: c.dev.Clone()})
	c.mu.Unlock()
	close(c.up)
	<-ctx.Done()
	return nil
}

func (c *callDriver) setCall(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dev.InCall = on
	c.emit(device.Event{Type: device.Changed, Device: c.dev.Clone()})
}

// benchDesk is a kuando Omega on the HID host beside a headset, with the
// presence service fed by the Manager's stream.
func benchDesk(b *testing.B) (*callDriver, *device.Manager, chan time.Time) {
	bus := replay.New()
	if err := bus.Add(replay.Spec{Info: hid.Info{Path: "sim:omega/0", VendorID: 0x27BB, ProductID: 0x3BCD, Bus: "sim"}}); err != nil {
		b.Fatal(err)
	}
	wrote := make(chan time.Time, 16)
	log := slog.New(slog.DiscardHandler)
	host := hidhost.New(hidhost.Params{Bus: &timedBus{Bus: bus, wrote: wrote},
		Protocols: []hid.Protocol{busylight.New(clock.Real{})}, Logger: log})
	hs := &callDriver{dev: device.Device{Info: device.Info{ID: "hs", Name: "headset", Kind: device.KindHeadset}}, up: make(chan struct{})}
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{hs, host}, Logger: log})
	svc := NewService(ServiceParams{Lights: mgr, Logger: log})
	ctx, cancel := context.WithCancel(context.Background())
	events, unsubscribe := mgr.Subscribe()
	go func() {
		for e := range events {
			svc.HandleEvent(e)
		}
	}()
	_ = svc.Start(ctx)
	ran := make(chan struct{})
	go func() { defer close(ran); _ = mgr.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-ran; unsubscribe(); svc.Stop() })
	<-hs.up
	for !mgr.HasLight("sim:omega/0") {
		time.Sleep(time.Millisecond)
	}
	// Let the first frames (off, then free) land.
	time.Sleep(50 * time.Millisecond)
	for len(wrote) > 0 {
		<-wrote
	}
	return hs, mgr, wrote
}

func report(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds())/1e3, "max-µs")
}

// BenchmarkCallToLight: a call event on the device stream (the headset's
// driver emits it) to the light's report written through the transport.
func BenchmarkCallToLight(b *testing.B) {
	hs, _, wrote := benchDesk(b)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		hs.setCall(i%2 == 0)
		t1 := <-wrote
		lat = append(lat, t1.Sub(t0))
	}
	b.StopTimer()
	report(b, lat)
}

// BenchmarkSetLightDirect is the same run's baseline: Manager.SetLight to
// the report written, without the event stream and the resolver.
func BenchmarkSetLightDirect(b *testing.B) {
	_, mgr, wrote := benchDesk(b)
	red, green := device.LightState{Colour: device.Colour{R: 0xFF}}, device.LightState{Colour: device.Colour{G: 0xFF}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		st := red
		if i%2 == 1 {
			st = green
		}
		t0 := time.Now()
		if err := mgr.SetLight(context.Background(), "sim:omega/0", st); err != nil {
			b.Fatal(err)
		}
		t1 := <-wrote
		lat = append(lat, t1.Sub(t0))
	}
	b.StopTimer()
	report(b, lat)
}
