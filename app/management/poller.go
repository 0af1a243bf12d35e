package management

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
)

// Fetcher asks the endpoint for a device's configuration (Client).
type Fetcher interface {
	Fetch(ctx context.Context, d device.Device) (Answer, error)
}

// AnswerApplier applies an answer to a device (Applier).
type AnswerApplier interface {
	Apply(ctx context.Context, d device.Device, a Answer) error
}

// PollerParams are a Poller's dependencies.
type PollerParams struct {
	Fetcher Fetcher
	Applier AnswerApplier
	// Devices gives the device's snapshot when a poll starts (its firmware
	// version may have changed since it arrived).
	Devices interface {
		Device(id string) (device.Device, bool)
	}
	Clock  clock.Clock
	Logger *slog.Logger
	// Interval is CHECKFORUPDATESINTERVALMINUTES.
	Interval time.Duration
	// MinBackoff is the wait after a first failure; it doubles after each
	// failure up to MaxBackoff. 0 means 1 minute and min(Interval, 1 hour).
	MinBackoff, MaxBackoff time.Duration
	// Jitter spreads waits so that a fleet does not ask at once; nil means
	// ±10 % at random.
	Jitter func(time.Duration) time.Duration
}

// Poller asks the device-management endpoint for the configuration of each
// managed device when it arrives and every Interval after, on the injected
// clock, and applies the answers. After a failure it asks again with
// exponential backoff. It is an app.Service.
type Poller struct {
	p PollerParams

	mu      sync.Mutex
	ctx     context.Context
	cancel  context.CancelFunc
	workers map[string]*worker // by device ID
	wg      sync.WaitGroup
	busy    int
	idle    chan struct{}
}

// worker polls for one attached device.
type worker struct {
	wake chan struct{} // an immediate poll (the device arrived again)
	stop chan struct{} // the device was removed
}

// NewPoller returns a Poller; the Core starts it.
func NewPoller(p PollerParams) *Poller {
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Interval <= 0 {
		p.Interval = 10080 * time.Minute
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = time.Minute
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = min(p.Interval, time.Hour)
	}
	if p.Jitter == nil {
		p.Jitter = func(d time.Duration) time.Duration {
			return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
		}
	}
	idle := make(chan struct{})
	close(idle)
	return &Poller{p: p, workers: map[string]*worker{}, idle: idle}
}

// Managed tells whether Earshot asks the endpoint about d: a device with an
// ESN that is not another vendor's device nor a busylight.
func Managed(d device.Device) bool {
	return d.ESN != "" && d.Kind != device.KindOther && d.Kind != device.KindBusylight
}

// Start prepares the poller; polls begin as devices arrive.
func (p *Poller) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ctx, p.cancel = context.WithCancel(ctx)
	return nil
}

// Stop ends every poll and waits for them.
func (p *Poller) Stop() {
	p.mu.Lock()
	if p.cancel != nil {
		p.cancel()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// HandleEvent starts polling for a managed device that arrives (at once,
// and again at once when it arrives again) and stops when it is removed.
// The poll that follows an arrival counts as in flight from this call on.
func (p *Poller) HandleEvent(e device.Event) {
	switch e.Type {
	case device.Arrived:
		if !Managed(e.Device) {
			return
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.ctx == nil || p.ctx.Err() != nil {
			return
		}
		if w, ok := p.workers[e.Device.ID]; ok {
			select {
			case w.wake <- struct{}{}:
				p.beginLocked()
			default: // a poll is already due
			}
			return
		}
		w := &worker{wake: make(chan struct{}, 1), stop: make(chan struct{})}
		p.workers[e.Device.ID] = w
		p.beginLocked()
		p.wg.Add(1)
		go p.run(p.ctx, e.Device, w)
	case device.Removed:
		p.mu.Lock()
		defer p.mu.Unlock()
		if w, ok := p.workers[e.Device.ID]; ok {
			close(w.stop)
			delete(p.workers, e.Device.ID)
		}
	}
}

// Idle returns a channel closed while no poll is in flight (a new one is
// returned once a poll starts again).
func (p *Poller) Idle() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.idle
}

// Busy tells whether a poll (and what it applies) is in flight.
func (p *Poller) Busy() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.busy > 0
}

func (p *Poller) beginLocked() {
	if p.busy == 0 {
		p.idle = make(chan struct{})
	}
	p.busy++
}

func (p *Poller) begin() {
	p.mu.Lock()
	p.beginLocked()
	p.mu.Unlock()
}

func (p *Poller) end() {
	p.mu.Lock()
	p.busy--
	if p.busy == 0 {
		close(p.idle)
	}
	p.mu.Unlock()
}

// run polls for one device: at once, then after each interval, or after a
// backoff when a poll failed, until the device is removed. The first poll
// was counted in flight by HandleEvent.
func (p *Poller) run(ctx context.Context, d device.Device, w *worker) {
	defer p.wg.Done()
	failures := 0
	for {
		if p.poll(ctx, d) {
			failures = 0
		} else {
			failures++
		}
		p.end()
		wait := p.p.Interval
		if failures > 0 {
			wait = min(p.p.MinBackoff<<min(failures-1, 20), p.p.MaxBackoff)
		}
		wait = p.p.Jitter(wait)
		select {
		case <-ctx.Done():
			p.dropWake(w)
			return
		case <-w.stop:
			p.dropWake(w)
			return
		case <-w.wake: // counted by HandleEvent
		case <-p.p.Clock.After(wait):
			p.begin()
		}
		select {
		case <-w.stop:
			p.end()
			p.dropWake(w)
			return
		default:
		}
	}
}

// dropWake uncounts a wake-up that will not be served.
func (p *Poller) dropWake(w *worker) {
	select {
	case <-w.wake:
		p.end()
	default:
	}
}

// poll asks once and applies the answer; it reports whether all went well.
func (p *Poller) poll(ctx context.Context, d device.Device) bool {
	if now, ok := p.p.Devices.Device(d.ID); ok {
		d = now
	}
	log := p.p.Logger.With("device", d.Name, "esn", d.ESN)
	ans, err := p.p.Fetcher.Fetch(ctx, d)
	switch {
	case err == nil:
	case errors.Is(err, ErrNoConfiguration):
		log.Info("the device-management endpoint has no configuration for this device")
		return true
	case errors.Is(err, ErrHostileAnswer):
		log.Error("device-management answer refused; nothing applied", "reason", err.Error())
		return false
	case ctx.Err() != nil:
		return true
	default:
		log.Warn("device-management endpoint not reached; will ask again", "err", err.Error())
		return false
	}
	if err := p.p.Applier.Apply(ctx, d, ans); err != nil {
		if ctx.Err() == nil {
			log.Warn("device-management configuration not fully applied; will try again", "err", err.Error())
		}
		return false
	}
	return true
}
