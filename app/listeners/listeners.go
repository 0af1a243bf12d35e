// Package listeners keeps the change listeners of a service: the window and
// the local API subscribe to be told that something changed, and the
// service tells them all, outside its own locks.
package listeners

import "sync"

// Set is a set of listeners; the zero value is ready to use.
type Set struct {
	mu   sync.Mutex
	next int
	fns  map[int]func()
}

// Subscribe adds fn, which Notify calls from any goroutine; fn must not
// block. cancel removes it.
func (s *Set) Subscribe(fn func()) (cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fns == nil {
		s.fns = map[int]func(){}
	}
	id := s.next
	s.next++
	s.fns[id] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.fns, id)
	}
}

// Notify calls every listener, without holding the set's lock, so a
// listener may subscribe or cancel.
func (s *Set) Notify() {
	s.mu.Lock()
	fns := make([]func(), 0, len(s.fns))
	for _, fn := range s.fns {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}
