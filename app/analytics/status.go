package analytics

import (
	"context"
	"time"

	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/store"
)

// EndpointStatus is what the outbox page and `earshot outbox` show of one
// endpoint. Its JSON is the `earshot outbox --json` shape of docs/command-line.md
// (Endpoint, Queued, Delivered, Parked, Dropped), plus the last error, the
// next retry, whether the endpoint is still configured, and the outbox-wide
// figures of events the disk did not take.
type EndpointStatus struct {
	ID          string     `json:"-"`        // the outbox's key of the endpoint (EndpointID)
	Endpoint    string     `json:"Endpoint"` // credentials and query values masked
	Queued      uint64     `json:"Queued"`
	Delivered   uint64     `json:"Delivered"`
	Parked      uint64     `json:"Parked"`
	Dropped     uint64     `json:"Dropped"`
	LastError   *string    `json:"LastError"`   // null after a delivery
	LastErrorAt *time.Time `json:"LastErrorAt"` // null with LastError
	NextRetry   *time.Time `json:"NextRetry"`   // null unless waiting to retry
	// Configured is false for an endpoint no longer in ANALYTICSENDPOINT
	// that still holds events: they are kept, not sent, until a person
	// discards them, the endpoint is configured again, or DiscardAfter.
	Configured bool `json:"Configured"`
	// RetiredAt is when it left the configuration (null while configured,
	// and for one that leaves at the next start); DiscardAfter is RetiredAt
	// plus the retention (store.RetiredRetention, 30 days).
	RetiredAt    *time.Time `json:"RetiredAt"`
	DiscardAfter *time.Time `json:"DiscardAfter"`
	// NotStored and StorageError are outbox-wide, the same on every
	// endpoint: the events that could not be stored because the disk did
	// not take the write (in all), and the write failure going on now (null
	// when writes succeed).
	NotStored    uint64  `json:"NotStored"`
	StorageError *string `json:"StorageError"`
}

// Storage is the outbox-wide state the Outbox page shows above the
// endpoints: writes the disk refused and repairs of a damaged database.
type Storage struct {
	NotStored    uint64    // events that could not be stored, in all
	Expired      uint64    // events given up with an endpoint retired past the retention
	Failing      bool      // writes are failing now (a full disk)
	FailingSince time.Time // zero unless Failing
	LastError    string
	Repairs      []Repair // repairs since the start, oldest first
}

// Repair is one repair of a damaged database.
type Repair struct {
	At          time.Time
	Kept, Lost  int    // entries copied, entries (or damaged parts) left out
	DamagedPath string // the damaged file, kept
}

func storageOf(ob store.OutboxStatus) Storage {
	st := Storage{NotStored: ob.Unstored, Expired: ob.Expired, Failing: ob.Storage.Failing,
		FailingSince: ob.Storage.Since, LastError: ob.Storage.LastError}
	for _, r := range ob.Storage.Repairs {
		st.Repairs = append(st.Repairs, Repair{At: r.At, Kept: r.Kept, Lost: r.LostCount(), DamagedPath: r.DamagedPath})
	}
	return st
}

// withStorage sets the outbox-wide fields of every status.
func withStorage(sts []EndpointStatus, ob store.OutboxStatus) []EndpointStatus {
	for i := range sts {
		sts[i].NotStored = ob.Unstored
		if ob.Storage.Failing {
			msg := ob.Storage.LastError
			sts[i].StorageError = &msg
		}
	}
	return sts
}

// ParkedEvent is an event an endpoint refused, as the outbox page lists it.
type ParkedEvent struct {
	EventID   string
	EventType string
	Reason    string
	At        time.Time
}

// StatusFromStore reads the outbox status from the store alone, for
// `earshot outbox` when no Earshot runs: the configured endpoints (one not
// registered yet shows what it will be sent: every event queued), then
// those no longer configured that still hold events (Configured false).
func StatusFromStore(st *store.Store, endpoints []string) ([]EndpointStatus, error) {
	ob, err := st.OutboxStatus()
	if err != nil {
		return nil, err
	}
	byID := map[string]store.EndpointStatus{}
	for _, e := range ob.Endpoints {
		byID[e.ID] = e
	}
	out := []EndpointStatus{}
	seen := map[string]bool{}
	for _, raw := range endpoints {
		id := EndpointID(raw)
		if seen[id] {
			continue
		}
		seen[id] = true
		e, ok := byID[id]
		if !ok {
			e = store.EndpointStatus{ID: id, Queued: ob.QueuedAfter(0)}
		}
		s := fromStore(e)
		s.Endpoint = config.Redact(raw)
		s.Configured = true
		out = append(out, s)
	}
	// Registered by the last start but not configured here: the next start
	// retires them, keeping what they hold.
	for _, e := range ob.Endpoints {
		if !seen[e.ID] && (e.Queued > 0 || e.Parked > 0) {
			out = append(out, fromStore(e))
		}
	}
	for _, e := range ob.Retired {
		out = append(out, fromStore(e))
	}
	return withStorage(out, ob), nil
}

