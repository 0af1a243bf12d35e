package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DefaultOutboxLimit is how many events the outbox holds before it drops
// the oldest (docs/analytics.md).
const DefaultOutboxLimit = 100_000

// OutboxEvent is one analytics event waiting for delivery: its EventId, its
// EventType and the JSON body that is posted.
type OutboxEvent struct {
	ID   string
	Type string
	Body []byte

	packed []byte // set by Prepare
}

// Prepare compresses the event for storage now, in the caller's goroutine,
// instead of inside the shared write transaction (where every writer would
// wait for it). It is optional; analytics prepares the events it builds.
// Changing the event after Prepare is a mistake: the prepared form is what
// gets stored.
func (e *OutboxEvent) Prepare() error {
	v, err := packEvent(*e)
	if err != nil {
		return err
	}
	e.packed = v
	return nil
}

// Packed is the event's stored form, as Prepare made it (nil before):
// what the outbox file holds for it. Tools that look for an event in a file
// (scripts/chaoskit) use it.
func (e OutboxEvent) Packed() []byte { return e.packed }

// QueuedEvent is an event in the outbox with its sequence number. Err is set
// (and the event empty) when the stored value cannot be decoded; the
// uploader parks such an event rather than stall on it.
type QueuedEvent struct {
	Seq uint64
	OutboxEvent
	Err error
}

// OutboxEndpoint is one delivery target. ID is its stable key and must not
// hold secrets (the uploader uses a hash of the URL); Name is what people
// see (the URL with credentials and query values masked).
type OutboxEndpoint struct {
	ID   string
	Name string
}

// EndpointStatus is what the outbox knows of one endpoint.
type EndpointStatus struct {
	ID, Name  string
	Cursor    uint64 // sequence number of the last event delivered, parked or dropped for it
	Queued    uint64 // events after Cursor
	Delivered uint64
	Parked    uint64
	Dropped   uint64    // events dropped past the bound before this endpoint had them
	LastError string    // "" after a delivery
	LastErrAt time.Time // zero when LastError is ""
	NextRetry time.Time // zero when not waiting
	// RetiredAt is when an endpoint no longer configured left the
	// configuration; zero for a configured one. DiscardAfter is when its
	// queue is given up unless it is configured again (RetiredRetention).
	RetiredAt, DiscardAfter time.Time
}

// OutboxStatus is the state of the whole outbox.
type OutboxStatus struct {
	First, Last uint64 // sequence numbers of the oldest and newest queued events; 0, 0 when empty
	Dropped     uint64 // events dropped past the bound, in all
	// Unstored counts the events that could not be stored because the
	// file did not take the write (a full disk), in all; Expired those given
	// up with an endpoint retired longer than RetiredRetention.
	Unstored, Expired uint64
	Limit             int
	Endpoints         []EndpointStatus // in the order they were configured
	// Retired are the endpoints no longer configured that still hold events,
	// oldest retirement first.
	Retired []EndpointStatus
	// Storage is the state of the store's writes (a full disk) and repairs.
	Storage Health
}

// QueuedAfter returns how many queued events come after cursor.
func (o OutboxStatus) QueuedAfter(cursor uint64) uint64 {
	if o.Last == 0 || cursor >= o.Last {
		return 0
	}
	return o.Last - max(cursor, o.First-1)
}

// ParkedEvent is an event an endpoint refused, with the reason.
type ParkedEvent struct {
	Seq uint64
	OutboxEvent
	Reason string
	Status int // the HTTP status of the refusal; 0 when it was not an HTTP answer
	At     time.Time
	Err    error // the stored event cannot be decoded
}

// endpointRecord is the value under outbox/endpoints/<endpoint id>.
type endpointRecord struct {
	Name      string     `json:"name"`
	Order     int        `json:"order"`
	Cursor    uint64     `json:"cursor"`
	Delivered uint64     `json:"delivered"`
	Parked    uint64     `json:"parked"`
	Dropped   uint64     `json:"dropped"`
	LastError string     `json:"lastError,omitempty"`
	LastErrAt *time.Time `json:"lastErrorAt,omitempty"`
	NextRetry *time.Time `json:"nextRetry,omitempty"`
	// RetiredAt is when the endpoint left the configuration (under
	// outbox/retired only); Until is the last event queued then: later
	// events are not its.
	RetiredAt *time.Time `json:"retiredAt,omitempty"`
	Until     uint64     `json:"until,omitempty"`
}

