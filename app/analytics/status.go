package analytics

import (
	"time"

	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/store"
)

// EndpointStatus is what the outbox page and `earshot outbox` show of one
// endpoint. Its JSON is the `earshot outbox --json` shape of SPEC §10
// (Endpoint, Queued, Delivered, Parked, Dropped), plus the last error and the
// next retry.
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
}

// ParkedEvent is an event an endpoint refused, as the outbox page lists it.
type ParkedEvent struct {
	EventID   string
	EventType string
	Reason    string
	At        time.Time
}

// StatusFromStore reads the outbox status of the configured endpoints from
// the store alone, for `earshot outbox` when no Earshot runs. An endpoint
// not registered yet shows what it will be sent: every event queued.
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
		out = append(out, s)
	}
	return out, nil
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
		out = append(out, fromStore(e))
	}
	return out, nil
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
