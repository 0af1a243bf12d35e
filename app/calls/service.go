package calls

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/earshot-app/earshot/app/listeners"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// DefaultRetention is how long call history is kept when the configuration
// does not say (CALLHISTORYRETENTIONDAYS).
const DefaultRetention = 180 * 24 * time.Hour

// CheckpointInterval is how often, on the service's clock, the open calls
// and sessions are written to the store, so that after a crash they are
// closed at most this long after they really ended.
const CheckpointInterval = time.Minute

// pruneInterval is how often old history is pruned while Earshot runs.
const pruneInterval = 24 * time.Hour

// writeTimeout bounds each wait for the store's writer.
const writeTimeout = 10 * time.Second

// Report writes the analytics events of a transition inside tx, the
// transaction that records it (house habit 9 in docs/ARCHITECTURE.md).
type Report func(tx *store.Tx, t Transition) error

// ServiceParams are a Service's dependencies.
type ServiceParams struct {
	Store  *store.Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Retention is how long ended calls and sessions are kept; 0 keeps
	// everything.
	Retention time.Duration
	// Report writes analytics events; nil writes none.
	Report Report
	// NewID makes CallIds and session ids; nil means random UUIDs.
	NewID func() string
}

// Service runs a Tracker on the device event stream, records every call and
// camera session in the store, checkpoints the open ones, closes those a
// crash left open, prunes old history, and answers history queries.
type Service struct {
	*History
	p ServiceParams

	mu      sync.Mutex // guards tracker
	tracker *Tracker

	listeners listeners.Set

	cancel context.CancelFunc
	done   chan struct{}

	unrecorded atomic.Uint64 // transitions that could not be recorded
}

// NewService returns a Service; the Core calls Start, HandleEvent and Stop.
func NewService(p ServiceParams) *Service {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	s := &Service{p: p, tracker: NewTracker(p.NewID)}
	s.History = NewHistory(p.Store, func() *time.Location { return p.Clock.Now().Location() })
	return s
}

// Now is the service's clock: the scenario's time in simulation.
func (s *Service) Now() time.Time { return s.p.Clock.Now() }

// Start closes the calls and sessions a crash left open (EndReason
// Interrupted, ended at their last checkpoint), prunes old history, and
// starts checkpointing until Stop. Call it before the first event.
func (s *Service) Start(ctx context.Context) error {
	err := errors.Join(s.recover(ctx), s.prune())
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go s.loop(ctx)
	return err
}

// recover closes what the store holds open.
func (s *Service) recover(ctx context.Context) error {
	calls, err := s.p.Store.OpenCalls()
	sessions, serr := s.p.Store.OpenCameraSessions()
	err = errors.Join(err, serr)
	var ts []Transition
	for _, c := range calls {
		c.EndReason = store.EndInterrupted
		ts = append(ts, Transition{Kind: CallEnded, Call: c, Device: deviceOf(c.Device)})
	}
	for _, ss := range sessions {
		ss.EndReason = store.EndInterrupted
		ts = append(ts, Transition{Kind: StreamingEnded, Session: ss, Device: deviceOf(ss.Device)})
	}
	if len(ts) == 0 {
		return err
	}
	s.p.Logger.Info("closing calls and camera sessions left open by the last run", "calls", len(calls), "sessions", len(sessions))
	return errors.Join(err, s.record(ctx, ts))
}

// deviceOf rebuilds a device snapshot from the history's copy, for the
// events of calls recovered after a crash.
func deviceOf(h store.HistoryDevice) device.Device {
	return device.Device{Info: device.Info{
		Kind: device.Kind(h.Kind), Name: h.Name, VendorID: h.VendorID, ProductID: h.ProductID,
		Variant: h.Variant, ESN: h.ESN, Firmware: h.Firmware, Connection: device.Connection(h.Connection),
	}}
}

// HandleEvent feeds one device event to the tracker and records what it
// starts or ends. The Core calls it for every event, in order.
func (s *Service) HandleEvent(e device.Event) {
	// The lock orders this write after (or before) a checkpoint's, so a
	// checkpoint never puts back a call that has just ended.
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.tracker.Handle(e)
	if len(ts) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := s.record(ctx, ts); err != nil {
		s.p.Logger.Error("record calls", "device", e.Device.Name, "err", err)
	}
}

