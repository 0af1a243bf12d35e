package store

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrStorage is wrapped by the error of a write the file did not take: the
// disk is full, or failing. What that write carried is not stored; outbox
// events among it are counted (OutboxStatus.Unstored).
var ErrStorage = errors.New("the database could not be written (is the disk full?)")

// Health is the state of the store's writes and repairs since Open.
type Health struct {
	Failing      bool      // the last write failed
	Since        time.Time // when the current failure began; zero when not failing
	LastError    string    // the last write failure, "" when none since Open
	FailedWrites uint64    // writes the file did not take since Open
	Repairs      []RepairReport
}

// health counts storage failures: one log line when an episode begins and
// one when it ends, whatever the number of failed writes in between.
type health struct {
	mu            sync.Mutex
	failing       bool
	since         time.Time
	lastErr       string
	failedWrites  uint64
	episodeWrites uint64
	episodeEvents uint64
	pending       uint64 // unstored events not yet added to the stored counter
	repairs       []RepairReport
}

// maxRepairsKept bounds Health.Repairs.
const maxRepairsKept = 8

// failed records a write the file did not take, with the outbox events it
// carried, and returns err wrapped in ErrStorage.
func (h *health) failed(o Options, err error, events uint64) error {
	h.mu.Lock()
	first := !h.failing
	if first {
		h.failing, h.since = true, o.Now()
		h.episodeWrites, h.episodeEvents = 0, 0
	}
	h.lastErr = err.Error()
	h.failedWrites++
	h.episodeWrites++
	h.episodeEvents += events
	h.pending += events
	h.mu.Unlock()
	if first {
		o.Logger.Error("database writes failing; what cannot be stored is counted until writes succeed again", "err", err)
	}
	return fmt.Errorf("%w: %v", ErrStorage, err)
}

// succeeded ends a failure episode.
func (h *health) succeeded(o Options) {
	h.mu.Lock()
	if !h.failing {
		h.mu.Unlock()
		return
	}
	h.failing = false
	since, writes, events := h.since, h.episodeWrites, h.episodeEvents
	h.mu.Unlock()
	o.Logger.Warn("database writes succeed again", "failingSince", since, "failedWrites", writes, "eventsNotStored", events)
}

// takePending returns the unstored events not yet counted in the file;
// putBack returns them when that write failed.
func (h *health) takePending() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.pending
	h.pending = 0
	return n
}

func (h *health) putBack(n uint64) {
	h.mu.Lock()
	h.pending += n
	h.mu.Unlock()
}

func (h *health) pendingEvents() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pending
}

func (h *health) noteRepair(r RepairReport) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.repairs = append(h.repairs, r)
	if len(h.repairs) > maxRepairsKept {
		h.repairs = h.repairs[len(h.repairs)-maxRepairsKept:]
	}
}

// Health returns the state of the store's writes and the repairs made since
// Open.
func (s *Store) Health() Health {
	h := &s.health
	h.mu.Lock()
	defer h.mu.Unlock()
	out := Health{Failing: h.failing, LastError: h.lastErr, FailedWrites: h.failedWrites,
		Repairs: append([]RepairReport(nil), h.repairs...)}
	if h.failing {
		out.Since = h.since
	}
	return out
}
