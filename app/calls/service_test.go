package calls

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// reports collects what a Service reports, as "Kind id reason".
type reports struct {
	mu   sync.Mutex
	seen []string
	fail error // returned by the Report, when set
}

func (r *reports) report(_ *store.Tx, t Transition) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	id, reason := t.Call.CallID, t.Call.EndReason
	if t.Session.SessionID != "" {
		id, reason = t.Session.SessionID, t.Session.EndReason
	}
	r.seen = append(r.seen, strings.TrimSpace(fmt.Sprintf("%v %s %s", t.Kind, id, reason)))
	return nil
}

func (r *reports) lines() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.seen, "; ")
}

// newService returns a started service on st with CallIds c1, c2, … after
// prefix.
func newService(t *testing.T, st *store.Store, clk clock.Clock, r *reports, prefix string) *Service {
	t.Helper()
	n := 0
	s := NewService(ServiceParams{Store: st, Clock: clk, Report: r.report, Retention: DefaultRetention,
		NewID: func() string { n++; return fmt.Sprintf("%s%d", prefix, n) }})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// feed plays steps into s, stamping each event with t0 + its offset.
func feed(s *Service, steps ...step) {
	k := newDesk()
	for _, st := range steps {
		for _, e := range st.emit(k) {
			e.At = t0.Add(st.at)
			s.HandleEvent(e)
		}
	}
}

func callIDs(t *testing.T, h *History, f Filter) string {
	t.Helper()
	recs, err := h.Calls(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.CallID+"/"+r.CallEndReason)
	}
	return strings.Join(out, " ")
}

func TestServiceRecordsAndReports(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "earshot.db"))
	r := &reports{}
	s := newService(t, st, clock.NewFake(t0), r, "c")
	changes := 0
	var mu sync.Mutex
	s.Subscribe(func() { mu.Lock(); changes++; mu.Unlock() })
	feed(s, attach(0, "sp"), callStart(m, "sp"), press(90*time.Second, "sp", device.ButtonMute), callEnd(3*m, "sp"),
		attach(0, "cam"), stream(4*m, "cam", true), stream(5*m, "cam", false))
	s.Stop()
	if got, want := r.lines(), "CallStarted c1; CallEnded c1 Ended; CameraStreamingStarted c2; CameraStreamingEnded c2 Ended"; got != want {
		t.Errorf("reported %q, want %q", got, want)
	}
	recs, err := s.Calls(Filter{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("history %+v, %v", recs, err)
	}
	c := recs[0]
	if c.CallDurationMinutes != 2 || c.Mutes() != 1 || c.DeviceName != "Jabra Speak2 75" || c.ESN != "SP0001" || c.DeviceKey != "SP0001" {
		t.Errorf("call %+v", c)
	}
	if sess, _ := s.Sessions(Filter{}); len(sess) != 1 || sess[0].StreamingDurationMinutes != 1 {
		t.Errorf("sessions %+v", sess)
	}
	if days, _ := s.Days(Filter{}); len(days) != 1 || days[0].Calls != 1 || days[0].TalkTime != 2*m || days[0].Mutes != 1 {
		t.Errorf("days %+v", days)
	}
	if devs, _ := s.Devices(); len(devs) != 2 || devs[0].Name != "Jabra PanaCast 50" || devs[1].Name != "Jabra Speak2 75" {
		t.Errorf("devices %+v", devs)
	}
	mu.Lock()
	defer mu.Unlock()
	if changes != 4 {
		t.Errorf("%d change notifications, want one per transition (4)", changes)
	}
}

// TestServiceRollsBackWithTheEvent: a call record and its event are written
// together or not at all (house habit 9 in docs/ARCHITECTURE.md).
func TestServiceRollsBackWithTheEvent(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "earshot.db"))
	r := &reports{fail: errors.New("outbox full of bees")}
	s := newService(t, st, clock.NewFake(t0), r, "c")
	feed(s, attach(0, "sp"), callStart(m, "sp"), callEnd(3*m, "sp"))
	s.Stop()
	if got := callIDs(t, s.History, Filter{}); got != "" {
		t.Errorf("history %q although the events could not be queued", got)
	}
	if open, _ := st.OpenCalls(); len(open) != 0 {
		t.Errorf("open calls %+v", open)
	}
	// Not silently: both transitions are counted.
	if n := s.Unrecorded(); n != 2 {
		t.Errorf("Unrecorded = %d, want 2", n)
	}
}

