package analytics

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/earshot-app/earshot/store"
)

// TestMain lets TestCrashLosesNothing run this test binary as the process it
// kills: with EARSHOT_CRASH_CHILD set, the binary is that child.
func TestMain(m *testing.M) {
	if mode := os.Getenv("EARSHOT_CRASH_CHILD"); mode != "" {
		os.Exit(crashChild(mode, os.Getenv("EARSHOT_CRASH_DB"), os.Getenv("EARSHOT_CRASH_URL")))
	}
	os.Exit(m.Run())
}

// crashChild is the killed process. "queue": queue events from 8
// goroutines while the uploader delivers to a flaky endpoint, printing each
// EventId once its Write is committed, until killed. "deliver": open the
// database after the crash, check it, deliver everything, print DRAINED.
func crashChild(mode, dbPath, endpoint string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 1
	}
	st, err := store.Open(dbPath, store.Options{})
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		return fail(fmt.Errorf("the database is damaged: %w", err))
	}
	u, err := NewUploader(context.Background(), UploaderParams{
		Store: st, Endpoints: []string{endpoint}, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	})
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = u.Run(ctx) }()
	switch mode {
	case "queue":
		b := NewBuilder(BuilderParams{ClientVersion: "crash", System: testSystem})
		var mu sync.Mutex
		out := bufio.NewWriter(os.Stdout)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for i := 0; ; i++ {
					e := b.DeviceAdded(headset, t0.Add(time.Duration(i)*time.Millisecond))
					ob, err := e.Outbox()
					if err != nil {
						panic(err)
					}
					if err := st.Write(ctx, func(tx *store.Tx) error { return Enqueue(tx, headset.Key(), ob) }); err != nil {
						panic(err)
					}
					mu.Lock()
					fmt.Fprintln(out, e.EventID)
					out.Flush()
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	case "deliver":
		for {
			ok, err := u.Drained()
			if err != nil {
				return fail(err)
			}
			if ok {
				fmt.Println("DRAINED")
				return 0
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return fail(fmt.Errorf("unknown mode %q", mode))
}

// TestCrashLosesNothing queues events while the endpoint mostly fails,
// kills the process with SIGKILL mid-run, restarts it, and checks that
// every event whose Write had returned is delivered, at least once and
// with its EventId, and that the database opens cleanly.
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs subprocesses")
	}
	var up atomic.Bool
	var mu sync.Mutex
	got := map[string]int{}
	n := 0
	srv := newSink(t, func(_ int, r request) (int, http.Header, string) {
		mu.Lock()
		defer mu.Unlock()
		n++
		if !up.Load() && n%3 != 0 {
			return http.StatusServiceUnavailable, nil, ""
		}
		got[r.ID]++
		return http.StatusOK, nil, ""
	})
	db := filepath.Join(t.TempDir(), "earshot.db")
	child := func(mode string) *exec.Cmd {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "EARSHOT_CRASH_CHILD="+mode, "EARSHOT_CRASH_DB="+db, "EARSHOT_CRASH_URL="+srv.URL+"/ev")
		cmd.Stderr = os.Stderr
		return cmd
	}

	// Run 1: queue, deliver some, die mid-run.
	q := child("queue")
	stdout, err := q.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(stdout)
	deadline := time.Now().Add(60 * time.Second)
	for sc.Scan() {
		acked = append(acked, sc.Text())
		mu.Lock()
		delivered := len(got)
		mu.Unlock()
		if len(acked) >= 1500 && delivered >= 20 || time.Now().After(deadline) {
			break
		}
	}
	if err := q.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stdout)
	_ = q.Wait()
	// Lines the child finished before it died count; a torn last line does not.
	lines := strings.Split(string(rest), "\n")
	acked = append(acked, lines[:len(lines)-1]...)
	mu.Lock()
	before := len(got)
	mu.Unlock()
	if len(acked) < 1500 {
		t.Fatalf("only %d events were queued before the deadline", len(acked))
	}
	t.Logf("killed after %d committed events, %d delivered", len(acked), before)

	// Run 2: the endpoint is back; a new process delivers the rest.
	up.Store(true)
	d := child("deliver")
	out, err := d.Output()
	if err != nil || !strings.Contains(string(out), "DRAINED") {
		t.Fatalf("restart: %v: %s", err, out)
	}

	mu.Lock()
	defer mu.Unlock()
	lost, dup := 0, 0
	for _, id := range acked {
		switch got[id] {
		case 0:
			lost++
			if lost <= 5 {
				t.Errorf("event %s was committed but never delivered", id)
			}
		case 1:
		default:
			dup++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d committed events lost", lost, len(acked))
	}
	t.Logf("%d events delivered; %d delivered twice (at least once, same EventId)", len(got), dup)

	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Fatalf("database after the crash: %v", err)
	}
}