// parkedRecord is the value under outbox/parked/<endpoint id>/<seq>.
type parkedRecord struct {
	Reason string    `json:"reason"`
	Status int       `json:"status"`
	At     time.Time `json:"at"`
	Event  []byte    `json:"event"` // packed as in outbox/events
}

// SetOutboxLimit sets how many events the outbox holds before it drops the
// oldest; n ≤ 0 means DefaultOutboxLimit. It applies from the next Enqueue.
func (s *Store) SetOutboxLimit(n int) {
	if n <= 0 {
		n = DefaultOutboxLimit
	}
	s.outboxMu.Lock()
	s.outboxLimit = n
	s.outboxMu.Unlock()
}

func (s *Store) limit() int {
	s.outboxMu.Lock()
	defer s.outboxMu.Unlock()
	if s.outboxLimit <= 0 {
		return DefaultOutboxLimit
	}
	return s.outboxLimit
}

// OutboxChanged returns a channel that is closed after the next commit that
// queues events. Take a new channel after each wake-up.
func (s *Store) OutboxChanged() <-chan struct{} {
	s.outboxMu.Lock()
	defer s.outboxMu.Unlock()
	if s.outboxChanged == nil {
		s.outboxChanged = make(chan struct{})
	}
	return s.outboxChanged
}

func (s *Store) signalOutbox() {
	s.outboxMu.Lock()
	defer s.outboxMu.Unlock()
	if s.outboxChanged != nil {
		close(s.outboxChanged)
	}
	s.outboxChanged = make(chan struct{})
}

// createOutbox lays out the outbox and event-toggle buckets (schema
// version 2).
func createOutbox(tx *bolt.Tx) error {
	ob, err := tx.CreateBucketIfNotExists([]byte(bucketOutbox))
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketOutbox, err)
	}
	for _, name := range []string{bucketOutboxEvents, bucketOutboxEndpoints, bucketOutboxParked, bucketOutboxCounters, bucketOutboxRetired} {
		if _, err := ob.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s/%s: %w", bucketOutbox, name, err)
		}
	}
	if _, err := tx.CreateBucketIfNotExists([]byte(bucketEventToggles)); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketEventToggles, err)
	}
	return nil
}

func outboxBucket(tx *bolt.Tx, name string) *bolt.Bucket {
	return tx.Bucket([]byte(bucketOutbox)).Bucket([]byte(name))
}

// Enqueue queues events for every registered endpoint, in order, inside tx.
// While no endpoint is registered (ANALYTICSENDPOINT empty) analytics is off
// and nothing is stored. Past the limit the oldest events are dropped and
// counted, per endpoint that had not had them and in all.
func (tx *Tx) Enqueue(events ...OutboxEvent) error {
	if len(events) == 0 {
		return nil
	}
	eps := outboxBucket(tx.tx, bucketOutboxEndpoints)
	if k, _ := eps.Cursor().First(); k == nil {
		return nil
	}
	b := outboxBucket(tx.tx, bucketOutboxEvents)
	// Keys only grow, so pages can be filled instead of split in half.
	b.FillPercent = 0.95
	for _, e := range events {
		v := e.packed
		if v == nil {
			var err error
			if v, err = packEvent(e); err != nil {
				return fmt.Errorf("enqueue: %w", err)
			}
		}
		seq, err := b.NextSequence()
		if err != nil {
			return fmt.Errorf("enqueue event %s: %w", e.ID, err)
		}
		if err := b.Put(sequenceKey(seq), v); err != nil {
			return fmt.Errorf("enqueue event %s: %w", e.ID, err)
		}
	}
	tx.enqueued += len(events)
	first, last := seqRange(b)
	if over := int64(last-first+1) - int64(tx.s.limit()); over > 0 {
		if err := dropOldest(tx.tx, first, first+uint64(over)-1); err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
	}
	return nil
}

// seqRange returns the first and last sequence numbers in b; 0, 0 when empty.
func seqRange(b *bolt.Bucket) (first, last uint64) {
	c := b.Cursor()
	k, _ := c.First()
	if len(k) != 8 {
		return 0, 0
	}
	first = binary.BigEndian.Uint64(k)
	k, _ = c.Last()
	return first, binary.BigEndian.Uint64(k)
}

