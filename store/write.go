package store

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("store is closed")

// maxGroup caps how many Write calls share one transaction.
const maxGroup = 1024

// Tx is a read-write transaction handed to a Write function. It is valid
// only while that function runs.
type Tx struct {
	tx       *bolt.Tx
	s        *Store
	enqueued int // outbox events the functions queued
}

// writePath is the Store's state for Write and the outbox; the zero value
// is a read-only store's.
type writePath struct {
	writes     chan writeReq // nil when read-only
	closing    chan struct{}
	closeOnce  sync.Once
	writerDone chan struct{}

	inWrite    atomic.Int64  // Write calls in progress
	lastCommit time.Duration // how long the last commit took (writer goroutine only)
	groupStats groupStats

	outboxMu      sync.Mutex
	outboxChanged chan struct{} // closed and replaced after each commit that enqueued
	outboxLimit   int
}

// writeReq is one Write call waiting for the writer goroutine.
type writeReq struct {
	fn   func(*Tx) error
	done chan error
}

// Write runs fn in a read-write transaction and returns once that
// transaction is durably committed (fsynced), or fn's error once it is rolled
// back. It is the way to record a domain change together with the outbox
// events that report it (house habit 9 in docs/ARCHITECTURE.md):
//
//	err := st.Write(ctx, func(tx *store.Tx) error {
//		if err := tx.SaveDevice(rec, at); err != nil {
//			return err
//		}
//		return tx.Enqueue(ev)
//	})
//
// Concurrent Write calls are group-committed: one writer goroutine runs
// every call that is waiting, each in turn, in a single transaction with one
// fsync, and acknowledges each caller after the commit. When a function
// fails, the group is rolled back and run again without it, and the failed
// function is run once more on its own to get its own error. So fn may run
// more than once: it must have no effect outside tx, and it must not call
// Write (that would wait for itself). A panic in fn is returned as an error.
//
// ctx bounds only the wait for the writer; once fn is handed over, Write
// waits for the outcome so that a caller never mistakes a committed write for
// a failed one.
func (s *Store) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if s.writes == nil {
		return errors.New("write: store is read-only")
	}
	s.inWrite.Add(1)
	defer s.inWrite.Add(-1)
	req := writeReq{fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- req:
	case <-s.closing:
		return fmt.Errorf("write: %w", ErrClosed)
	case <-ctx.Done():
		return fmt.Errorf("write: %w", ctx.Err())
	}
	return <-req.done
}

// startWriter starts the goroutine that group-commits Write calls.
func (s *Store) startWriter() {
	s.outboxChanged = make(chan struct{})
	s.outboxLimit = DefaultOutboxLimit
	s.writes = make(chan writeReq)
	s.closing = make(chan struct{})
	s.writerDone = make(chan struct{})
	go s.writer()
}

// stopWriter lets the writer finish the calls already handed over and waits
// for it.
func (s *Store) stopWriter() {
	if s.writes == nil {
		return
	}
	s.closeOnce.Do(func() { close(s.closing) })
	<-s.writerDone
}

func (s *Store) writer() {
	defer close(s.writerDone)
	group := make([]writeReq, 0, maxGroup)
	for {
		select {
		case req := <-s.writes:
			group = append(group[:0], req)
		case <-s.closing:
			// Writers that won the race against closing are still served.
			for {
				select {
				case req := <-s.writes:
					s.commit([]writeReq{req})
				default:
					return
				}
			}
		}
		// Take every caller that is waiting now: they share the commit.
	more:
		for len(group) < maxGroup {
			select {
			case req := <-s.writes:
				group = append(group, req)
			default:
				break more
			}
		}
		// Callers still on their way (in Write, not yet handed over) share
		// this commit if they arrive within a moment: writers that were
		// just acknowledged come straight back, and one fsync serves them
		// all. A lone writer finds nobody on the way and never waits.
		if len(group) < int(s.inWrite.Load()) && len(group) < maxGroup {
			timer := time.NewTimer(s.groupWait())
		gather:
			for len(group) < int(s.inWrite.Load()) && len(group) < maxGroup {
				select {
				case req := <-s.writes:
					group = append(group, req)
				case <-timer.C:
					break gather
				}
			}
			timer.Stop()
		}
		s.groupStats.commits.Add(1)
		s.groupStats.writes.Add(uint64(len(group)))
		began := time.Now()
		s.commit(group)
		s.lastCommit = time.Since(began)
	}
}

