// Package app is Earshot's core: the services fed by the device event stream
// (device.Manager), the store they record into, and the narrow read side the
// views, the local API and the CLI use. It never imports Fyne.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// CoreParams are the Core's dependencies.
type CoreParams struct {
	Manager *device.Manager
	Store   *store.Store // the owner's database
	Clock   clock.Clock
	Logger  *slog.Logger
	// Services are fed the event stream after the core has recorded each
	// event (calls, …).
	Services []Service
}

// Service is a service fed by the device event stream. The Core calls Start
// before the first event, HandleEvent for every event in order on its own
// goroutine, and Stop after the last one.
type Service interface {
	// Start prepares the service (recovery, pruning, its own timers until
	// Stop); an error is logged and the service still runs.
	Start(ctx context.Context) error
	HandleEvent(e device.Event)
	Stop()
}

// Recorder is a Service whose writes belong in the transaction that records
// a device event (the device record), such as the analytics events that
// report it (house habit 9 in docs/ARCHITECTURE.md). The Core calls Record, in order on its own
// goroutine, before recording e, and runs the write Record returns (nil:
// none) inside that transaction. The write may run more than once (see
// store.Store.Write), so it must only write through tx.
type Recorder interface {
	Record(e device.Event) func(tx *store.Tx) error
}

// Core runs the device manager and the services fed by its event stream.
type Core struct {
	p CoreParams

	mu        sync.Mutex
	listeners map[int]func()
	nextID    int

	// handled counts the events dispatched, for CaughtUp.
	handled atomic.Uint64

	// keys maps the ID of each device the core has seen arrive to its Key,
	// so a child's record names its parent even when the events are handled
	// after the parent left. Only Run's goroutine touches it.
	keys map[string]string
}

// NewCore builds a Core; Run starts it.
func NewCore(p CoreParams) *Core {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	return &Core{p: p, listeners: map[int]func(){}, keys: map[string]string{}}
}

// Run marks every stored device disconnected (nothing is attached until a
// driver says so), runs the manager, and records what it reports until ctx is
// done.
func (c *Core) Run(ctx context.Context) error {
	if err := c.p.Store.MarkAllDisconnected(c.p.Clock.Now()); err != nil {
		c.p.Logger.Warn("mark stored devices disconnected", "err", err)
	}
	for _, s := range c.p.Services {
		if err := s.Start(ctx); err != nil {
			c.p.Logger.Warn("start service", "service", fmt.Sprintf("%T", s), "err", err)
		}
		defer s.Stop()
	}
	events, cancel := c.p.Manager.Subscribe()
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.p.Manager.Run(ctx) }()
	for {
		select {
		case e, ok := <-events:
			if !ok {
				return <-done
			}
			c.dispatch(e)
		case err := <-done:
			// Drain what the manager published before it stopped.
			for {
				select {
				case e := <-events:
					c.dispatch(e)
				default:
					return err
				}
			}
		}
	}
}

// dispatch records e, then hands it to every service.
func (c *Core) dispatch(e device.Event) {
	c.handle(e)
	for _, s := range c.p.Services {
		s.HandleEvent(e)
	}
	c.handled.Add(1)
}

// CaughtUp tells whether the core has dispatched, to itself and every
// service, each event the manager has published so far; work those events
// start (a poll, an update) is then visible to the services' own busy
// checks. `service --exit-when-done` asks it once the scenario has played.
func (c *Core) CaughtUp() bool { return c.handled.Load() >= c.p.Manager.Published() }

func (c *Core) handle(e device.Event) {
	log := c.p.Logger.With("device", e.Device.Name, "id", e.Device.ID)
	var writes []func(*store.Tx) error
	for _, s := range c.p.Services {
		if r, ok := s.(Recorder); ok {
			if w := r.Record(e); w != nil {
				writes = append(writes, w)
			}
		}
	}
	// write records e with the services' writes in one transaction.
	write := func(what string, rec func(tx *store.Tx) error) {
		err := c.p.Store.Write(context.Background(), func(tx *store.Tx) error {
			if err := rec(tx); err != nil {
				return err
			}
			for _, w := range writes {
				if err := w(tx); err != nil {
					return err
				}
			}
			return nil
		})
		// A write the disk did not take is logged by the store once per
		// episode, with a count, not once per event.
		if err != nil && !errors.Is(err, store.ErrStorage) {
			log.Error(what, "err", err)
		}
	}
	switch e.Type {
	case device.Arrived, device.Changed:
		c.keys[e.Device.ID] = e.Device.Key()
		rec := record(e.Device, c.keys[e.Device.Parent])
		write("record device", func(tx *store.Tx) error { return tx.SaveDevice(rec, e.At) })
	case device.Removed:
		key := e.Device.Key()
		write("record device removal", func(tx *store.Tx) error { return tx.MarkDisconnected(key, e.At) })
	default:
		if len(writes) > 0 {
			write("record device event", func(*store.Tx) error { return nil })
		}
		return // presses and telemetry change nothing the views show
	}
	log.Debug("device event", "type", e.Type.String())
	c.notify()
}

