package analytics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// heartbeatWriteTimeout bounds a heartbeat's wait for the store's writer.
const heartbeatWriteTimeout = 10 * time.Second

// ServiceParams are a Service's dependencies.
type ServiceParams struct {
	Store   *store.Store
	Builder *Builder
	Clock   clock.Clock // the clock device events are stamped with
	Logger  *slog.Logger
	// HeartbeatMinutes is PEOPLECOUNTHEARTBEATINTERVALMINUTES: a camera's
	// PeopleCount is sent again once this long has passed without one; ≤ 0
	// switches the heartbeat off.
	HeartbeatMinutes int
}

// Service reports what the device event stream shows by itself: devices
// added and removed (DeviceAdded, CameraDeviceAdded, OtherDeviceAdded and
// the …Removed events) and people counts (PeopleCount on every change and on
// the heartbeat). It is an app.Service and app.Recorder: the core hands it
// every event through Record; Start runs the heartbeat until Stop.
type Service struct {
	p    ServiceParams
	wake chan struct{}

	stop    context.CancelFunc
	stopped chan struct{}

	mu   sync.Mutex
	cams map[string]*counting // cameras with a people count, by device ID
}

// counting is a camera whose people count is reported.
type counting struct {
	dev      device.Device
	lastSent time.Time
}

// NewService returns a Service.
func NewService(p ServiceParams) *Service {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	return &Service{p: p, wake: make(chan struct{}, 1), cams: map[string]*counting{}}
}

// Record sees one device event, in stream order, on the core's goroutine,
// and returns the write that queues the events reporting it (nil when there
// are none). The core runs that write inside the transaction that records
// the device, so a device record and its DeviceAdded event are stored
// together.
func (s *Service) Record(e device.Event) func(tx *store.Tx) error {
	b := s.p.Builder
	var evs []Event
	s.mu.Lock()
	switch e.Type {
	case device.Arrived:
		evs = append(evs, b.DeviceAdded(e.Device, e.At))
		if e.Device.PeopleCount != nil {
			evs = append(evs, b.PeopleCount(e.Device, e.At))
			s.cams[e.Device.ID] = &counting{dev: e.Device.Clone(), lastSent: e.At}
		}
	case device.Changed:
		c := s.cams[e.Device.ID]
		switch {
		case e.Device.PeopleCount == nil:
			delete(s.cams, e.Device.ID)
		case c == nil || c.dev.PeopleCount == nil || *c.dev.PeopleCount != *e.Device.PeopleCount:
			evs = append(evs, b.PeopleCount(e.Device, e.At))
			s.cams[e.Device.ID] = &counting{dev: e.Device.Clone(), lastSent: e.At}
		default:
			c.dev = e.Device.Clone()
		}
	case device.Removed:
		evs = append(evs, b.DeviceRemoved(e.Device, e.At))
		delete(s.cams, e.Device.ID)
	}
	s.mu.Unlock()
	if len(evs) == 0 {
		return nil
	}
	s.poke()
	obs := make([]store.OutboxEvent, 0, len(evs))
	for _, ev := range evs {
		ob, err := ev.Outbox()
		if err != nil {
			s.p.Logger.Error("encode analytics event", "type", ev.EventType, "err", err)
			continue
		}
		obs = append(obs, ob)
	}
	key := e.Device.Key()
	return func(tx *store.Tx) error { return Enqueue(tx, key, obs...) }
}

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) interval() time.Duration {
	return time.Duration(s.p.HeartbeatMinutes) * time.Minute
}

// Start starts the PeopleCount heartbeat; it runs until Stop.
func (s *Service) Start(ctx context.Context) error {
	ctx, s.stop = context.WithCancel(ctx)
	s.stopped = make(chan struct{})
	go func() {
		defer close(s.stopped)
		s.heartbeat(ctx)
	}()
	return nil
}

// HandleEvent does nothing: Record has seen the event.
func (s *Service) HandleEvent(device.Event) {}

// Stop stops the heartbeat and waits for it.
func (s *Service) Stop() {
	if s.stop != nil {
		s.stop()
		<-s.stopped
	}
}

// heartbeat sends the PeopleCount heartbeat until ctx is done: each camera's
// count again once the interval has passed since the last PeopleCount it
// sent.
func (s *Service) heartbeat(ctx context.Context) {
	if s.interval() <= 0 {
		return
	}
	for {
		var due <-chan time.Time
		if next, ok := s.nextBeat(); ok {
			due = s.p.Clock.After(max(next.Sub(s.p.Clock.Now()), 0))
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-due:
			s.beat(ctx)
		}
	}
}

// nextBeat returns when the next camera's heartbeat is due.
func (s *Service) nextBeat() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, c := range s.cams {
		if at := c.lastSent.Add(s.interval()); next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, !next.IsZero()
}

// beat sends the PeopleCount of every camera whose heartbeat is due.
func (s *Service) beat(ctx context.Context) {
	now := s.p.Clock.Now()
	type due struct {
		key string
		ev  Event
	}
	var out []due
	s.mu.Lock()
	for _, c := range s.cams {
		if !c.lastSent.Add(s.interval()).After(now) {
			out = append(out, due{c.dev.Key(), s.p.Builder.PeopleCount(c.dev, now)})
			c.lastSent = now
		}
	}
	s.mu.Unlock()
	for _, d := range out {
		ob, err := d.ev.Outbox()
		if err != nil {
			s.p.Logger.Error("encode analytics event", "type", d.ev.EventType, "err", err)
			continue
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), heartbeatWriteTimeout)
		err = s.p.Store.Write(wctx, func(tx *store.Tx) error { return Enqueue(tx, d.key, ob) })
		cancel()
		if err != nil {
			s.p.Logger.Error("queue PeopleCount heartbeat", "device", d.key, "err", err)
		}
	}
}