// groupWait bounds how long the writer waits for callers on their way: a
// quarter of the last commit, within [100 µs, 2 ms].
// Writers return within tens of microseconds of their acknowledgement on
// an idle machine and later on a busy one, while a commit's fsync takes
// half a millisecond to several; waiting a fraction of it gathers them
// without holding a commit back for long (BenchmarkGroupCommit8 against a
// plain db.Batch, docs/PERFORMANCE.md). The wait ends as soon as every
// caller in Write is in the group.
func (s *Store) groupWait() time.Duration {
	return min(max(s.lastCommit/4, 100*time.Microsecond), 2*time.Millisecond)
}

// groupStats counts the writer's commits and the writes they carried.
type groupStats struct {
	commits, writes atomic.Uint64
}

// WritesPerCommit is how many Write calls one fsynced commit has carried
// on average since the store was opened (0 before the first).
func (s *Store) WritesPerCommit() float64 {
	c := s.groupStats.commits.Load()
	if c == 0 {
		return 0
	}
	return float64(s.groupStats.writes.Load()) / float64(c)
}

// storageRetry is how long the writer waits before trying a group the file
// did not take once more, before failing it.
const storageRetry = 100 * time.Millisecond

// commit runs group in one transaction and answers every caller. A failing
// function is taken out, the rest run again, and it runs alone. A group the
// file does not take (a full disk) is tried once more after storageRetry,
// then failed with ErrStorage and its outbox events counted as not stored;
// the count is written with the next commit that succeeds.
func (s *Store) commit(group []writeReq) {
	for len(group) > 0 {
		failed := -1
		var enqueued int
		var err error
		var storage bool
		for try := 0; try < 2; try++ {
			if try > 0 {
				time.Sleep(storageRetry)
			}
			failed, enqueued = -1, 0
			unstored := s.health.takePending()
			err, storage = s.tryUpdate(func(btx *bolt.Tx) error {
				t := &Tx{tx: btx, s: s}
				for i, r := range group {
					if err := call(r.fn, t); err != nil {
						failed = i
						return err
					}
				}
				enqueued = t.enqueued
				if unstored > 0 {
					return addCounter(outboxBucket(btx, bucketOutboxCounters), keyOutboxUnstored, unstored)
				}
				return nil
			})
			if err != nil {
				s.health.putBack(unstored)
			}
			if !storage {
				break
			}
		}
		if storage {
			err = s.health.failed(s.o, err, uint64(enqueued))
		} else if err == nil {
			s.health.succeeded(s.o)
		}
		if failed < 0 || len(group) == 1 {
			if err == nil && enqueued > 0 {
				s.signalOutbox()
			}
			for _, r := range group {
				r.done <- err
			}
			return
		}
		bad := group[failed]
		group = append(group[:failed:failed], group[failed+1:]...)
		s.commit([]writeReq{bad})
	}
}

// call runs fn, turning a panic into an error so one caller's bug cannot
// take the writer (and every other caller) down.
func call(fn func(*Tx) error, t *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write function panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return fn(t)
}

// SaveDevice is Store.SaveDevice inside tx.
func (tx *Tx) SaveDevice(rec DeviceRecord, at time.Time) error {
	if err := saveDevice(tx.tx.Bucket([]byte(bucketDevices)), rec, at); err != nil {
		return fmt.Errorf("save device %s: %w", rec.Key, err)
	}
	return nil
}

// MarkDisconnected is Store.MarkDisconnected inside tx.
func (tx *Tx) MarkDisconnected(key string, at time.Time) error {
	b := tx.tx.Bucket([]byte(bucketDevices))
	rec, found, err := getDevice(b, key)
	if err == nil && found {
		rec.Connected = false
		rec.LastSeen = at
		err = putDevice(b, rec)
	}
	if err != nil {
		return fmt.Errorf("mark device %s disconnected: %w", key, err)
	}
	return nil
}

// Check verifies the file's internal consistency (every page reachable
// once, no freed page in use); tests call it after a crash.
func (s *Store) Check() error {
	return s.view(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}