// dropOldest deletes the events first..upTo, moving every endpoint that had
// not had them past them and counting them.
func dropOldest(tx *bolt.Tx, first, upTo uint64) error {
	if err := deleteUpTo(outboxBucket(tx, bucketOutboxEvents), upTo); err != nil {
		return err
	}
	err := updateEndpoints(tx, func(_ []byte, r *endpointRecord) bool {
		if r.Cursor >= upTo {
			return false
		}
		r.Dropped += upTo - max(r.Cursor, first-1)
		r.Cursor = upTo
		return true
	})
	if err != nil {
		return err
	}
	if err := dropForRetired(tx, first, upTo); err != nil {
		return err
	}
	counters := outboxBucket(tx, bucketOutboxCounters)
	n, err := readCounter(counters, keyOutboxDropped)
	if err != nil {
		return err
	}
	return writeCounter(counters, keyOutboxDropped, n+upTo-first+1)
}

// deleteUpTo deletes every key ≤ upTo from a bucket of sequence keys.
func deleteUpTo(b *bolt.Bucket, upTo uint64) error {
	c := b.Cursor()
	for k, _ := c.First(); len(k) == 8 && binary.BigEndian.Uint64(k) <= upTo; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return fmt.Errorf("delete outbox event %d: %w", binary.BigEndian.Uint64(k), err)
		}
	}
	return nil
}