// Devices returns the attached devices in display order.
func (c *Core) Devices() []DeviceSummary { return Summaries(c.p.Manager.Devices()) }

// RejectedTelemetry is how many telemetry values the drivers reported out of
// the plausible range since the start; they were dropped at the Manager and
// never became events (docs/analytics.md).
func (c *Core) RejectedTelemetry() uint64 { return c.p.Manager.RejectedTelemetry() }

// Subscribe calls onChange, from the core's goroutine, after every change the
// views show. onChange must not block.
func (c *Core) Subscribe(onChange func()) (cancel func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.nextID
	c.nextID++
	c.listeners[id] = onChange
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.listeners, id)
	}
}

func (c *Core) notify() {
	c.mu.Lock()
	fns := make([]func(), 0, len(c.listeners))
	for _, fn := range c.listeners {
		fns = append(fns, fn)
	}
	c.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// Summaries turns device snapshots (in display order) into summaries, naming
// each child's parent.
func Summaries(devs []device.Device) []DeviceSummary {
	names := make(map[string]string, len(devs))
	for _, d := range devs {
		names[d.ID] = d.Name
	}
	out := make([]DeviceSummary, len(devs))
	for i, d := range devs {
		out[i] = Summarize(d, names[d.Parent])
	}
	return out
}

// Summarize turns one device snapshot into a summary.
func Summarize(d device.Device, parentName string) DeviceSummary {
	s := DeviceSummary{
		ID:              d.ID,
		Key:             d.Key(),
		DeviceName:      d.Name,
		Kind:            string(d.Kind),
		VendorID:        hex4(d.VendorID),
		ProductID:       hex4(d.ProductID),
		VariantType:     d.Variant,
		ESN:             d.ESN,
		FirmwareVersion: d.Firmware,
		ConnectionType:  string(d.Connection),
		Parent:          parentName,
		ParentID:        d.Parent,
		InstanceID:      d.InstanceID,
		InCall:          d.InCall,
		Muted:           d.Muted,
		Streaming:       d.Streaming,
		Connected:       true,
	}
	s.BatteryLevel, s.BatteryLow, s.BatteryCharging = batteryFields(d.Battery)
	s.PeopleCount = copyInt(d.PeopleCount)
	if d.Light != nil {
		s.Light = &LightSummary{R: d.Light.Colour.R, G: d.Light.Colour.G, B: d.Light.Colour.B, Blink: d.Light.Blink}
	}
	return s
}

func hex4(v uint16) string { return fmt.Sprintf("%04X", v) }

func record(d device.Device, parentKey string) store.DeviceRecord {
	r := store.DeviceRecord{
		Key: d.Key(), ID: d.ID, Kind: string(d.Kind), Name: d.Name,
		VendorID: d.VendorID, ProductID: d.ProductID, Variant: d.Variant, ESN: d.ESN,
		Firmware: d.Firmware, Connection: string(d.Connection), ParentKey: parentKey,
		InstanceID: d.InstanceID, InCall: d.InCall, Muted: d.Muted, Streaming: d.Streaming,
		Settings: d.Clone().Settings,
	}
	r.BatteryLevel, r.BatteryLow, r.BatteryCharging = batteryFields(d.Battery)
	r.PeopleCount = copyInt(d.PeopleCount)
	return r
}

// batteryFields spreads a battery into the nullable fields of docs/analytics.md.
func batteryFields(b *device.Battery) (level *int, low, charging *bool) {
	if b == nil {
		return nil, nil, nil
	}
	l, lo, ch := b.Level, b.Low, b.Charging
	return &l, &lo, &ch
}

func copyInt(p *int) *int {
	if p == nil {
		return nil
	}
	n := *p
	return &n
}