// StorageFromStore reads the outbox-wide state from the store alone.
func StorageFromStore(st *store.Store) (Storage, error) {
	ob, err := st.OutboxStatus()
	if err != nil {
		return Storage{}, err
	}
	return storageOf(ob), nil
}

func fromStore(e store.EndpointStatus) EndpointStatus {
	s := EndpointStatus{
		ID: e.ID, Endpoint: e.Name, Queued: e.Queued, Delivered: e.Delivered,
		Parked: e.Parked, Dropped: e.Dropped,
	}
	if e.LastError != "" {
		msg, at := e.LastError, e.LastErrAt
		s.LastError, s.LastErrorAt = &msg, &at
	}
	if !e.NextRetry.IsZero() {
		t := e.NextRetry
		s.NextRetry = &t
	}
	if !e.RetiredAt.IsZero() {
		at, until := e.RetiredAt, e.DiscardAfter
		s.RetiredAt, s.DiscardAfter = &at, &until
	}
	return s
}

// Status returns every endpoint's figures as they stand now: the store's,
// with the deliveries not yet written and the live error and retry time.
func (u *Uploader) Status() ([]EndpointStatus, error) {
	for _, ep := range u.eps {
		ep.wmu.Lock()
		defer ep.wmu.Unlock()
	}
	ob, err := u.p.Store.OutboxStatus()
	if err != nil {
		return nil, err
	}
	byID := map[string]store.EndpointStatus{}
	for _, e := range ob.Endpoints {
		byID[e.ID] = e
	}
	out := make([]EndpointStatus, 0, len(u.eps))
	for _, ep := range u.eps {
		e := byID[ep.id]
		e.ID, e.Name = ep.id, ep.name
		ep.mu.Lock()
		cursor := max(ep.cursor, e.Cursor)
		e.Delivered += ep.pending
		e.LastError, e.LastErrAt, e.NextRetry = ep.lastError, ep.lastErrAt, ep.nextRetry
		running := ep.running
		ep.mu.Unlock()
		if !running {
			e.NextRetry = time.Time{}
		}
		e.Queued = ob.QueuedAfter(cursor)
		s := fromStore(e)
		s.Configured = true
		out = append(out, s)
	}
	for _, e := range ob.Retired {
		out = append(out, fromStore(e))
	}
	return withStorage(out, ob), nil
}

// Storage returns the outbox-wide state: writes the disk refused, repairs.
func (u *Uploader) Storage() (Storage, error) { return StorageFromStore(u.p.Store) }

// DiscardRetired deletes, at a person's explicit request, the queue and
// parked events of the endpoint with the given ID that is no longer
// configured, and returns how many events that was.
func (u *Uploader) DiscardRetired(ctx context.Context, id string) (uint64, error) {
	q, p, err := u.p.Store.DiscardRetired(ctx, id)
	if err != nil {
		return 0, err
	}
	u.p.Logger.Info("queue of an endpoint no longer configured discarded", "endpoint", id, "queued", q, "parked", p)
	return q + p, nil
}

// Parked returns up to max events the endpoint with the given ID refused,
// oldest first.
func (u *Uploader) Parked(id string, max int) ([]ParkedEvent, error) {
	ps, err := u.p.Store.ParkedEvents(id, 0, max)
	if err != nil {
		return nil, err
	}
	out := make([]ParkedEvent, 0, len(ps))
	for _, p := range ps {
		pe := ParkedEvent{EventID: p.ID, EventType: p.Type, Reason: p.Reason, At: p.At}
		if p.Err != nil {
			pe.Reason += " (" + p.Err.Error() + ")"
		}
		out = append(out, pe)
	}
	return out, nil
}
