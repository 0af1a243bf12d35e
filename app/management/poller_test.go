package management

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
)

// scripted is a Fetcher and an AnswerApplier that records what it is asked.
type scripted struct {
	mu      sync.Mutex
	fetches []string // ESN at clock time, "ESN@minutes"
	fail    int      // fail this many fetches first
	applied int
	clk     *clock.Fake
	t0      time.Time
	// gate, when set before the poller starts, holds every fetch until it
	// is closed, so a test can see the poller busy whatever the timing.
	gate chan struct{}
}

func (s *scripted) Fetch(_ context.Context, d device.Device) (Answer, error) {
	if s.gate != nil {
		<-s.gate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches = append(s.fetches, d.ESN+"@"+s.clk.Now().Sub(s.t0).String())
	if s.fail > 0 {
		s.fail--
		return Answer{}, errors.New("connection refused")
	}
	return Answer{Settings: map[string]string{}}, nil
}

func (s *scripted) Apply(context.Context, device.Device, Answer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applied++
	return nil
}

func (s *scripted) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.fetches...)
}

type devs map[string]device.Device

func (d devs) Device(id string) (device.Device, bool) { x, ok := d[id]; return x, ok }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestPoller(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	clk := clock.NewFake(t0)
	s := &scripted{clk: clk, t0: t0, fail: 0, gate: make(chan struct{})}
	busylight := device.Device{Info: device.Info{ID: "bl1", Kind: device.KindBusylight, ESN: "BL"}}
	noESN := device.Device{Info: device.Info{ID: "x", Kind: device.KindHeadset}}
	p := NewPoller(PollerParams{Fetcher: s, Applier: s, Devices: devs{"hs1": headset}, Clock: clk,
		Interval: 60 * time.Minute, Jitter: func(d time.Duration) time.Duration { return d }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.Start(ctx)
	defer p.Stop()

	for _, d := range []device.Device{busylight, noESN} {
		p.HandleEvent(device.Event{Type: device.Arrived, Device: d})
	}
	p.HandleEvent(device.Event{Type: device.Arrived, Device: headset})
	if !p.Busy() {
		t.Fatal("not busy right after an arrival")
	}
	close(s.gate) // the first fetch may go on now, and every later one
	waitFor(t, "the first poll", func() bool { return !p.Busy() })
	if got := s.got(); len(got) != 1 || got[0] != "501AA5D6337F@0s" {
		t.Fatalf("fetches = %v", got)
	}
	// The interval.
	waitFor(t, "the poller to wait", func() bool { return clk.Waiters() == 1 })
	clk.Advance(59 * time.Minute)
	if len(s.got()) != 1 {
		t.Fatal("asked before the interval")
	}
	s.mu.Lock()
	s.fail = 2
	s.mu.Unlock()
	clk.Advance(time.Minute)
	waitFor(t, "the second poll", func() bool { return len(s.got()) == 2 && !p.Busy() })
	// Two failures: back off 1 minute, then 2.
	waitFor(t, "the poller to wait", func() bool { return clk.Waiters() == 1 })
	clk.Advance(time.Minute)
	waitFor(t, "the first retry", func() bool { return len(s.got()) == 3 && !p.Busy() })
	waitFor(t, "the poller to wait", func() bool { return clk.Waiters() == 1 })
	clk.Advance(time.Minute)
	if len(s.got()) != 3 {
		t.Fatal("the backoff did not double")
	}
	clk.Advance(time.Minute)
	waitFor(t, "the second retry", func() bool { return len(s.got()) == 4 && !p.Busy() })
	// Arriving again asks at once.
	p.HandleEvent(device.Event{Type: device.Arrived, Device: headset})
	waitFor(t, "the poll on arrival", func() bool { return len(s.got()) == 5 && !p.Busy() })
	want := []string{"501AA5D6337F@0s", "501AA5D6337F@1h0m0s", "501AA5D6337F@1h1m0s", "501AA5D6337F@1h3m0s", "501AA5D6337F@1h3m0s"}
	if got := s.got(); len(got) != len(want) || got[3] != want[3] || got[2] != want[2] {
		t.Errorf("fetches = %v, want %v", got, want)
	}
	// Removed: no more polls.
	p.HandleEvent(device.Event{Type: device.Removed, Device: headset})
	time.Sleep(10 * time.Millisecond) // the worker stops (the fake clock keeps its abandoned waiter)
	clk.Advance(10 * time.Hour)
	time.Sleep(10 * time.Millisecond)
	if len(s.got()) != 5 {
		t.Errorf("asked after the device left: %v", s.got())
	}
	select {
	case <-p.Idle():
	default:
		t.Error("not idle")
	}
}
