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
	"testing"
	"time"
)

// TestDrainBacklogAfterACrash: events queued while the endpoint is down
// survive kill -9; `service --exit-when-done` without a scenario (a
// scheduled task on a fleet PC) then exits 1 after --wait while the endpoint
// is still down, naming it and keeping every event, and exits 0 once the
// endpoint is up, having delivered every one of them.
func TestDrainBacklogAfterACrash(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	endpoint := "http://" + addr + "/ev"
	env := "EARSHOT_ANALYTICSENDPOINT=" + endpoint
	data := t.TempDir()
	scenario := filepath.Join(t.TempDir(), "desk.json")
	if err := os.WriteFile(scenario, []byte(thirdParty), 0o600); err != nil {
		t.Fatal(err)
	}

	// 1. An owner queues events for a dead endpoint, and is killed.
	owner := self(t, "service", "--data", data, "--sim", scenario)
	owner.Env = append(owner.Env, env)
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = owner.Process.Kill() })
	waitForSocket(t, data)
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, _ := outbox(t, data)
		if len(got) == 1 && got[0].Queued >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no events queued: %+v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := owner.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = owner.Wait()
	before, _ := outbox(t, data, env)
	if len(before) != 1 || before[0].Queued == 0 {
		t.Fatalf("after kill -9: %+v", before)
	}
	queued := before[0].Queued

	// 2. The endpoint is still down: exit 1 after --wait, nothing lost.
	pass := self(t, "service", "--exit-when-done", "--wait", "2s", "--data", data)
	pass.Env = append(pass.Env, env)
	var stderr bytes.Buffer
	pass.Stderr = &stderr
	start := time.Now()
	err = pass.Run()
	if code := exitCode(err); code != 1 {
		t.Fatalf("endpoint down: exit %d, want 1: %s", code, stderr.String())
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("gave up after %v, asked for 2s", took)
	}
	line := strings.TrimSpace(stderr.String())
	if !strings.Contains(line, endpoint) || strings.Count(line, "\n") != 0 {
		t.Errorf("want one line naming %s, got %q", endpoint, line)
	}
	after, _ := outbox(t, data, env)
	// The pass may queue events of its own (a call the crash left open ends
	// at start), never fewer.
	if len(after) != 1 || after[0].Queued < queued || after[0].Delivered != 0 {
		t.Fatalf("endpoint down: outbox %+v, want %d still queued", after, queued)
	}

	// 3. The endpoint is up: every queued event is delivered, exit 0.
	var mu sync.Mutex
	ids := map[string]bool{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ EventId string }
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		ids[ev.EventId] = true
		mu.Unlock()
	}))
	if srv.Listener, err = net.Listen("tcp", addr); err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	srv.Start()
	defer srv.Close()
	pass = self(t, "service", "--exit-when-done", "--wait", "60s", "--data", data)
	pass.Env = append(pass.Env, env)
	if out, err := pass.CombinedOutput(); err != nil {
		t.Fatalf("endpoint up: %v: %s", err, out)
	}
	final, _ := outbox(t, data, env)
	if len(final) != 1 || final[0].Queued != 0 || final[0].Delivered < queued {
		t.Errorf("endpoint up: outbox %+v, want all %d delivered", final, queued)
	}
	mu.Lock()
	defer mu.Unlock()
	if uint64(len(ids)) < queued {
		t.Errorf("the endpoint got %d distinct events, %d were queued", len(ids), queued)
	}
}
