package analytics

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// desk is a morning on a desk, as events: a mix of every family.
func desk(b *Builder) []Event {
	cam := camera.Clone()
	four := cam.Clone()
	*four.PeopleCount = 4
	return []Event{
		b.DeviceAdded(headset, t0),
		b.DeviceAdded(camera, t0),
		b.PeopleCount(camera, t0),
		b.CallStarted(headset, t0.Add(time.Minute), "call-1"),
		b.PeopleCount(four, t0.Add(2*time.Minute)),
		b.CallEnded(headset, t0.Add(3*time.Minute), CallSummary{CallID: "call-1", Duration: 2 * time.Minute, MutePresses: ptr(1)}),
		b.CameraStreamingStarted(cam, t0.Add(4*time.Minute)),
		b.CameraStreamingEnded(cam, t0.Add(5*time.Minute), StreamingSummary{Duration: time.Minute, AtStart: ptr(3), AtEnd: ptr(4)}),
		b.DeviceAdded(other, t0.Add(6*time.Minute)),
		b.DeviceRemoved(headset, t0.Add(7*time.Minute)),
	}
}

func eventIDs(evs []Event, keep func(Event) bool) []string {
	var out []string
	for _, e := range evs {
		if keep == nil || keep(e) {
			out = append(out, e.EventID)
		}
	}
	return out
}

// TestDeliveryToTwoEndpoints is the acceptance test of issue 4 on loopback:
// endpoint A answers 503 three times, then 429 with Retry-After: 1, then 200;
// endpoint B refuses PeopleCount events with 400. Both get every event they
// should, in order, once; B's refusals are parked with the reason; the
// backoff and Retry-After are honoured.
func TestDeliveryToTwoEndpoints(t *testing.T) {
	a := newSink(t, func(n int, _ request) (int, http.Header, string) {
		switch {
		case n <= 3:
			return http.StatusServiceUnavailable, nil, "down for maintenance"
		case n == 4:
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}, ""
		}
		return http.StatusOK, nil, ""
	})
	b := newSink(t, func(_ int, r request) (int, http.Header, string) {
		if r.Type == TypePeopleCount {
			return http.StatusBadRequest, nil, "unknown event type\nPeopleCount"
		}
		return http.StatusAccepted, nil, ""
	})
	st := openStore(t)
	clk := newAutoClock()
	logs := &logBuffer{}
	u := startUploader(t, UploaderParams{
		Store: st, Endpoints: []string{a.URL + "/ev?Token=abc123", b.URL + "/api/in?k=v&Token=zzz"},
		Username: "desk-user", Password: "s3cret-pass", Clock: clk, Logger: logs.Logger(),
		Jitter: func() float64 { return 0 },
	})
	evs := desk(testBuilder())
	enqueueEvents(t, st, headset.Key(), evs[:4]...)
	enqueueEvents(t, st, camera.Key(), evs[4:]...)
	waitFor(t, "both endpoints drained", drained(t, u))

	if got, want := ids(a.Accepted()), eventIDs(evs, nil); !slices.Equal(got, want) {
		t.Errorf("A accepted\n %v\nwant\n %v", got, want)
	}
	if n := len(a.Requests()); n != len(evs)+4 {
		t.Errorf("A saw %d requests, want %d (4 refusals of the first event)", n, len(evs)+4)
	}
	notPeople := func(e Event) bool { return e.EventType != TypePeopleCount }
	if got, want := ids(b.Accepted()), eventIDs(evs, notPeople); !slices.Equal(got, want) {
		t.Errorf("B accepted\n %v\nwant\n %v", got, want)
	}
	// Every request: one event, JSON, the User-Agent, Basic auth and the
	// endpoint's own path and query.
	for _, s := range []struct {
		sink        *sink
		path, query string
	}{{a, "/ev", "Token=abc123"}, {b, "/api/in", "k=v&Token=zzz"}} {
		for _, r := range s.sink.Requests() {
			if r.UserAgent != "JabraLogging" || r.ContentType != "application/json" || r.User != "desk-user" ||
				r.Password != "s3cret-pass" || r.RawPath != s.path || r.Query != s.query || r.ID == "" {
				t.Errorf("request %+v", r)
				break
			}
		}
	}
	// A waited 1 s, 1 s, 2 s (backoff from 1 s, no jitter), then the 1 s
	// the 429 asked for.
	if got, want := clk.Waits(), []time.Duration{time.Second, time.Second, 2 * time.Second, time.Second}; !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	// Status: figures per endpoint, with B's parked events and reasons.
	waitFor(t, "cursors written and the outbox emptied", func() bool {
		os, _ := st.OutboxStatus()
		return os.Last == 0
	})
	sts := status(t, u)
	if len(sts) != 2 {
		t.Fatalf("status %+v", sts)
	}
	if s := sts[0]; s.Endpoint != a.URL+"/ev?Token=xxxxx" || s.Delivered != 10 || s.Queued != 0 || s.Parked != 0 || s.LastError != nil {
		t.Errorf("A: %+v", s)
	}
	if s := sts[1]; s.Delivered != 8 || s.Queued != 0 || s.Parked != 2 || s.Dropped != 0 {
		t.Errorf("B: %+v", s)
	}
	parked, err := u.Parked(sts[1].ID, 10)
	if err != nil || len(parked) != 2 {
		t.Fatalf("parked %+v, %v", parked, err)
	}
	for i, p := range parked {
		if p.EventType != TypePeopleCount || p.Reason != "400 Bad Request: unknown event type PeopleCount" {
			t.Errorf("parked %d: %+v", i, p)
		}
	}
	if strings.Contains(logs.String(), "s3cret-pass") || strings.Contains(logs.String(), "abc123") {
		t.Error("the log holds the password or the endpoint's token")
	}
}

