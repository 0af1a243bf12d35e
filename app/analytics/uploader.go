package analytics

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/app/httpguard"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// UserAgent is the User-Agent of every analytics POST: backends recognise
// the Jabra Integration Service's events by it (docs/analytics.md).
const UserAgent = "JabraLogging"

// Defaults of UploaderParams.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultMinBackoff     = time.Second
	DefaultMaxBackoff     = 5 * time.Minute
)

// readBatch is how many events an endpoint reads from the outbox at a time.
const readBatch = 256

// storeTimeout bounds the uploader's waits for the store's writer.
const storeTimeout = 30 * time.Second

// UploaderParams are an Uploader's dependencies.
type UploaderParams struct {
	Store *store.Store
	// Endpoints are the URLs of ANALYTICSENDPOINT, already split on "|" and
	// checked (config.Config.AnalyticsEndpoints). None: analytics is off.
	Endpoints []string
	// Username and Password give HTTP Basic authentication when Username is
	// set. The password is never logged.
	Username, Password string
	// Client sends the POSTs. nil: a client that does not follow redirects.
	// Its own Timeout should be 0: RequestTimeout bounds each request.
	Client *http.Client
	// Clock times the backoff. Use real time even when devices run on a
	// scenario clock: backoff is about the network.
	Clock  clock.Clock
	Logger *slog.Logger
	// RequestTimeout bounds each POST (default 30 s).
	RequestTimeout time.Duration
	// MinBackoff and MaxBackoff bound the exponential backoff (1 s, 5 min).
	MinBackoff, MaxBackoff time.Duration
	// Jitter returns a number in [0, 1); nil is math/rand/v2.
	Jitter func() float64
}

// Uploader posts the outbox to every endpoint, one event per POST, in order
// per endpoint, each endpoint on its own goroutine with its own cursor, so a
// slow or dead endpoint never delays another (docs/analytics.md):
//   - 2xx: delivered; the endpoint's cursor moves on.
//   - 408, 429, 5xx, 3xx (redirects are not followed) and network errors:
//     the same event is tried again after an exponential backoff with
//     jitter from MinBackoff to MaxBackoff, or after Retry-After when the
//     answer has one.
//   - any other 4xx: the event is parked for that endpoint with the reason,
//     and the queue moves on.
//
// Delivery is at least once: a cursor is written to the store shortly after
// the 2xx (several deliveries share a write), so a crash can post the last
// few events again, with the same EventId.
type Uploader struct {
	p   UploaderParams
	eps []*endpoint
}

// endpoint is one URL's delivery state.
type endpoint struct {
	u        *Uploader
	id       string // store key: hash of the URL
	url      string
	name     string       // masked URL
	http     *http.Client // adds the credentials on this endpoint's origin only (httpguard)
	retryNow chan struct{}
	flush    chan struct{}

	// wmu is held across each write of deliveries (persist, park), so
	// Status never sees a delivery both pending and in the store.
	wmu sync.Mutex

	mu           sync.Mutex
	cursor       uint64 // last event delivered or parked, in memory
	pending      uint64 // deliveries not yet written to the store
	retryParked  bool
	lastError    string
	lastErrAt    time.Time
	nextRetry    time.Time
	attempt      int  // failed tries of the current event
	failing      bool // the last try failed (for logging transitions)
	running      bool
	flushRunning bool
}

