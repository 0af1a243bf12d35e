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
	"github.com/earshot-app/earshot/device/hid/replay"
	"github.com/earshot-app/earshot/device/hidhost"
)

// hidPlayer plays the scenario's scripted HID devices: their interfaces sit
// on a replay Bus that a HID host runs on, with the driver's protocols and
// clock, so reports and the events they cause carry scenario time.
type hidPlayer struct {
	bus     *trackedBus
	devices map[string]*deviceSpec // scripted HID devices by id
	ready   chan struct{}          // closed once host is set
	host    *hidhost.Host

	mu    sync.Mutex
	rules map[string][]replay.Rule // by path: the rules as the timeline left them, for a re-attach
}

func newHIDPlayer(s *Scenario) *hidPlayer {
	p := &hidPlayer{bus: newTrackedBus(), devices: map[string]*deviceSpec{},
		ready: make(chan struct{}), rules: map[string][]replay.Rule{}}
	for i := range s.devices {
		d := &s.devices[i]
		if len(d.hid) == 0 {
			continue
		}
		p.devices[d.ID] = d
		for _, h := range d.hid {
			p.rules[h.spec.Info.Path] = h.spec.Rules
			if !d.hasAttachStep {
				// Present from time zero: on the bus before the host lists it.
				_ = p.bus.Add(p.spec(h))
			}
		}
	}
	return p
}

// spec is h's replay spec with the rules as the timeline left them.
func (p *hidPlayer) spec(h hidInterface) replay.Spec {
	s := h.spec
	p.mu.Lock()
	s.Rules = append([]replay.Rule(nil), p.rules[s.Info.Path]...)
	p.mu.Unlock()
	return s
}

// start runs the host until ctx ends; stop waits for it, so no event is
// emitted after the driver's Run returned.
func (p *hidPlayer) start(ctx context.Context, d *Driver, emit func(device.Event), log *slog.Logger) (stop func()) {
	var bus hid.Bus = p.bus
	if d.WrapBus != nil {
		bus = d.WrapBus(bus)
	}
	p.host = hidhost.New(hidhost.Params{Bus: bus, Protocols: d.Protocols, Clock: d.clk, Logger: log, Name: "sim-hid"})
	close(p.ready)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := p.host.Run(ctx, emit); err != nil {
			log.Error("sim: HID host stopped", "err", err)
		}
	}()
	// The devices present at time zero arrive at time zero: the timeline
	// waits (in real time, bounded) for the drivers to read them.
	settle, cancel := context.WithTimeout(ctx, hidhost.DefaultSettleTimeout)
	defer cancel()
	if err := p.host.Settled(settle); err != nil && ctx.Err() == nil {
		log.Warn("sim: the HID drivers did not report the scripted devices in time; playing on", "err", err)
	}
	return func() { <-done }
}

// plays tells whether s acts on a scripted HID device.
func (p *hidPlayer) plays(s step) bool { return p.devices[s.device] != nil }

// play applies s to the bus. A step on a device that is not attached is
// logged and skipped, as the simulated driver does.
func (p *hidPlayer) play(ctx context.Context, s step, log *slog.Logger) {
	d := p.devices[s.device]
	var err error
	switch s.do {
	case "attach", "detach":
		for _, h := range d.hid {
			var e error
			if s.do == "attach" {
				e = p.bus.Attach(p.spec(h))
			} else {
				e = p.bus.Detach(h.spec.Info.Path)
			}
			if e != nil && err == nil {
				err = e
			}
		}
		if err == nil {
			// The arrival's (or removal's) events carry the step's time.
			ctx, cancel := context.WithTimeout(ctx, hidhost.DefaultSettleTimeout)
			for _, h := range d.hid {
				_ = p.host.WaitPath(ctx, h.spec.Info.Path, s.do == "attach")
			}
			cancel()
		}
	case "input":
		h := d.hid[0]
		for _, x := range d.hid {
			if x.spec.Info.Interface == s.iface {
				h = x
				break
			}
		}
		if err = p.bus.Input(h.spec.Info.Path, s.report); err == nil {
			p.bus.waitHandled(h.spec.Info.Path)
		}
	case "reply":
		for _, h := range d.hid {
			if s.iface >= 0 && h.spec.Info.Interface != s.iface {
				continue
			}
			path := h.spec.Info.Path
			p.mu.Lock()
			p.rules[path] = setRule(p.rules[path], *s.rule)
			p.mu.Unlock()
			if e := p.bus.SetRule(path, *s.rule); e != nil && err == nil {
				err = e
			}
		}
	}
	if err != nil {
		log.Warn("sim: HID step skipped", "device", s.device, "do", s.do, "at", s.at, "err", err)
	}
}

