package device

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
)

// ManagerParams are the dependencies of a Manager.
type ManagerParams struct {
	Drivers []Driver
	Logger  *slog.Logger // nil means slog.Default()
}

// Manager runs the drivers, keeps a snapshot of every attached device and
// fans the drivers' events out to its subscribers as one ordered stream.
type Manager struct {
	drivers []Driver
	log     *slog.Logger

	mu        sync.Mutex // guards devices, subs and published, and orders the event stream
	devices   map[string]owned
	subs      map[*subscriber]struct{}
	published uint64          // events published so far
	faulty    map[string]bool // device IDs in an episode of implausible telemetry
	rejected  uint64          // implausible telemetry values dropped
}

// owned is a device snapshot and the driver that reported it.
type owned struct {
	device Device
	driver Driver
}

// NewManager returns a Manager for the given drivers; Run starts them.
func NewManager(p ManagerParams) *Manager {
	log := p.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Manager{
		drivers: p.Drivers,
		log:     log,
		devices: make(map[string]owned),
		subs:    make(map[*subscriber]struct{}),
		faulty:  make(map[string]bool),
	}
}

// Run runs every driver in its own goroutine until ctx is done. A driver that
// fails is logged and the others go on. Run returns nil once ctx is done and
// every driver has returned.
func (m *Manager) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, d := range m.drivers {
		wg.Go(func() {
			err := d.Run(ctx, func(e Event) { m.publish(d, e) })
			if err != nil {
				m.log.Error("device driver failed", "driver", d.Name(), "err", err)
			}
		})
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

// publish updates the snapshots from e, then queues e for every subscriber,
// so that a subscriber handling e already sees its effect in Devices. Every
// driver's events enter here: implausible telemetry stops here too
// (checkTelemetry).
func (m *Manager) publish(d Driver, e Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.checkTelemetry(d, &e) {
		return
	}
	switch e.Type {
	case Arrived, Changed:
		m.devices[e.Device.ID] = owned{device: e.Device.Clone(), driver: d}
	case Removed:
		delete(m.devices, e.Device.ID)
	}
	for s := range m.subs {
		s.push(e)
	}
	m.published++
}

// Published is how many events the Manager has published. A subscriber
// that subscribed before Run and has received that many has seen them all.
func (m *Manager) Published() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.published
}

// Subscribe returns a channel that receives every event from now on, in
// order. Events queue without bound for a slow subscriber, so neither the
// drivers nor the other subscribers wait for it. cancel stops the
// subscription and closes the channel before it returns.
func (m *Manager) Subscribe() (events <-chan Event, cancel func()) {
	s := &subscriber{
		wake: make(chan struct{}, 1),
		quit: make(chan struct{}),
		done: make(chan struct{}),
		out:  make(chan Event),
	}
	m.mu.Lock()
	m.subs[s] = struct{}{}
	m.mu.Unlock()
	go s.run()
	var once sync.Once
	return s.out, func() {
		once.Do(func() {
			m.mu.Lock()
			delete(m.subs, s)
			m.mu.Unlock()
			close(s.quit)
			<-s.done
		})
	}
}

// Devices returns snapshots of the attached devices in DisplayOrder.
func (m *Manager) Devices() []Device {
	m.mu.Lock()
	devs := make([]Device, 0, len(m.devices))
	for _, o := range m.devices {
		devs = append(devs, o.device.Clone())
	}
	m.mu.Unlock()
	return DisplayOrder(devs)
}

// DisplayOrder sorts devices as people read them: each parent followed by its
// children, siblings in the order of Kinds, then by name. A device whose
// parent is not in devs counts as a root.
func DisplayOrder(devs []Device) []Device {
	present := make(map[string]bool, len(devs))
	for _, d := range devs {
		present[d.ID] = true
	}
	var roots []Device
	children := make(map[string][]Device)
	for _, d := range devs {
		if present[d.Parent] && d.Parent != d.ID {
			children[d.Parent] = append(children[d.Parent], d)
		} else {
			roots = append(roots, d)
		}
	}
	out := make([]Device, 0, len(devs))
	var walk func([]Device)
	walk = func(ds []Device) {
		slices.SortFunc(ds, compareDevices)
		for _, d := range ds {
			out = append(out, d)
			kids := children[d.ID]
			delete(children, d.ID)
			walk(kids)
		}
	}
	walk(roots)
	// What is left sits in a parent cycle that no root leads to (a driver
	// bug): list it flat rather than hide it.
	var rest []Device
	for _, ds := range children {
		rest = append(rest, ds...)
	}
	slices.SortFunc(rest, compareDevices)
	return append(out, rest...)
}

// compareDevices orders devices by kind (as in Kinds), name, then ID.
func compareDevices(a, b Device) int {
	return cmp.Or(
		cmp.Compare(slices.Index(Kinds, a.Kind), slices.Index(Kinds, b.Kind)),
		cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.ID, b.ID),
	)
}

// Device returns a snapshot of the attached device with the given ID.
func (m *Manager) Device(id string) (Device, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.devices[id]
	return o.device.Clone(), ok
}

// WriteSettings writes values to the device with the given ID through the
// driver that owns it and returns one error per setting that was not written
// (nil when all were).
func (m *Manager) WriteSettings(ctx context.Context, id string, values map[string]string) map[string]error {
	m.mu.Lock()
	o, ok := m.devices[id]
	m.mu.Unlock()
	var err error
	switch w, canWrite := o.driver.(SettingsWriter); {
	case !ok:
		err = fmt.Errorf("no device %q", id)
	case !canWrite:
		err = fmt.Errorf("driver %s cannot write settings", o.driver.Name())
	default:
		return w.WriteSettings(ctx, id, values)
	}
	errs := make(map[string]error, len(values))
	for name := range values {
		errs[name] = fmt.Errorf("write setting %s: %w", name, err)
	}
	return errs
}

// subscriber is one Subscribe call: an unbounded queue drained into out by
// its own goroutine.
type subscriber struct {
	mu    sync.Mutex
	queue []Event
	wake  chan struct{} // signalled when queue gains events
	quit  chan struct{} // closed by cancel
	done  chan struct{} // closed when run has closed out
	out   chan Event
}

func (s *subscriber) push(e Event) {
	s.mu.Lock()
	s.queue = append(s.queue, e)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) run() {
	defer close(s.done)
	defer close(s.out)
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		s.mu.Unlock()
		for _, e := range batch {
			select {
			case s.out <- e:
			case <-s.quit:
				return
			}
		}
		if len(batch) == 0 {
			select {
			case <-s.wake:
			case <-s.quit:
				return
			}
		}
	}
}
