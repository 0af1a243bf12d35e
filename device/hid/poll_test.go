package hid

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device/clock"
)

func TestPollWait(t *testing.T) {
	cases := []struct {
		took, want time.Duration
	}{
		{0, PollInterval},
		{time.Millisecond, PollInterval},
		{4 * time.Millisecond, PollInterval},
		{10 * time.Millisecond, 5 * time.Second},
		{100 * time.Millisecond, 50 * time.Second},
	}
	for _, tc := range cases {
		if got := pollWait(tc.took); got != tc.want {
			t.Errorf("pollWait(%v) = %v, want %v", tc.took, got, tc.want)
		}
		// The budget holds: enumerating costs at most 0.2 % of the time.
		if share := float64(tc.took) / float64(pollWait(tc.took)+tc.took); share > PollBudget {
			t.Errorf("after %v the share is %.4f", tc.took, share)
		}
	}
}

func TestPollWatch(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	a := Info{Path: "a", VendorID: 0x0b0e}
	b := Info{Path: "b", VendorID: 0x047f}
	var mu sync.Mutex
	listing := []Info{a}
	var fail bool
	calls := 0
	enumerate := func() ([]Info, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if fail {
			return nil, errors.New("busy")
		}
		return append([]Info(nil), listing...), nil
	}
	set := func(l []Info, f bool) {
		mu.Lock()
		listing, fail = l, f
		mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	changes := make(chan Change)
	done := make(chan error, 1)
	go func() { done <- pollWatch(ctx, enumerate, changes, fake.After, fake.Now) }()
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return calls
	}
	// tick lets one interval pass and waits until it was enumerated.
	tick := func() {
		for fake.Waiters() == 0 {
			time.Sleep(time.Millisecond)
		}
		n := count()
		fake.Advance(PollInterval)
		for count() == n {
			time.Sleep(time.Millisecond)
		}
	}
	// Nothing changes: no change is sent.
	tick()
	set([]Info{a, b}, false)
	tick()
	if c := <-changes; !c.Added || c.Info != b {
		t.Fatalf("arrival %+v", c)
	}
	set(nil, true) // a failing listing is not "everything left"
	tick()
	set([]Info{b}, false)
	tick()
	if c := <-changes; c.Added || c.Info != a {
		t.Fatalf("removal %+v", c)
	}
	tick()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 6 {
		t.Fatalf("enumerated %d times, want 6 (one baseline, five ticks)", calls)
	}
}

func TestPollWatchFirstListingFails(t *testing.T) {
	err := pollWatch(context.Background(), func() ([]Info, error) { return nil, ErrNotSupported }, nil, time.After, time.Now)
	if !errors.Is(err, ErrNotSupported) {
		t.Fatalf("err %v", err)
	}
}