func TestServiceRestartMidCall(t *testing.T) {
	tests := []struct {
		name       string
		crash      bool          // the first run ends without Stop
		checkpoint time.Duration // the first run checkpoints at this offset (0: none)
		wantFirst  string        // history after the first run, as seen by the second
		wantEnd    time.Duration // end of the call c1
		wantMutes  int           // mutes of c1 as last written
		wantReport string        // what the second run reports at start-up
	}{
		{
			name:  "a crash leaves the call open; the next start closes it at the last checkpoint",
			crash: true, checkpoint: 4 * m,
			wantFirst: "c1/Interrupted", wantEnd: 4 * m, wantMutes: 1,
			wantReport: "CallEnded c1 Interrupted",
		},
		{
			name:      "a crash before any checkpoint closes it as it started",
			crash:     true,
			wantFirst: "c1/Interrupted", wantEnd: m,
			wantReport: "CallEnded c1 Interrupted",
		},
		{
			name:      "a clean stop closes it then",
			wantFirst: "c1/EarshotStopped", wantEnd: 5 * m, wantMutes: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "earshot.db")
			st := openStore(t, path)
			clk := &manualClock{now: t0}
			first := newService(t, st, clk, &reports{}, "c")
			feed(first, attach(0, "sp"), callStart(m, "sp"), press(2*m, "sp", device.ButtonMute))
			if tt.checkpoint > 0 {
				clk.Set(t0.Add(tt.checkpoint))
				if err := first.Checkpoint(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			clk.Set(t0.Add(5 * m))
			if !tt.crash {
				first.Stop()
			} else {
				first.cancel() // the process dies: no Stop
				<-first.done
			}

			// Earshot starts again (the sim device is still in call).
			clk.Set(t0.Add(10 * m))
			r := &reports{}
			second := newService(t, st, clk, r, "d")
			if got := r.lines(); got != tt.wantReport {
				t.Errorf("start-up reported %q, want %q", got, tt.wantReport)
			}
			if got := callIDs(t, second.History, Filter{}); got != tt.wantFirst {
				t.Errorf("history %q, want %q", got, tt.wantFirst)
			}
			recs, _ := second.Calls(Filter{})
			if len(recs) == 1 && (!recs[0].End.Equal(t0.Add(tt.wantEnd)) || recs[0].Mutes() != tt.wantMutes) {
				t.Errorf("call ends %v with %d mutes, want %v and %d", recs[0].End, recs[0].Mutes(), t0.Add(tt.wantEnd), tt.wantMutes)
			}
			if open, _ := st.OpenCalls(); len(open) != 0 {
				t.Errorf("still open: %+v", open)
			}
			// The device, still in call, starts a new call in the new run.
			feed(second, callStartArrived(10*m, "sp"), callEnd(12*m, "sp"))
			second.Stop()
			if got := callIDs(t, second.History, Filter{}); got != "d1/Ended "+tt.wantFirst {
				t.Errorf("history after the second run %q", got)
			}
		})
	}
}

func TestServiceCheckpointsOnItsClock(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "earshot.db"))
	clk := clock.NewFake(t0)
	s := newService(t, st, clk, &reports{}, "c")
	defer s.Stop()
	feed(s, attach(0, "sp"), callStart(0, "sp"), attach(0, "cam"), stream(0, "cam", true))
	for i := 1; i <= 3; i++ {
		waitFor(t, func() bool { return clk.Waiters() == 1 })
		clk.Advance(CheckpointInterval)
		waitFor(t, func() bool {
			calls, err1 := st.OpenCalls()
			sessions, err2 := st.OpenCameraSessions()
			return err1 == nil && err2 == nil && len(calls) == 1 && len(sessions) == 1 &&
				calls[0].End.Equal(t0.Add(time.Duration(i)*CheckpointInterval)) &&
				sessions[0].End.Equal(t0.Add(time.Duration(i)*CheckpointInterval))
		})
	}
}

func TestServicePrunes(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "earshot.db"))
	for i, age := range []time.Duration{200 * 24 * time.Hour, 181 * 24 * time.Hour, 179*24*time.Hour + 12*time.Hour, time.Hour} {
		rec := store.CallRecord{CallID: fmt.Sprint("old", i), Device: store.HistoryDevice{Key: "SP0001"},
			Start: t0.Add(-age), End: t0.Add(-age + m), EndReason: store.EndNormal}
		if err := st.SaveCall(rec); err != nil {
			t.Fatal(err)
		}
	}
	clk := clock.NewFake(t0)
	s := newService(t, st, clk, &reports{}, "c")
	if got := callIDs(t, s.History, Filter{}); got != "old3/Ended old2/Ended" {
		t.Errorf("after start-up pruning: %q", got)
	}
	// A day later, on the service's clock, it prunes again.
	waitFor(t, func() bool { return clk.Waiters() == 1 })
	for range 24 * 60 {
		clk.Advance(CheckpointInterval)
		waitFor(t, func() bool { return clk.Waiters() == 1 })
	}
	s.Stop()
	if got := callIDs(t, s.History, Filter{}); got != "old3/Ended" {
		t.Errorf("a day later: %q", got)
	}
}

// manualClock is set by hand and never fires: the service's checkpoints run
// only when a test calls Checkpoint.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *manualClock) After(time.Duration) <-chan time.Time { return make(chan time.Time) }

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
