// Package clock is the injected time source of Earshot's core (house habit 6 in docs/ARCHITECTURE.md).
//
// Real is the wall clock. Scaled runs a scenario clock that many times faster
// than real time (docs/simulator.md "speed"). Fake is moved by tests.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	// After sends the clock's time once d of the clock's time has passed.
	After(d time.Duration) <-chan time.Time
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// After is time.After.
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Scaled is a clock that starts at Start and runs Speed times faster than the
// wall clock it is built on.
type Scaled struct {
	base   Clock
	origin time.Time // base time at Start
	start  time.Time
	speed  float64
}

// NewScaled returns a clock that reads start now and runs speed times faster
// than base. A speed ≤ 0 counts as 1.
func NewScaled(base Clock, start time.Time, speed float64) *Scaled {
	if speed <= 0 {
		speed = 1
	}
	return &Scaled{base: base, origin: base.Now(), start: start, speed: speed}
}

// Now returns the scaled time.
func (s *Scaled) Now() time.Time {
	elapsed := s.base.Now().Sub(s.origin)
	return s.start.Add(time.Duration(float64(elapsed) * s.speed))
}

// Speed returns the clock's speed.
func (s *Scaled) Speed() float64 { return s.speed }

// After waits d of scaled time, that is d/speed of base time.
func (s *Scaled) After(d time.Duration) <-chan time.Time {
	out := make(chan time.Time, 1)
	wait := s.base.After(time.Duration(float64(d) / s.speed))
	go func() {
		<-wait
		out <- s.Now()
	}()
	return out
}

// Fake is a clock that moves only when Advance or Set is called.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewFake returns a Fake reading t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// After fires when the fake time reaches now+d.
func (f *Fake) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan time.Time, 1)
	at := f.now.Add(d)
	if d <= 0 {
		ch <- f.now
		return ch
	}
	f.waiters = append(f.waiters, waiter{at: at, ch: ch})
	return ch
}

// Advance moves the fake time forward by d, firing every waiter now due.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	now := f.now
	kept := f.waiters[:0]
	var due []waiter
	for _, w := range f.waiters {
		if !w.at.After(now) {
			due = append(due, w)
		} else {
			kept = append(kept, w)
		}
	}
	f.waiters = kept
	f.mu.Unlock()
	for _, w := range due {
		w.ch <- now
	}
}

// Waiters returns how many After channels have not fired yet; tests use it to
// wait until a goroutine is blocked on the clock.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waiters)
}
