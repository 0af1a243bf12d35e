package hidhost

import (
	"cmp"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/earshot-app/earshot/device"
)

// run is the hid.Session of one protocol run on one attachment.
type run struct {
	h     *Host
	a     *attachment
	proto interface{ Name() string }
	log   *slog.Logger

	// selfSettling: the protocol calls Settled itself (see Settled).
	selfSettling bool

	mu      sync.Mutex
	present map[string]device.Device // devices this run reported and not removed
	ended   bool
}

// ID names a device this run drives: the interface's path for the
// interface itself, path/sub for a device reached through it.
func (r *run) ID(sub string) string {
	if sub == "" {
		return r.a.id
	}
	return r.a.id + "/" + sub
}

// Now reads the host's clock (the scenario clock under the simulator).
func (r *run) Now() time.Time { return r.h.clk.Now() }

// Log returns the run's logger.
func (r *run) Log() *slog.Logger { return r.log }

// Emit publishes ev, keeping track of the run's devices so that the host
// can report them removed when the run ends. The first event settles the
// attachment (see Host.Settled). Events after the run ended are dropped.
func (r *run) Emit(ev device.Event) {
	if ev.At.IsZero() {
		ev.At = r.h.clk.Now()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	id := ev.Device.ID
	switch ev.Type {
	case device.Arrived, device.Changed:
		r.present[id] = ev.Device.Clone()
	case device.Removed:
		delete(r.present, id)
		r.h.serve(id, nil)
	}
	r.h.publish(ev)
	if ev.Type == device.Arrived && !r.selfSettling {
		r.h.settled(r.a)
	}
}

// Settled is called by a protocol that reports several devices at start
// (a dongle and the headset behind it) once it has reported them all; for
// such a protocol (one with a SettlesItself method) the first Arrived does
// not settle the interface.
func (r *run) Settled() { r.h.settled(r.a) }

// Serve registers (or, with nil, withdraws) what the device id can do.
func (r *run) Serve(id string, handler any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.h.serve(id, handler)
}

// end reports every device the run still had as removed, children (longer
// IDs) first, and withdraws their handlers.
func (r *run) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = true
	left := make([]device.Device, 0, len(r.present))
	for _, d := range r.present {
		left = append(left, d)
	}
	slices.SortFunc(left, func(a, b device.Device) int {
		return cmp.Or(-cmp.Compare(strings.Count(a.ID, "/"), strings.Count(b.ID, "/")), cmp.Compare(a.ID, b.ID))
	})
	now := r.h.clk.Now()
	for _, d := range left {
		r.h.serve(d.ID, nil)
		r.h.publish(device.Event{Type: device.Removed, At: now, Device: d})
	}
	r.present = map[string]device.Device{}
}

// publish hands ev to the Manager while Run runs.
func (h *Host) publish(ev device.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.emit != nil {
		h.emit(ev)
	}
}