// trim deletes the events every endpoint, configured or retired, is past;
// all of them when none holds any.
func trim(tx *bolt.Tx) error {
	low := ^uint64(0)
	err := forEachEndpoint(tx, func(_ []byte, r endpointRecord) error {
		low = min(low, r.Cursor)
		return nil
	})
	if err != nil {
		return err
	}
	err = forEachRetired(tx, func(_ []byte, r endpointRecord) error {
		if r.queued(seqRange(outboxBucket(tx, bucketOutboxEvents))) > 0 {
			low = min(low, r.Cursor)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if low == ^uint64(0) {
		// No endpoint, configured or retired, holds anything: analytics
		// is off and what is left belongs to nobody.
		low = outboxBucket(tx, bucketOutboxEvents).Sequence()
	}
	return deleteUpTo(outboxBucket(tx, bucketOutboxEvents), low)
}

func forEachEndpoint(tx *bolt.Tx, fn func(id []byte, r endpointRecord) error) error {
	return outboxBucket(tx, bucketOutboxEndpoints).ForEach(func(k, v []byte) error {
		r, err := decodeEndpoint(k, v)
		if err != nil {
			return err
		}
		return fn(k, r)
	})
}

// updateEndpoints calls fn on every endpoint record and writes back those
// for which it returns true.
func updateEndpoints(tx *bolt.Tx, fn func(id []byte, r *endpointRecord) bool) error {
	b := outboxBucket(tx, bucketOutboxEndpoints)
	type change struct {
		id []byte
		r  endpointRecord
	}
	var changes []change
	err := b.ForEach(func(k, v []byte) error {
		r, err := decodeEndpoint(k, v)
		if err != nil {
			return err
		}
		if fn(k, &r) {
			changes = append(changes, change{slices.Clone(k), r})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range changes {
		if err := putEndpoint(b, c.id, c.r); err != nil {
			return err
		}
	}
	return nil
}

func decodeEndpoint(k, v []byte) (endpointRecord, error) {
	var r endpointRecord
	if err := unsealJSON(v, &r); err != nil {
		return endpointRecord{}, fmt.Errorf("bucket %s/%s key %q: %w", bucketOutbox, bucketOutboxEndpoints, k, err)
	}
	return r, nil
}

// putEndpoint stores r under id in b: outbox/endpoints, or outbox/retired
// when r.RetiredAt is set.
func putEndpoint(b *bolt.Bucket, id []byte, r endpointRecord) error {
	t := tagOf(kindEndpoints)
	if r.RetiredAt != nil {
		t = tagOf(kindRetired)
	}
	v, err := sealJSON(t, r)
	if err != nil {
		return fmt.Errorf("encode endpoint record: %w", err)
	}
	return b.Put(id, v)
}

// endpoint reads one endpoint's record for an update.
func (tx *Tx) endpoint(id string) (*bolt.Bucket, endpointRecord, error) {
	b := outboxBucket(tx.tx, bucketOutboxEndpoints)
	v := b.Get([]byte(id))
	if v == nil {
		return nil, endpointRecord{}, fmt.Errorf("outbox endpoint %q is not registered", id)
	}
	r, err := decodeEndpoint([]byte(id), v)
	return b, r, err
}

func readCounter(b *bolt.Bucket, key string) (uint64, error) {
	v := b.Get([]byte(key))
	if v == nil {
		return 0, nil
	}
	var n uint64
	if err := unsealJSON(v, &n); err != nil {
		return 0, fmt.Errorf("counter %s: %w", key, err)
	}
	return n, nil
}

// addCounter adds n to a counter.
func addCounter(b *bolt.Bucket, key string, n uint64) error {
	cur, err := readCounter(b, key)
	if err != nil {
		return err
	}
	return writeCounter(b, key, cur+n)
}

func writeCounter(b *bolt.Bucket, key string, n uint64) error {
	v, _ := sealJSON(tagOf(kindCounters), n)
	return b.Put([]byte(key), v)
}

// RetiredRetention is how long the outbox keeps the queue of an endpoint
// that is no longer configured, measured on Options.Now from the moment it
// left the configuration, before it is given up (and counted as expired). A
// person may discard it sooner (DiscardRetired); configuring the endpoint
// again resumes its delivery where it stopped.
const RetiredRetention = 30 * 24 * time.Hour

// SetOutboxEndpoints registers the endpoints events are delivered to, in
// configuration order. A new endpoint gets every event still queued. An
// endpoint no longer configured is retired, not emptied: it keeps its
// cursor, its queue and its parked events, visibly (OutboxStatus.Retired),
// until a person discards it (DiscardRetired), it is configured again, or
// RetiredRetention passes; its masked name is returned so the caller can
// say so. One with nothing queued nor parked is simply forgotten. With no
// endpoint, nothing new is queued (analytics is off), but nothing queued is
// deleted either.
func (s *Store) SetOutboxEndpoints(ctx context.Context, eps []OutboxEndpoint) (retired []string, err error) {
	now := s.o.Now()
	var expired []string
	err = s.Write(ctx, func(tx *Tx) error {
		retired, expired = retired[:0], expired[:0]
		want := make(map[string]int, len(eps))
		for i, e := range eps {
			if e.ID == "" {
				return errors.New("endpoint with an empty ID")
			}
			want[e.ID] = i
		}
		b := outboxBucket(tx.tx, bucketOutboxEndpoints)
		rb, err := retiredBucket(tx.tx)
		if err != nil {
			return err
		}
		events := outboxBucket(tx.tx, bucketOutboxEvents)
		first, last := seqRange(events)
		st := OutboxStatus{First: first, Last: last}
		type move struct {
			id []byte
			r  endpointRecord
		}
		var gone []move
		err = forEachEndpoint(tx.tx, func(id []byte, r endpointRecord) error {
			if _, ok := want[string(id)]; !ok {
				gone = append(gone, move{slices.Clone(id), r})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, g := range gone {
			if err := b.Delete(g.id); err != nil {
				return err
			}
			g.r.RetiredAt, g.r.Until = timePtr(now), events.Sequence()
			if st.QueuedAfter(g.r.Cursor) == 0 && g.r.Parked == 0 {
				if err := deleteParked(tx.tx, g.id); err != nil {
					return err
				}
				continue
			}
			if err := putEndpoint(rb, g.id, g.r); err != nil {
				return err
			}
			retired = append(retired, g.r.Name)
		}
		start := events.Sequence()
		if first > 0 {
			start = first - 1
		}
		parked := outboxBucket(tx.tx, bucketOutboxParked)
		for i, e := range eps {
			r := endpointRecord{Cursor: start}
			if v := b.Get([]byte(e.ID)); v != nil {
				if r, err = decodeEndpoint([]byte(e.ID), v); err != nil {
					return err
				}
			} else if v := rb.Get([]byte(e.ID)); v != nil {
				// Configured again: it resumes where it stopped.
				if r, err = decodeEndpoint([]byte(e.ID), v); err != nil {
					return err
				}
				r.RetiredAt, r.Until = nil, 0
				if err := rb.Delete([]byte(e.ID)); err != nil {
					return err
				}
			}
			r.Name, r.Order = e.Name, i
			if err := putEndpoint(b, []byte(e.ID), r); err != nil {
				return err
			}
			if _, err := parked.CreateBucketIfNotExists([]byte(e.ID)); err != nil {
				return err
			}
		}
		if expired, err = expireRetired(tx.tx, now); err != nil {
			return err
		}
		return trim(tx.tx)
	})
	if err != nil {
		return nil, fmt.Errorf("set outbox endpoints: %w", err)
	}
	return retired, nil
}

// OutboxEvents returns up to max events after the sequence number after, in
// order. An event that cannot be decoded comes back with Err set.
func (s *Store) OutboxEvents(after uint64, max int) ([]QueuedEvent, error) {
	var out []QueuedEvent
	err := s.view(func(tx *bolt.Tx) error {
		c := outboxBucket(tx, bucketOutboxEvents).Cursor()
		for k, v := c.Seek(sequenceKey(after + 1)); k != nil && len(out) < max; k, v = c.Next() {
			var q QueuedEvent
			if len(k) != 8 {
				q.Err = fmt.Errorf("outbox key %x is not a sequence number", k)
				out = append(out, q)
				continue
			}
			q.Seq = binary.BigEndian.Uint64(k)
			if q.OutboxEvent, q.Err = unpackEvent(v); q.Err != nil {
				q.Err = fmt.Errorf("outbox event %d: %w", q.Seq, q.Err)
			}
			out = append(out, q)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// AdvanceOutbox records, for endpoint id, that every event up to cursor is
// delivered or parked and that delivered more were delivered; it clears the
// endpoint's last error and deletes the events every endpoint is past. A
// cursor never moves back.
func (tx *Tx) AdvanceOutbox(id string, cursor, delivered uint64) error {
	b, r, err := tx.endpoint(id)
	if err != nil {
		return fmt.Errorf("advance outbox: %w", err)
	}
	r.Cursor = max(r.Cursor, cursor)
	r.Delivered += delivered
	r.LastError, r.LastErrAt, r.NextRetry = "", nil, nil
	if err := putEndpoint(b, []byte(id), r); err != nil {
		return fmt.Errorf("advance outbox: %w", err)
	}
	if err := trim(tx.tx); err != nil {
		return fmt.Errorf("advance outbox: %w", err)
	}
	return nil
}

// SetOutboxError records endpoint id's last failure and when it retries
// (zero: not waiting).
func (tx *Tx) SetOutboxError(id, msg string, at, nextRetry time.Time) error {
	b, r, err := tx.endpoint(id)
	if err != nil {
		return fmt.Errorf("record outbox error: %w", err)
	}
	r.LastError, r.LastErrAt, r.NextRetry = msg, timePtr(at), timePtr(nextRetry)
	if msg == "" {
		r.LastErrAt = nil
	}
	return putEndpoint(b, []byte(id), r)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// OutboxStatus returns the state of the outbox and of each registered
// endpoint.
func (s *Store) OutboxStatus() (OutboxStatus, error) {
	st := OutboxStatus{Limit: s.limit(), Storage: s.Health()}
	err := s.view(func(tx *bolt.Tx) error {
		st.First, st.Last = seqRange(outboxBucket(tx, bucketOutboxEvents))
		counters := outboxBucket(tx, bucketOutboxCounters)
		for _, c := range []struct {
			key string
			n   *uint64
		}{{keyOutboxDropped, &st.Dropped}, {keyOutboxUnstored, &st.Unstored}, {keyOutboxExpired, &st.Expired}} {
			var err error
			if *c.n, err = readCounter(counters, c.key); err != nil {
				return err
			}
		}
		status := func(id []byte, r endpointRecord) EndpointStatus {
			e := EndpointStatus{
				ID: string(id), Name: r.Name, Cursor: r.Cursor, Queued: st.QueuedAfter(r.Cursor),
				Delivered: r.Delivered, Parked: r.Parked, Dropped: r.Dropped, LastError: r.LastError,
			}
			if r.LastErrAt != nil {
				e.LastErrAt = *r.LastErrAt
			}
			if r.NextRetry != nil {
				e.NextRetry = *r.NextRetry
			}
			if r.RetiredAt != nil {
				e.Queued = r.queued(st.First, st.Last)
				e.RetiredAt, e.DiscardAfter = *r.RetiredAt, r.RetiredAt.Add(RetiredRetention)
				e.NextRetry = time.Time{}
			}
			return e
		}
		var orders []int
		err := forEachEndpoint(tx, func(id []byte, r endpointRecord) error {
			i, _ := slices.BinarySearch(orders, r.Order)
			orders = slices.Insert(orders, i, r.Order)
			st.Endpoints = slices.Insert(st.Endpoints, i, status(id, r))
			return nil
		})
		if err != nil {
			return err
		}
		err = forEachRetired(tx, func(id []byte, r endpointRecord) error {
			st.Retired = append(st.Retired, status(id, r))
			return nil
		})
		slices.SortStableFunc(st.Retired, func(a, b EndpointStatus) int { return a.RetiredAt.Compare(b.RetiredAt) })
		return err
	})
	st.Unstored += s.health.pendingEvents()
	if err != nil {
		return OutboxStatus{}, fmt.Errorf("outbox status: %w", err)
	}
	return st, nil
}
