package clock

import (
	"testing"
	"time"
)

func TestFake(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(t0)
	early, late := f.After(time.Second), f.After(time.Minute)
	if f.Waiters() != 2 {
		t.Fatalf("waiters = %d, want 2", f.Waiters())
	}
	f.Advance(30 * time.Second)
	select {
	case at := <-early:
		if !at.Equal(t0.Add(30 * time.Second)) {
			t.Errorf("fired at %v", at)
		}
	default:
		t.Fatal("the 1 s waiter did not fire after 30 s")
	}
	select {
	case <-late:
		t.Fatal("the 1 min waiter fired after 30 s")
	default:
	}
	if f.Waiters() != 1 {
		t.Fatalf("waiters = %d, want 1", f.Waiters())
	}
	if now := <-f.After(0); !now.Equal(f.Now()) {
		t.Errorf("After(0) = %v, want now", now)
	}
}

func TestScaled(t *testing.T) {
	base := NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	start := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		speed float64
		real  time.Duration
		want  time.Duration
	}{
		{"speed 60: a real second is a scenario minute", 60, time.Second, time.Minute},
		{"speed 1", 1, 5 * time.Second, 5 * time.Second},
		{"speed 0 counts as 1", 0, 5 * time.Second, 5 * time.Second},
		{"slower than real time", 0.5, 10 * time.Second, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewScaled(base, start, tt.speed)
			if !s.Now().Equal(start) {
				t.Fatalf("starts at %v", s.Now())
			}
			base.Advance(tt.real)
			if got := s.Now().Sub(start); got != tt.want {
				t.Errorf("after %v real: %v scenario, want %v", tt.real, got, tt.want)
			}
		})
	}
	// After waits scaled time: 2 scenario minutes at speed 60 is 2 real seconds.
	s := NewScaled(base, start, 60)
	ch := s.After(2 * time.Minute)
	for base.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	base.Advance(1999 * time.Millisecond)
	select {
	case <-ch:
		t.Fatal("fired early")
	case <-time.After(20 * time.Millisecond):
	}
	base.Advance(time.Millisecond)
	if at := <-ch; at.Sub(start) != 2*time.Minute {
		t.Errorf("fired at +%v, want +2m", at.Sub(start))
	}
}
