package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// outboxJSON is `earshot outbox --json`.
type outboxJSON []struct {
	Endpoint                           string
	Queued, Delivered, Parked, Dropped uint64
	LastError                          *string
	NextRetry                          *time.Time
}

// collector is a loopback analytics endpoint that keeps the event types it
// accepted, refusing PeopleCount with 400.
type collector struct {
	*httptest.Server
	mu    sync.Mutex
	types []string
	ua    string
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ EventType string }
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &ev)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.ua = r.UserAgent()
		if ev.EventType == "PeopleCount" {
			http.Error(w, "no people here", http.StatusBadRequest)
			return
		}
		c.types = append(c.types, ev.EventType)
	}))
	t.Cleanup(c.Close)
	return c
}

func outbox(t *testing.T, data string, environ ...string) (outboxJSON, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"outbox", "--json", "--data", data}, &stdout, &stderr, environ); code != 0 {
		t.Fatalf("outbox --json: exit %d: %s", code, stderr.String())
	}
	var out outboxJSON
	mustDecode(t, stdout.String(), &out)
	return out, stdout.String()
}

// TestOutboxCommand plays a scenario headless against a loopback endpoint
// and a malformed one: the service reports the bad URL and skips it,
// delivers to the good one, parks what it refuses, and exits only once the
// outbox is drained; `earshot outbox` then shows the figures, masked.
func TestOutboxCommand(t *testing.T) {
	data := t.TempDir()
	// Analytics off: an empty array, and one line of text.
	if got, raw := outbox(t, data); len(got) != 0 || strings.TrimSpace(raw) != "[]" {
		t.Fatalf("with no endpoint: %s", raw)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"outbox", "--data", data}, &stdout, &stderr, nil); code != 0 || !strings.Contains(stdout.String(), "Analytics is off") {
		t.Fatalf("outbox: exit %d: %s%s", code, stdout.String(), stderr.String())
	}

	col := newCollector(t)
	scenario := filepath.Join(t.TempDir(), "desk.json")
	if err := os.WriteFile(scenario, []byte(thirdParty), 0o600); err != nil {
		t.Fatal(err)
	}
	endpoints := "EARSHOT_ANALYTICSENDPOINT=htp:/broken|" + col.URL + "/ev?Token=s3cret"
	svc := self(t, "service", "--data", data, "--sim", scenario, "--exit-when-done")
	svc.Env = append(svc.Env, endpoints, "EARSHOT_PEOPLECOUNTHEARTBEATINTERVALMINUTES=0")
	out, err := svc.CombinedOutput()
	if err != nil {
		t.Fatalf("service: %v: %s", err, out)
	}
	mustContain(t, string(out), "environment: ANALYTICSENDPOINT: \"htp:/broken\" is not an http or https URL, skipped")

	col.mu.Lock()
	types := strings.Join(col.types, " ")
	ua := col.ua
	col.mu.Unlock()
	// The scenario's devices at start, the one that leaves at time zero, the
	// camera attached later and the headset detached (CallStatus comes from
	// the call service).
	for _, want := range []string{"DeviceAdded", "OtherDeviceAdded", "DeviceRemoved", "CameraDeviceAdded"} {
		if !strings.Contains(types, want) {
			t.Errorf("the endpoint got %q, no %s", types, want)
		}
	}
	if ua != "JabraLogging" {
		t.Errorf("User-Agent %q", ua)
	}

	got, raw := outbox(t, data, endpoints)
	if len(got) != 1 {
		t.Fatalf("outbox: %s", raw)
	}
	e := got[0]
	if e.Endpoint != col.URL+"/ev?Token=xxxxx" || e.Queued != 0 || e.Delivered == 0 || e.Dropped != 0 || e.LastError != nil {
		t.Errorf("outbox after the run: %s", raw)
	}
	if strings.Contains(raw, "s3cret") {
		t.Error("the token is printed")
	}
	stdout.Reset()
	if code := run([]string{"outbox", "--data", data}, &stdout, &stderr, []string{endpoints}); code != 0 {
		t.Fatalf("outbox: exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"ENDPOINT", "QUEUED", "DELIVERED", "PARKED", "DROPPED", "LAST ERROR", col.URL + "/ev?Token=xxxxx"} {
		mustContain(t, stdout.String(), want)
	}
}

// TestOutboxFromTheOwner: with a dead endpoint the service keeps its
// events (and does not exit, though asked to when done); `earshot outbox`
// asks it over the socket and sees them queued with the error.
func TestOutboxFromTheOwner(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/ev"
	ln.Close()
	data := t.TempDir()
	scenario := filepath.Join(t.TempDir(), "desk.json")
	if err := os.WriteFile(scenario, []byte(thirdParty), 0o600); err != nil {
		t.Fatal(err)
	}
	owner := self(t, "service", "--data", data, "--sim", scenario, "--exit-when-done")
	owner.Env = append(owner.Env, "EARSHOT_ANALYTICSENDPOINT="+dead)
	var ownerErr bytes.Buffer
	owner.Stderr = &ownerErr
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- owner.Wait() }()
	t.Cleanup(func() { _ = owner.Process.Kill() })
	waitForSocket(t, data)
	deadline := time.Now().Add(20 * time.Second)
	var got outboxJSON
	for {
		got, _ = outbox(t, data)
		if len(got) == 1 && got[0].Queued > 0 && got[0].LastError != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the owner never reported queued events with an error: %+v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got[0].Endpoint != dead || !strings.Contains(*got[0].LastError, "connection refused") || got[0].NextRetry == nil {
		t.Errorf("outbox from the owner: %+v", got[0])
	}
	select {
	case err := <-exited:
		t.Fatalf("the service exited with its outbox undrained: %v: %s", err, ownerErr.String())
	case <-time.After(1500 * time.Millisecond):
	}
	if err := owner.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		t.Fatalf("after SIGTERM: %v: %s", err, ownerErr.String())
	}
	// The events wait in the database for the next start.
	got, _ = outbox(t, data, "EARSHOT_ANALYTICSENDPOINT="+dead)
	if len(got) != 1 || got[0].Queued == 0 {
		t.Errorf("after the owner stopped: %+v", got)
	}
}
