// Package sim is the simulator driver: it plays a scenario file (docs/simulator.md) as
// device events, on an injected clock, so the demo, integration partners and
// tests get devices without hardware.
//
// Besides the format of docs/simulator.md, a scenario may set the top-level key
// "loopFrom" (Earshot's extension): a duration, a Go duration string or a
// number of seconds, before the timeline's last step. Once the last step has
// played, playing goes on from the first step at or after loopFrom, with
// every time shifted by (last step's at − loopFrom), forever; so the step at
// loopFrom plays again at the same instant as the last one. The demo uses it
// to keep living. Driver.Done is closed after the first full pass.
package sim

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
)

// Driver plays a Scenario. It implements device.Driver,
// device.SettingsWriter, device.FirmwareUpdater and device.Lighter (its
// busylights show what they are set to).
type Driver struct {
	// Logger receives the steps that are skipped (an action on a detached
	// device). Set it before Run; nil means slog.Default().
	Logger *slog.Logger
	// OnPresence receives the timeline's "presence" steps (an application
	// posting its state); the owner hands them to the presence service.
	// Set it before Run; nil drops them.
	OnPresence func(application, event string)

	// Protocols are the HID protocol drivers the scenario's scripted HID
	// devices are played through (hidplay.go). Set them before Run; with
	// none, such devices show as other devices when their vendor is on
	// Earshot's udev list.
	Protocols []hid.Protocol
	// WrapBus, when set before Run, wraps the Bus the scripted HID devices
	// are read through (the HID trace of --hid-trace).
	WrapBus func(hid.Bus) hid.Bus

	scenario *Scenario
	clk      clock.Clock
	hid      *hidPlayer // nil when the scenario has no scripted HID device
	done     chan struct{}
	doneOnce sync.Once
	zero     chan struct{} // closed once the steps at time zero have played
	zeroOnce sync.Once

	mu   sync.Mutex // guards st and emit
	st   *state
	emit func(device.Event) // nil unless Run is running
}

// New returns a driver that plays s on clk. Run it once.
func New(s *Scenario, clk clock.Clock) *Driver {
	d := &Driver{scenario: s, clk: clk, done: make(chan struct{}), zero: make(chan struct{}), st: newState(s)}
	if s.HasHID() {
		d.hid = newHIDPlayer(s)
	}
	return d
}

// Name returns "sim".
func (d *Driver) Name() string { return "sim" }

// Done is closed once the whole timeline has played once.
func (d *Driver) Done() <-chan struct{} { return d.done }

// Run emits Arrived for the devices attached from time zero, then plays the
// timeline, each step at Run's start plus its at on the driver's clock, until
// ctx is done. Events are stamped with the clock's time.
func (d *Driver) Run(ctx context.Context, emit func(device.Event)) error {
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	start := d.clk.Now()
	if d.hid != nil {
		stop := d.hid.start(ctx, d, emit, log)
		defer stop()
	}
	d.mu.Lock()
	d.emit = emit
	for _, dev := range d.st.attached() {
		emit(device.Event{Type: device.Arrived, At: start, Device: dev})
	}
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.emit = nil
		d.mu.Unlock()
	}()

	steps, shift := d.scenario.timeline, time.Duration(0)
	for {
		for _, s := range steps {
			if shift+s.at > 0 {
				d.zeroOnce.Do(func() { close(d.zero) })
			}
			if !wait(ctx, d.clk, start.Add(shift+s.at)) {
				return nil
			}
			if s.do == "presence" {
				if d.OnPresence != nil {
					d.OnPresence(s.application, s.event)
				}
				continue
			}
			if d.hid != nil && d.hid.plays(s) {
				d.hid.play(ctx, s, log)
				continue
			}
			d.mu.Lock()
			d.st.play(s, d.clk.Now(), emit, log)
			d.mu.Unlock()
		}
		d.zeroOnce.Do(func() { close(d.zero) })
		d.doneOnce.Do(func() { close(d.done) })
		if !d.scenario.loops {
			<-ctx.Done()
			return nil
		}
		steps, shift = d.scenario.timeline[d.scenario.loopStart:], shift+d.scenario.period
	}
}

// wait waits on clk until the time until and reports whether ctx is still
// live.
func wait(ctx context.Context, clk clock.Clock, until time.Time) bool {
	if d := until.Sub(clk.Now()); d > 0 {
		select {
		case <-ctx.Done():
		case <-clk.After(d):
		}
	}
	return ctx.Err() == nil
}