// EndpointID is the key the outbox stores an endpoint under: a hash of its
// URL, so that neither tokens in the query nor credentials land in the
// database.
func EndpointID(rawURL string) string {
	sum := sha256.Sum256([]byte(rawURL))
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// NewUploader registers p.Endpoints with the outbox (an endpoint no longer
// configured keeps its queue and parked events, unsent, until a person
// discards them or store.RetiredRetention passes; that is logged) and
// returns an Uploader; Run starts it.
func NewUploader(ctx context.Context, p UploaderParams) (*Uploader, error) {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	if p.Client == nil {
		p.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if p.RequestTimeout <= 0 {
		p.RequestTimeout = DefaultRequestTimeout
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = DefaultMinBackoff
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = max(DefaultMaxBackoff, p.MinBackoff)
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	u := &Uploader{p: p}
	var reg []store.OutboxEndpoint
	seen := map[string]bool{}
	for _, raw := range p.Endpoints {
		id := EndpointID(raw)
		if seen[id] {
			p.Logger.Warn("analytics endpoint listed twice; posting once", "endpoint", config.Redact(raw))
			continue
		}
		seen[id] = true
		home, err := httpguard.NewHome(raw, p.Username, p.Password)
		if err != nil {
			return nil, fmt.Errorf("analytics endpoint %s: %w", config.Redact(raw), err)
		}
		ep := &endpoint{u: u, id: id, url: raw, name: config.Redact(raw), http: home.Client(p.Client),
			retryNow: make(chan struct{}, 1), flush: make(chan struct{}, 1)}
		u.eps = append(u.eps, ep)
		reg = append(reg, store.OutboxEndpoint{ID: id, Name: ep.name})
	}
	retired, err := p.Store.SetOutboxEndpoints(ctx, reg)
	if err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	for _, name := range retired {
		p.Logger.Warn("analytics endpoint no longer configured; its queued and parked events are kept until discarded (Outbox page, earshot outbox) or for the retention period",
			"endpoint", name, "retention", store.RetiredRetention)
	}
	st, err := p.Store.OutboxStatus()
	if err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	for _, e := range st.Endpoints {
		if ep := u.endpoint(e.ID); ep != nil {
			ep.cursor = e.Cursor
			ep.lastError, ep.lastErrAt = e.LastError, e.LastErrAt
		}
	}
	return u, nil
}

func (u *Uploader) endpoint(id string) *endpoint {
	for _, ep := range u.eps {
		if ep.id == id {
			return ep
		}
	}
	return nil
}

// Enabled tells whether any endpoint is configured.
func (u *Uploader) Enabled() bool { return len(u.eps) > 0 }

// Run delivers until ctx is done, then writes the cursors it has not
// written yet and returns.
func (u *Uploader) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { u.expireRetired(ctx) })
	for _, ep := range u.eps {
		ep.mu.Lock()
		ep.running = true
		ep.mu.Unlock()
		wg.Go(func() { ep.run(ctx) })
		wg.Go(func() { ep.flusher(ctx) })
	}
	wg.Wait()
	for _, ep := range u.eps {
		ep.persist(context.Background())
	}
	return nil
}

// expireInterval is how often Run gives up the queues of endpoints retired
// past store.RetiredRetention.
const expireInterval = time.Hour

// expireRetired gives up, every expireInterval, the queues of endpoints
// retired past the retention, logging each. The interval is only when to
// look, on real time; whether the retention has passed is the store's
// decision, on the store's clock.
func (u *Uploader) expireRetired(ctx context.Context) {
	tick := time.NewTicker(expireInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		names, err := u.p.Store.ExpireRetired(ctx)
		if err != nil {
			u.p.Logger.Error("expire retired analytics endpoints", "err", err)
		}
		for _, n := range names {
			u.p.Logger.Warn("queue of an endpoint no longer configured given up after the retention period", "endpoint", n, "retention", store.RetiredRetention)
		}
	}
}

// RetryNow makes the endpoint with the given ID (every endpoint when id is
// "") try again at once instead of waiting out its backoff, and post its
// parked events again: those delivered now leave the parked list.
func (u *Uploader) RetryNow(id string) {
	for _, ep := range u.eps {
		if id == "" || ep.id == id {
			ep.mu.Lock()
			ep.retryParked = true
			ep.mu.Unlock()
			select {
			case ep.retryNow <- struct{}{}:
			default:
			}
		}
	}
}

// DiscardParked deletes the parked events of the endpoint with the given ID
// and returns how many there were.
func (u *Uploader) DiscardParked(ctx context.Context, id string) (int, error) {
	ep := u.endpoint(id)
	if ep == nil {
		return 0, fmt.Errorf("discard parked events: no endpoint %s", id)
	}
	var n int
	err := u.p.Store.Write(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DiscardParked(id)
		return err
	})
	if err != nil {
		return 0, err
	}
	u.p.Logger.Info("parked analytics events discarded", "endpoint", ep.name, "count", n)
	return n, nil
}

// Drained tells whether every endpoint has had every queued event
// (delivered or parked).
func (u *Uploader) Drained() (bool, error) {
	st, err := u.p.Store.OutboxStatus()
	if err != nil {
		return false, err
	}
	for _, ep := range u.eps {
		ep.mu.Lock()
		c := ep.cursor
		ep.mu.Unlock()
		if st.QueuedAfter(c) > 0 {
			return false, nil
		}
	}
	return true, nil
}

// run is one endpoint's delivery loop.
func (ep *endpoint) run(ctx context.Context) {
	u := ep.u
	defer func() {
		ep.mu.Lock()
		ep.running = false
		ep.mu.Unlock()
	}()
	for ctx.Err() == nil {
		ep.mu.Lock()
		retryParked := ep.retryParked
		ep.retryParked = false
		cursor := ep.cursor
		ep.mu.Unlock()
		if retryParked {
			ep.resendParked(ctx)
		}
		changed := u.p.Store.OutboxChanged()
		batch, err := u.p.Store.OutboxEvents(cursor, readBatch)
		if err != nil {
			u.p.Logger.Error("read the analytics outbox", "endpoint", ep.name, "err", err)
			if !ep.wait(ctx, u.p.MaxBackoff) {
				return
			}
			continue
		}
		if len(batch) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-changed:
			case <-ep.retryNow:
			}
			continue
		}
		for _, q := range batch {
			if !ep.deliver(ctx, q) {
				return
			}
		}
	}
}