// TestStatusWhileFailing shows the last error and the next retry, and
// RetryNow tries again without waiting.
func TestStatusWhileFailing(t *testing.T) {
	var mu sync.Mutex
	up := false
	a := newSink(t, func(int, request) (int, http.Header, string) {
		mu.Lock()
		defer mu.Unlock()
		if up {
			return 200, nil, ""
		}
		return http.StatusBadGateway, nil, "<html>\n<h1>Bad gateway</h1>\n</html>"
	})
	st := openStore(t)
	clk := clock.NewFake(t0)
	u := startUploader(t, UploaderParams{Store: st, Endpoints: []string{a.URL}, Clock: clk, Jitter: func() float64 { return 0 }})
	enqueueEvents(t, st, headset.Key(), testBuilder().DeviceAdded(headset, t0))
	waitFor(t, "the first failure", func() bool { return clk.Waiters() > 0 })
	s := status(t, u)[0]
	if s.LastError == nil || *s.LastError != "502 Bad Gateway: <html> <h1>Bad gateway</h1> </html>" || s.NextRetry == nil ||
		!s.NextRetry.Equal(t0.Add(time.Second)) || s.Queued != 1 {
		t.Fatalf("status while failing: %+v", s)
	}
	// The store has it too, for `earshot outbox` without an owner.
	fromStore, err := StatusFromStore(st, []string{a.URL})
	if err != nil || fromStore[0].LastError == nil || *fromStore[0].LastError != *s.LastError {
		t.Errorf("from the store: %+v, %v", fromStore, err)
	}
	clk.Advance(time.Second)
	waitFor(t, "the second failure", func() bool { return len(a.Requests()) == 2 && clk.Waiters() > 0 })
	mu.Lock()
	up = true
	mu.Unlock()
	u.RetryNow("")
	waitFor(t, "delivery after Retry now", drained(t, u))
	if s := status(t, u)[0]; s.LastError != nil || s.NextRetry != nil || s.Delivered != 1 {
		t.Errorf("after delivery: %+v", s)
	}
}