// WriteSettings stores values on the attached simulated device and emits
// Changed while Run is running.
func (d *Driver) WriteSettings(ctx context.Context, id string, values map[string]string) map[string]error {
	if h := d.hostFor(id); h != nil {
		return h.WriteSettings(ctx, id, values)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	sd := d.st.devices[id]
	if sd == nil || !sd.attached {
		errs := make(map[string]error, len(values))
		for name := range values {
			errs[name] = fmt.Errorf("write setting %s: simulated device %q is not attached", name, id)
		}
		return errs
	}
	if sd.Settings == nil {
		sd.Settings = make(map[string]string, len(values))
	}
	errs := map[string]error{}
	for name, v := range values {
		if err := sd.canWrite(name); err != nil {
			errs[name] = fmt.Errorf("write setting %s: %w", name, err)
			continue
		}
		sd.Settings[name] = v
	}
	if d.emit != nil && len(errs) < len(values) {
		d.emit(device.Event{Type: device.Changed, At: d.clk.Now(), Device: sd.Clone()})
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// state is the simulated devices as the timeline has left them.
type state struct {
	order    []*simDevice // parents before their children
	devices  map[string]*simDevice
	children map[string][]*simDevice
}

// simDevice is one simulated device; it keeps its battery and settings while
// detached.
type simDevice struct {
	device.Device
	attached bool
	update   *FirmwareUpdate   // how it answers a firmware update; nil = Success at once
	readOnly map[string]string // settings it refuses to write, with why
	// lost is closed when the device is detached while a firmware update
	// runs; nil when none runs.
	lost chan struct{}
}

// newState returns the devices before the first step: attached unless the
// timeline attaches them, or their parent is not attached.
func newState(s *Scenario) *state {
	st := &state{devices: make(map[string]*simDevice), children: make(map[string][]*simDevice)}
	for _, spec := range s.devices {
		if len(spec.hid) > 0 {
			continue // played by the HID host (hidplay.go)
		}
		sd := &simDevice{Device: spec.Clone(), attached: !spec.hasAttachStep, update: spec.firmwareUpdate, readOnly: spec.readOnly}
		if sd.Kind == device.KindBusylight {
			sd.Light = &device.LightState{} // dark until told otherwise
		}
		if spec.Parent != "" {
			sd.attached = sd.attached && st.devices[spec.Parent].attached
			st.children[spec.Parent] = append(st.children[spec.Parent], sd)
		}
		st.order = append(st.order, sd)
		st.devices[spec.ID] = sd
	}
	return st
}

// attached returns snapshots of the attached devices, parents first.
func (st *state) attached() []device.Device {
	var out []device.Device
	for _, sd := range st.order {
		if sd.attached {
			out = append(out, sd.Clone())
		}
	}
	return out
}

// play applies s at time now and emits the events it causes. An action that
// cannot apply (a detached device, or one attached twice) is logged and
// skipped.
func (st *state) play(s step, now time.Time, emit func(device.Event), log *slog.Logger) {
	if deviceless[s.do] {
		return
	}
	sd := st.devices[s.device]
	if sd == nil {
		return // a scripted HID device (hidplay.go)
	}
	event := func(t device.EventType) device.Event {
		return device.Event{Type: t, At: now, Device: sd.Clone()}
	}
	if s.do == "attach" {
		switch {
		case sd.attached:
			log.Warn("sim: device already attached; step skipped", "device", s.device, "at", s.at)
		case sd.Parent != "" && !st.devices[sd.Parent].attached:
			log.Warn("sim: parent not attached; step skipped", "device", s.device, "parent", sd.Parent, "at", s.at)
		default:
			sd.attached = true
			emit(event(device.Arrived))
		}
		return
	}
	if !sd.attached {
		log.Warn("sim: device not attached; step skipped", "device", s.device, "do", s.do, "at", s.at)
		return
	}
	switch s.do {
	case "detach":
		st.detach(sd, now, emit)
	case "callStart":
		sd.InCall = true
		emit(event(device.Changed))
	case "callEnd":
		sd.InCall, sd.Muted = false, false
		emit(event(device.Changed))
	case "press":
		e := event(device.ButtonPressed)
		e.Button = s.button
		emit(e)
		if s.button == device.ButtonMute && sd.InCall {
			sd.Muted = !sd.Muted
			emit(event(device.Changed))
		}
	case "telemetry":
		e := event(device.TelemetrySample)
		e.Telemetry = s.telemetry
		emit(e)
	case "linkQuality":
		e := event(device.LinkQualitySample)
		e.LinkQuality = s.linkQuality
		emit(e)
	case "dectHandover":
		emit(event(device.DectHandover))
	case "battery":
		b := s.battery
		sd.Battery = &b
		emit(event(device.Changed))
	case "peopleCount":
		n := s.count
		sd.PeopleCount = &n
		emit(event(device.Changed))
	case "streamStart", "streamEnd":
		sd.Streaming = s.do == "streamStart"
		emit(event(device.Changed))
	}
}

// detach removes sd's attached children, deepest first, then sd. A detached
// device drops its call and stream.
func (st *state) detach(sd *simDevice, now time.Time, emit func(device.Event)) {
	for _, child := range st.children[sd.ID] {
		if child.attached {
			st.detach(child, now, emit)
		}
	}
	sd.attached = false
	if sd.lost != nil {
		close(sd.lost)
		sd.lost = nil
	}
	emit(device.Event{Type: device.Removed, At: now, Device: sd.Clone()})
	sd.InCall, sd.Muted, sd.Streaming = false, false, false
	if sd.Light != nil {
		*sd.Light = device.LightState{} // an unplugged light is dark
	}
}