// Stop ends the open calls and sessions as EarshotStopped, records them,
// and stops checkpointing. The Core calls it after the last event.
func (s *Service) Stop() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.tracker.CloseAll(s.p.Clock.Now(), store.EndStopped)
	if len(ts) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := s.record(ctx, ts); err != nil {
		s.p.Logger.Error("record calls open at shutdown", "err", err)
	}
}

// record stores ts, each with its analytics events, in one transaction, and
// tells the listeners. A failure (an event that cannot be encoded, a full
// disk) loses the records and their events together (house habit 9 in docs/ARCHITECTURE.md), never
// silently: the error comes back for a log line, and Unrecorded counts the
// transitions lost.
func (s *Service) record(ctx context.Context, ts []Transition) error {
	err := s.p.Store.Write(ctx, func(tx *store.Tx) error {
		for _, t := range ts {
			var err error
			switch t.Kind {
			case CallStarted, CallEnded:
				err = tx.PutCall(t.Call)
			case StreamingStarted, StreamingEnded:
				err = tx.PutCameraSession(t.Session)
			}
			if err == nil && s.p.Report != nil {
				err = s.p.Report(tx, t)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		n := s.unrecorded.Add(uint64(len(ts)))
		return fmt.Errorf("%d call transitions not recorded (%d since start): %w", len(ts), n, err)
	}
	for _, t := range ts {
		s.p.Logger.Debug(t.Kind.String(), "call", t.Call.CallID, "session", t.Session.SessionID, "device", t.Device.Name)
	}
	s.notify()
	return nil
}

// Unrecorded is how many call and camera-session transitions could not be
// recorded (with their analytics events) since the service started.
func (s *Service) Unrecorded() uint64 { return s.unrecorded.Load() }

// loop checkpoints every CheckpointInterval and prunes every day until ctx
// is done.
func (s *Service) loop(ctx context.Context) {
	defer close(s.done)
	lastPrune := s.p.Clock.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.p.Clock.After(CheckpointInterval):
		}
		if err := s.Checkpoint(ctx); err != nil && ctx.Err() == nil {
			s.p.Logger.Warn("checkpoint open calls", "err", err)
		}
		if now := s.p.Clock.Now(); now.Sub(lastPrune) >= pruneInterval {
			lastPrune = now
			if err := s.prune(); err != nil {
				s.p.Logger.Warn("prune call history", "err", err)
			}
		}
	}
}

// Checkpoint writes the open calls and sessions as they stand now.
func (s *Service) Checkpoint(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls, sessions := s.tracker.Open(s.p.Clock.Now())
	if len(calls)+len(sessions) == 0 {
		return nil
	}
	return s.p.Store.Write(ctx, func(tx *store.Tx) error {
		for _, c := range calls {
			if err := tx.PutCall(c); err != nil {
				return err
			}
		}
		for _, ss := range sessions {
			if err := tx.PutCameraSession(ss); err != nil {
				return err
			}
		}
		return nil
	})
}

// prune deletes history older than the retention.
func (s *Service) prune() error {
	if s.p.Retention <= 0 {
		return nil
	}
	before := s.p.Clock.Now().Add(-s.p.Retention)
	calls, sessions, err := s.p.Store.PruneHistory(before)
	if calls+sessions > 0 {
		s.p.Logger.Info("pruned call history", "before", before, "calls", calls, "sessions", sessions)
		s.notify()
	}
	return err
}

// Subscribe calls onChange, from any goroutine, after the history changed
// (a call or session started or ended, or old history was pruned). onChange
// must not block.
func (s *Service) Subscribe(onChange func()) (cancel func()) {
	return s.listeners.Subscribe(onChange)
}

func (s *Service) notify() { s.listeners.Notify() }

func sortDevices(ds []Device) {
	slices.SortFunc(ds, func(a, b Device) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Key, b.Key)) })
}