// TestMalformedEndpointSkipped: a malformed URL in ANALYTICSENDPOINT is
// reported with its source and skipped; the other endpoints still work.
func TestMalformedEndpointSkipped(t *testing.T) {
	good := newSink(t, nil)
	cfg, problems := config.Resolve([]config.Layer{{Source: "/etc/earshot/config.toml", Values: map[string]string{
		"ANALYTICSENDPOINT": "htp:/nowhere| " + good.URL + "/ev |ftp://files.example/x|https://",
	}}})
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, p.String())
	}
	if len(problems) != 3 {
		t.Fatalf("problems %q, want 3", msgs)
	}
	for _, m := range msgs {
		if !strings.HasPrefix(m, "config /etc/earshot/config.toml: ANALYTICSENDPOINT: ") || !strings.HasSuffix(m, "skipped") {
			t.Errorf("problem %q does not name its source and key", m)
		}
	}
	st := openStore(t)
	u := startUploader(t, UploaderParams{Store: st, Endpoints: cfg.AnalyticsEndpoints})
	evs := desk(testBuilder())
	enqueueEvents(t, st, headset.Key(), evs...)
	waitFor(t, "delivery to the good endpoint", drained(t, u))
	if got := ids(good.Accepted()); !slices.Equal(got, eventIDs(evs, nil)) {
		t.Errorf("accepted %v", got)
	}
}

// TestSlowEndpointDoesNotDelayOthers: one endpoint hangs on every request;
// the other receives everything meanwhile, and the hung one catches up
// once it answers.
func TestSlowEndpointDoesNotDelayOthers(t *testing.T) {
	release := make(chan struct{})
	slow := newSink(t, func(int, request) (int, http.Header, string) {
		<-release
		return 200, nil, ""
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	fast := newSink(t, nil)
	st := openStore(t)
	u := startUploader(t, UploaderParams{Store: st, Endpoints: []string{slow.URL, fast.URL}, RequestTimeout: time.Hour})
	evs := desk(testBuilder())
	start := time.Now()
	for _, e := range evs {
		enqueueEvents(t, st, headset.Key(), e)
	}
	waitFor(t, "the fast endpoint to have everything", func() bool { return len(fast.Accepted()) == len(evs) })
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the fast endpoint took %v", took)
	}
	if n := len(slow.Requests()); n != 1 {
		t.Errorf("the slow endpoint saw %d requests while hanging, want 1", n)
	}
	// The fast endpoint's sink counts an event before the uploader has
	// written its cursor: wait for the cursor, not for a moment.
	waitFor(t, "the fast endpoint's cursor", func() bool {
		s := status(t, u)
		return s[1].Queued == 0 && s[1].Delivered == uint64(len(evs))
	})
	if s := status(t, u); s[0].Queued != uint64(len(evs)) {
		t.Errorf("status %+v", s)
	}
	close(release)
	waitFor(t, "the slow endpoint to catch up", drained(t, u))
	if got := ids(slow.Accepted()); !slices.Equal(got, eventIDs(evs, nil)) {
		t.Errorf("slow accepted %v", got)
	}
}

// TestRetriedFailures covers the answers that are tried again: a timeout,
// a redirect (never followed), a 408 and a dead port, with the token never
// in the error.
func TestRetriedFailures(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + closed.Addr().String() + "/ev?Token=topsecret"
	closed.Close()
	for _, c := range []struct {
		name    string
		url     func(*sink) string
		answer  func(n int, r request) (int, http.Header, string)
		wantErr string
	}{
		{"timeout", nil, func(n int, _ request) (int, http.Header, string) {
			if n == 1 {
				time.Sleep(300 * time.Millisecond)
			}
			return 200, nil, ""
		}, "no answer within 50ms"},
		{"redirect", nil, func(n int, _ request) (int, http.Header, string) {
			if n == 1 {
				return http.StatusTemporaryRedirect, http.Header{"Location": {"https://elsewhere.example/ev?Token=t"}}, ""
			}
			return 200, nil, ""
		}, "307 Temporary Redirect (redirect to https://elsewhere.example/ev?Token=xxxxx not followed; correct ANALYTICSENDPOINT)"},
		{"408", nil, func(n int, _ request) (int, http.Header, string) {
			if n == 1 {
				return http.StatusRequestTimeout, nil, ""
			}
			return 200, nil, ""
		}, "408 Request Timeout"},
		{"dead port", func(*sink) string { return deadURL }, nil, "connection refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSink(t, c.answer)
			url := s.URL + "/ev?Token=topsecret"
			if c.url != nil {
				url = c.url(s)
			}
			st := openStore(t)
			clk := clock.NewFake(t0)
			logs := &logBuffer{}
			u := startUploader(t, UploaderParams{Store: st, Endpoints: []string{url}, Clock: clk,
				RequestTimeout: 50 * time.Millisecond, Logger: logs.Logger()})
			enqueueEvents(t, st, headset.Key(), testBuilder().DeviceAdded(headset, t0))
			waitFor(t, "a failure", func() bool { return clk.Waiters() > 0 })
			s0 := status(t, u)[0]
			if s0.LastError == nil || !strings.Contains(*s0.LastError, c.wantErr) || strings.Contains(*s0.LastError, "topsecret") {
				t.Fatalf("last error %v, want it to contain %q and no token", s0.LastError, c.wantErr)
			}
			if strings.Contains(logs.String(), "topsecret") {
				t.Error("the token is in the log")
			}
			if c.url != nil {
				return
			}
			clk.Advance(5 * time.Second)
			waitFor(t, "delivery on the retry", drained(t, u))
			if len(s.Accepted()) != 1 {
				t.Errorf("accepted %d", len(s.Accepted()))
			}
		})
	}
}