// deliver posts q until it is delivered or parked; false when ctx ended
// first.
func (ep *endpoint) deliver(ctx context.Context, q store.QueuedEvent) bool {
	u := ep.u
	if q.Err != nil {
		ep.park(ctx, q, "cannot be read from the outbox: "+q.Err.Error(), 0)
		return true
	}
	for {
		res := ep.post(ctx, q.OutboxEvent)
		switch {
		case ctx.Err() != nil:
			return false
		case res.delivered:
			ep.delivered(q.Seq)
			return true
		case res.refused:
			u.p.Logger.Warn("analytics event refused; parked", "endpoint", ep.name,
				"event", q.ID, "type", q.Type, "reason", res.reason)
			ep.park(ctx, q, res.reason, res.status)
			return true
		}
		delay := ep.failed(ctx, res)
		if !ep.wait(ctx, delay) {
			return false
		}
	}
}

// result is the outcome of one POST.
type result struct {
	delivered  bool
	refused    bool // a 4xx other than 408 and 429: park
	status     int
	reason     string // for a refusal or a failure, one line
	retryAfter time.Duration
	hasAfter   bool
}

// post sends one event.
func (ep *endpoint) post(ctx context.Context, e store.OutboxEvent) result {
	u := ep.u
	rctx, cancel := context.WithTimeout(ctx, u.p.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, ep.url, bytes.NewReader(e.Body))
	if err != nil {
		return result{refused: true, reason: "cannot build the request: " + maskURLError(err, ep.name)}
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Content-Type", "application/json")
	resp, err := ep.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return result{reason: fmt.Sprintf("no answer within %s", u.p.RequestTimeout)}
		}
		return result{reason: maskURLError(err, ep.name)}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	res := result{status: resp.StatusCode, reason: statusLine(resp, snippet)}
	res.retryAfter, res.hasAfter = parseRetryAfter(resp.Header.Get("Retry-After"), u.p.Clock.Now())
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		res.delivered = true
	case c >= 300 && c < 400:
		res.reason += " (redirect to " + config.Redact(resp.Header.Get("Location")) + " not followed; correct ANALYTICSENDPOINT)"
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests:
	case c >= 400 && c < 500:
		res.refused = true
	}
	return res
}

// statusLine is "503 Service Unavailable" plus the start of the body, on one
// line.
func statusLine(resp *http.Response, body []byte) string {
	s := resp.Status
	if s == "" {
		s = fmt.Sprint(resp.StatusCode)
	}
	b := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "?")), " ")
	if len(b) > 200 {
		b = b[:200] + "…"
	}
	if b != "" {
		s += ": " + b
	}
	return s
}

// maskURLError renders an HTTP client error without the URL it carries
// (which may hold a token), naming the endpoint by its masked name.
func maskURLError(err error, name string) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Sprintf("%s %s: %v", ue.Op, name, ue.Err)
	}
	return err.Error()
}

// failed records a failed try and returns how long to wait before the next.
func (ep *endpoint) failed(ctx context.Context, res result) time.Duration {
	u := ep.u
	now := u.p.Clock.Now()
	ep.mu.Lock()
	ep.attempt++
	delay := u.backoff(ep.attempt)
	if res.hasAfter {
		delay = max(res.retryAfter, u.p.MinBackoff)
	}
	first := !ep.failing
	ep.failing = true
	ep.lastError, ep.lastErrAt, ep.nextRetry = res.reason, now, now.Add(delay)
	attempt := ep.attempt
	ep.mu.Unlock()
	if first {
		u.p.Logger.Warn("analytics endpoint failing; retrying with backoff", "endpoint", ep.name, "err", res.reason, "retryIn", delay)
	} else {
		u.p.Logger.Debug("analytics endpoint still failing", "endpoint", ep.name, "err", res.reason, "attempt", attempt, "retryIn", delay)
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := u.p.Store.Write(wctx, func(tx *store.Tx) error {
		return tx.SetOutboxError(ep.id, res.reason, now, now.Add(delay))
	}); err != nil {
		u.p.Logger.Error("record analytics endpoint error", "endpoint", ep.name, "err", err)
	}
	return delay
}

// backoff is the wait after the n-th failed try in a row: MinBackoff·2ⁿ⁻¹
// capped at MaxBackoff, jittered into its upper half, never under
// MinBackoff.
func (u *Uploader) backoff(n int) time.Duration {
	d := u.p.MinBackoff
	for i := 1; i < n && d < u.p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, u.p.MaxBackoff)
	j := d/2 + time.Duration(u.p.Jitter()*float64(d/2))
	return max(j, u.p.MinBackoff)
}

