package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/store"
)

// autoClock fires every After at once, moving its time forward by the
// wait, and records the waits: backoff becomes instant and checkable.
type autoClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func newAutoClock() *autoClock { return &autoClock{now: t0} }

func (c *autoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *autoClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	c.mu.Unlock()
	return ch
}

func (c *autoClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// request is one POST an endpoint saw.
type request struct {
	ID, Type                string
	UserAgent, ContentType  string
	User, Password, RawPath string
	Query                   string
	Body                    []byte
}

// sink is a loopback analytics endpoint. answer decides each response
// (nil: 200); n counts the requests so far, from 1.
type sink struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
	accepted []request
	answer   func(n int, r request) (status int, header http.Header, body string)
}

func newSink(t testing.TB, answer func(n int, r request) (int, http.Header, string)) *sink {
	s := &sink{answer: answer}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev struct{ EventId, EventType string }
		_ = json.Unmarshal(body, &ev)
		user, pass, _ := r.BasicAuth()
		req := request{ID: ev.EventId, Type: ev.EventType, UserAgent: r.UserAgent(), ContentType: r.Header.Get("Content-Type"),
			User: user, Password: pass, RawPath: r.URL.Path, Query: r.URL.RawQuery, Body: body}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		n := len(s.requests)
		s.mu.Unlock()
		status, header, text := 200, http.Header(nil), ""
		if s.answer != nil {
			status, header, text = s.answer(n, req)
		}
		for k, vs := range header {
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
		if status >= 200 && status < 300 {
			s.mu.Lock()
			s.accepted = append(s.accepted, req)
			s.mu.Unlock()
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sink) Accepted() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.accepted...)
}

func (s *sink) Requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.requests...)
}

func ids(rs []request) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// enqueueEvents queues evs (about devices by their keys) in one write.
func enqueueEvents(t testing.TB, st *store.Store, deviceKey string, evs ...Event) {
	t.Helper()
	obs := make([]store.OutboxEvent, len(evs))
	for i, e := range evs {
		ob, err := e.Outbox()
		if err != nil {
			t.Fatal(err)
		}
		obs[i] = ob
	}
	if err := st.Write(context.Background(), func(tx *store.Tx) error { return Enqueue(tx, deviceKey, obs...) }); err != nil {
		t.Fatal(err)
	}
}

// startUploader builds and runs an uploader until the test ends.
func startUploader(t testing.TB, p UploaderParams) *Uploader {
	t.Helper()
	u, err := NewUploader(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = u.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return u
}

// waitFor polls cond for up to 20 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func drained(t testing.TB, u *Uploader) func() bool {
	return func() bool {
		ok, err := u.Drained()
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
}

func status(t testing.TB, u *Uploader) []EndpointStatus {
	t.Helper()
	st, err := u.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// logBuffer is a logger whose output a test can read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