// setRule replaces the rule with the same match, or puts r in front (the
// replay Bus's own semantics, kept here for a device that is re-attached).
func setRule(rules []replay.Rule, r replay.Rule) []replay.Rule {
	out := append([]replay.Rule(nil), rules...)
	for i := range out {
		if out[i].Match.Equal(r.Match) {
			out[i] = r
			return out
		}
	}
	return append([]replay.Rule{r}, out...)
}

// hostFor returns the HID host when id is not a plain simulated device.
func (d *Driver) hostFor(id string) *hidhost.Host {
	if d.hid == nil {
		return nil
	}
	d.mu.Lock()
	_, plain := d.st.devices[id]
	d.mu.Unlock()
	if plain {
		return nil
	}
	select {
	case <-d.hid.ready:
		return d.hid.host
	default:
		return nil
	}
}

// CanUpdateFirmware tells whether the device can take a firmware update:
// every plain simulated device can; a scripted HID device when its driver
// serves a firmware handler.
func (d *Driver) CanUpdateFirmware(id string) bool {
	if h := d.hostFor(id); h != nil {
		return h.CanUpdateFirmware(id)
	}
	return true
}

// Settled waits, until ctx ends, for the drivers to have read the scripted
// HID devices present at time zero (hidhost.Host.Settled), once every step
// at time zero has played. Call it after Run started.
func (d *Driver) Settled(ctx context.Context) error {
	select {
	case <-d.zero:
	case <-ctx.Done():
		return ctx.Err()
	}
	if d.hid == nil {
		return nil
	}
	select {
	case <-d.hid.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	return d.hid.host.Settled(ctx)
}

// HIDInterfaces lists the scripted HID interfaces as the host sees them
// (for `earshot hid list --sim`); nil before Run.
func (d *Driver) HIDInterfaces() []hidhost.Interface {
	if d.hid == nil {
		return nil
	}
	select {
	case <-d.hid.ready:
		return d.hid.host.List()
	default:
		return nil
	}
}

// PlayAtZero plays s on a clock that does not move, with the given
// protocols, until every step at time zero has played and the drivers have
// read the scripted HID devices (bounded by timeout). It returns the
// devices then attached, in display order, and the scripted HID interfaces
// as the host saw them. `earshot devices --sim FILE` and `earshot hid list
// --sim FILE` (one-shot) use it for a scenario with scripted HID devices
// (HasHID).
func PlayAtZero(ctx context.Context, s *Scenario, protocols []hid.Protocol, timeout time.Duration, log *slog.Logger) ([]device.Device, []hidhost.Interface, error) {
	if log == nil {
		log = slog.Default()
	}
	drv := New(s, clock.NewFake(time.Now()))
	drv.Protocols, drv.Logger = protocols, log
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{drv}, Logger: log})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = mgr.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	wait, stop := context.WithTimeout(ctx, timeout)
	defer stop()
	if err := drv.Settled(wait); err != nil {
		return mgr.Devices(), drv.HIDInterfaces(), fmt.Errorf("the HID drivers did not finish reading the scripted devices within %v: %w", timeout, err)
	}
	return mgr.Devices(), drv.HIDInterfaces(), nil
}

func errNoLight(id string) error {
	return fmt.Errorf("set light: simulated device %q has no light", id)
}
