package listeners

import "testing"

func TestSet(t *testing.T) {
	var s Set
	s.Notify() // no listener: nothing happens
	a, b := 0, 0
	cancelA := s.Subscribe(func() { a++ })
	var cancelB func()
	cancelB = s.Subscribe(func() { b++; cancelB() }) // cancels itself while notified
	s.Notify()
	s.Notify()
	cancelA()
	s.Notify()
	if a != 2 || b != 1 {
		t.Errorf("a notified %d times (want 2), b %d (want 1)", a, b)
	}
}