// TestRetryNowResendsParked: after the backend is fixed, Retry now delivers
// the parked events; Discard parked drops them.
func TestRetryNowResendsParked(t *testing.T) {
	var mu sync.Mutex
	refuse := true
	b := newSink(t, func(_ int, r request) (int, http.Header, string) {
		mu.Lock()
		defer mu.Unlock()
		if refuse && r.Type == TypePeopleCount {
			return http.StatusUnprocessableEntity, nil, "no"
		}
		return 200, nil, ""
	})
	st := openStore(t)
	u := startUploader(t, UploaderParams{Store: st, Endpoints: []string{b.URL}})
	evs := desk(testBuilder())
	enqueueEvents(t, st, headset.Key(), evs...)
	waitFor(t, "drained", drained(t, u))
	id := status(t, u)[0].ID
	if s := status(t, u)[0]; s.Parked != 2 {
		t.Fatalf("parked %d", s.Parked)
	}
	// Still refused: they stay parked, with the new reason.
	u.RetryNow(id)
	waitFor(t, "a second refusal of each", func() bool { return len(b.Requests()) == len(evs)+2 })
	mu.Lock()
	refuse = false
	mu.Unlock()
	u.RetryNow(id)
	waitFor(t, "parked events delivered", func() bool { return status(t, u)[0].Parked == 0 })
	if s := status(t, u)[0]; s.Delivered != uint64(len(evs)) {
		t.Errorf("delivered %d", s.Delivered)
	}
	if got := ids(b.Accepted()); !slices.Equal(got[len(got)-2:], eventIDs(evs, func(e Event) bool { return e.EventType == TypePeopleCount })) {
		t.Errorf("accepted %v", got)
	}
	// Discard.
	mu.Lock()
	refuse = true
	mu.Unlock()
	enqueueEvents(t, st, camera.Key(), testBuilder().PeopleCount(camera, t0))
	waitFor(t, "a new parked event", func() bool { return status(t, u)[0].Parked == 1 })
	if n, err := u.DiscardParked(context.Background(), id); n != 1 || err != nil {
		t.Fatalf("discard = %d, %v", n, err)
	}
	if s := status(t, u)[0]; s.Parked != 0 {
		t.Errorf("after discard: %+v", s)
	}
	if _, err := u.DiscardParked(context.Background(), "sha256:nope"); err == nil {
		t.Error("discarded for an unknown endpoint")
	}
}