// wait waits d on the uploader's clock, or less when RetryNow is called;
// false when ctx ended.
func (ep *endpoint) wait(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-ep.u.p.Clock.After(d):
	case <-ep.retryNow:
	}
	ep.mu.Lock()
	ep.nextRetry = time.Time{}
	ep.mu.Unlock()
	return true
}

// delivered moves the cursor past seq in memory; the flusher writes it.
func (ep *endpoint) delivered(seq uint64) {
	ep.mu.Lock()
	ep.cursor = max(ep.cursor, seq)
	ep.pending++
	ep.attempt = 0
	ep.lastError, ep.lastErrAt, ep.nextRetry = "", time.Time{}, time.Time{}
	recovered := ep.failing
	ep.failing = false
	ep.mu.Unlock()
	if recovered {
		ep.u.p.Logger.Info("analytics endpoint delivering again", "endpoint", ep.name)
	}
	select {
	case ep.flush <- struct{}{}:
	default:
	}
}

// flusher writes the cursor after deliveries, one write at a time, so
// deliveries that happen during a write share the next one.
func (ep *endpoint) flusher(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ep.flush:
			ep.persist(ctx)
		}
	}
}

// persist writes the in-memory cursor and delivery count.
func (ep *endpoint) persist(ctx context.Context) {
	ep.wmu.Lock()
	defer ep.wmu.Unlock()
	ep.mu.Lock()
	cursor, n := ep.cursor, ep.pending
	ep.pending = 0
	ep.mu.Unlock()
	if n == 0 {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	err := ep.u.p.Store.Write(wctx, func(tx *store.Tx) error { return tx.AdvanceOutbox(ep.id, cursor, n) })
	if err != nil {
		ep.u.p.Logger.Error("record analytics delivery", "endpoint", ep.name, "err", err)
		ep.mu.Lock()
		ep.pending += n
		ep.mu.Unlock()
	}
}

// park stores q as refused by this endpoint and moves the cursor past it,
// with the deliveries before it, in one write.
func (ep *endpoint) park(ctx context.Context, q store.QueuedEvent, reason string, status int) {
	u := ep.u
	now := u.p.Clock.Now()
	ep.wmu.Lock()
	defer ep.wmu.Unlock()
	ep.mu.Lock()
	ep.cursor = max(ep.cursor, q.Seq)
	cursor, n := ep.cursor, ep.pending
	ep.pending = 0
	ep.attempt = 0
	ep.failing = false
	ep.lastError, ep.lastErrAt, ep.nextRetry = "", time.Time{}, time.Time{}
	ep.mu.Unlock()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	err := u.p.Store.Write(wctx, func(tx *store.Tx) error {
		if err := tx.Park(ep.id, q, reason, status, now); err != nil {
			return err
		}
		return tx.AdvanceOutbox(ep.id, cursor, n)
	})
	if err != nil {
		u.p.Logger.Error("park analytics event", "endpoint", ep.name, "event", q.ID, "err", err)
		ep.mu.Lock()
		ep.pending += n
		ep.mu.Unlock()
	}
}

// resendParked posts the endpoint's parked events once more, oldest first:
// a delivered one leaves the list, a refused one stays with the new reason,
// and a failure stops the round (the events stay parked).
func (ep *endpoint) resendParked(ctx context.Context) {
	u := ep.u
	var after uint64
	for {
		parked, err := u.p.Store.ParkedEvents(ep.id, after, readBatch)
		if err != nil {
			u.p.Logger.Error("read parked analytics events", "endpoint", ep.name, "err", err)
			return
		}
		if len(parked) == 0 {
			return
		}
		for _, p := range parked {
			after = p.Seq
			if p.Err != nil {
				continue
			}
			res := ep.post(ctx, p.OutboxEvent)
			if ctx.Err() != nil {
				return
			}
			var werr error
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
			switch {
			case res.delivered:
				werr = u.p.Store.Write(wctx, func(tx *store.Tx) error { return tx.Unpark(ep.id, p.Seq) })
			case res.refused:
				q := store.QueuedEvent{Seq: p.Seq, OutboxEvent: p.OutboxEvent}
				werr = u.p.Store.Write(wctx, func(tx *store.Tx) error {
					return tx.Park(ep.id, q, res.reason, res.status, u.p.Clock.Now())
				})
			default:
				cancel()
				u.p.Logger.Info("retry of parked analytics events stopped", "endpoint", ep.name, "err", res.reason)
				return
			}
			cancel()
			if werr != nil {
				u.p.Logger.Error("record retried analytics event", "endpoint", ep.name, "event", p.ID, "err", werr)
				return
			}
		}
	}
}