// TestRestartResumes: cursors are written on shutdown, so a new uploader
// does not post again what was delivered; an endpoint removed from the
// configuration stops holding events back.
func TestRestartResumes(t *testing.T) {
	a := newSink(t, nil)
	st := openStore(t)
	evs := desk(testBuilder())
	u, err := NewUploader(context.Background(), UploaderParams{Store: st, Endpoints: []string{a.URL}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = u.Run(ctx); close(done) }()
	enqueueEvents(t, st, headset.Key(), evs[:5]...)
	waitFor(t, "first half", drained(t, u))
	cancel()
	<-done
	enqueueEvents(t, st, headset.Key(), evs[5:]...)
	dead := "http://127.0.0.1:1/ev"
	u2 := startUploader(t, UploaderParams{Store: st, Endpoints: []string{a.URL, a.URL, dead}, Clock: clock.NewFake(t0)})
	if n := len(status(t, u2)); n != 2 {
		t.Fatalf("a URL listed twice counts once: %d endpoints", n)
	}
	waitFor(t, "second half", func() bool { return len(a.Accepted()) == len(evs) })
	if got := ids(a.Accepted()); !slices.Equal(got, eventIDs(evs, nil)) {
		t.Errorf("accepted %v", got)
	}
	if s := status(t, u2); s[1].Queued != 0 || s[1].Delivered != 0 {
		// A new endpoint gets what is still queued: nothing, as a had it all
		// before dead was added… except what came while it was configured.
		t.Logf("dead endpoint: %+v", s[1])
	}
}

func TestNoEndpointsIsOff(t *testing.T) {
	st := openStore(t)
	u := startUploader(t, UploaderParams{Store: st})
	enqueueEvents(t, st, headset.Key(), testBuilder().DeviceAdded(headset, t0))
	if u.Enabled() {
		t.Error("enabled without endpoints")
	}
	if ok, err := u.Drained(); !ok || err != nil {
		t.Errorf("Drained() = %v, %v", ok, err)
	}
	if os, _ := st.OutboxStatus(); os.Last != 0 {
		t.Error("events were queued with analytics off")
	}
}

func TestEndpointIDHidesTheURL(t *testing.T) {
	id := EndpointID("https://user:pw@h.example/ev?Token=abc")
	if !strings.HasPrefix(id, "sha256:") || strings.Contains(id, "abc") || strings.Contains(id, "pw") {
		t.Errorf("EndpointID = %s", id)
	}
	if EndpointID("https://h.example/ev?Token=abc") == EndpointID("https://h.example/ev?Token=abd") {
		t.Error("different URLs share an id")
	}
}

// BenchmarkDrain10k posts 10 000 queued events to a loopback endpoint and
// reports the rate. Goal ≥ 1 000 events/s.
func BenchmarkDrain10k(b *testing.B) {
	const n = 10_000
	for range b.N {
		b.StopTimer()
		sink := newSink(b, nil)
		st := openStore(b)
		if _, err := st.SetOutboxEndpoints(context.Background(), []store.OutboxEndpoint{{ID: EndpointID(sink.URL), Name: sink.URL}}); err != nil {
			b.Fatal(err)
		}
		bl := testBuilder()
		batch := make([]Event, 0, 500)
		for i := range n {
			batch = append(batch, bl.DeviceAdded(headset, t0.Add(time.Duration(i)*time.Millisecond)))
			if len(batch) == cap(batch) {
				enqueueEvents(b, st, headset.Key(), batch...)
				batch = batch[:0]
			}
		}
		b.StartTimer()
		start := time.Now()
		u := startUploader(b, UploaderParams{Store: st, Endpoints: []string{sink.URL}})
		waitFor(b, "drained", drained(b, u))
		elapsed := time.Since(start)
		b.StopTimer()
		if got := len(sink.Accepted()); got != n {
			b.Fatalf("delivered %d", got)
		}
		b.ReportMetric(n/elapsed.Seconds(), "events/s")
		b.StartTimer()
	}
}

func ExampleEndpointID() {
	fmt.Println(EndpointID("https://a.example/ev")[:7])
	// Output: sha256:
}
