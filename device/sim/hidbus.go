package sim

import (
	"context"
	"sync"
	"time"

	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
)

// handledWait bounds how long (in real time) the simulator waits for a
// protocol to handle an input report before it plays the next step; a
// protocol that does not read the interface is not waited for longer.
const handledWait = time.Second

// trackedBus is the replay Bus with a count of the input reports each open
// interface has handled, so the simulator plays the next step only once
// the protocol has handled the report before it: the events a report
// causes then carry the report's scenario time, even on a clock a test
// moves by hand.
type trackedBus struct {
	*replay.Bus

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change of the counts
	sent    map[string]int
	handled map[string]int  // reports read and handled (the reader came back for more)
	open    map[string]int  // open handles by path
	driven  map[string]bool // paths a protocol has opened at least once
}

func newTrackedBus() *trackedBus {
	return &trackedBus{Bus: replay.New(), changed: make(chan struct{}), sent: map[string]int{},
		handled: map[string]int{}, open: map[string]int{}, driven: map[string]bool{}}
}

func (b *trackedBus) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// Open opens the interface and counts what its reader handles.
func (b *trackedBus) Open(path string) (hid.Device, error) {
	d, err := b.Bus.Open(path)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	// A new reader starts counting afresh; reports queued before it opened
	// are still to be handled.
	b.sent[path] -= b.handled[path]
	b.handled[path] = 0
	b.open[path]++
	b.driven[path] = true
	b.notifyLocked()
	b.mu.Unlock()
	return &trackedDevice{Device: d, bus: b, path: path}, nil
}

// Detach unplugs the interface; its queued reports are gone with it.
func (b *trackedBus) Detach(path string) error {
	err := b.Bus.Detach(path)
	b.mu.Lock()
	b.sent[path], b.handled[path] = 0, 0
	b.notifyLocked()
	b.mu.Unlock()
	return err
}

// Input sends an input report and counts it.
func (b *trackedBus) Input(path string, report []byte) error {
	if err := b.Bus.Input(path, report); err != nil {
		return err
	}
	b.mu.Lock()
	b.sent[path]++
	b.mu.Unlock()
	return nil
}

// waitHandled waits, at most handledWait, until the reader of path has
// handled every report sent to it; at once when nobody has it open.
func (b *trackedBus) waitHandled(path string) {
	deadline := time.After(handledWait)
	for {
		b.mu.Lock()
		done := b.handled[path] >= b.sent[path] || b.open[path] == 0 && b.driven[path]
		ch := b.changed
		b.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			return
		}
	}
}

// trackedDevice counts a report as handled when its reader asks for the
// next one.
type trackedDevice struct {
	hid.Device
	bus    *trackedBus
	path   string
	mu     sync.Mutex
	read   int // reports returned by Read
	closed bool
}

func (d *trackedDevice) Read(ctx context.Context, buf []byte) (int, error) {
	d.mu.Lock()
	read := d.read
	d.mu.Unlock()
	d.bus.mu.Lock()
	if d.bus.handled[d.path] < read {
		d.bus.handled[d.path] = read
		d.bus.notifyLocked()
	}
	d.bus.mu.Unlock()
	n, err := d.Device.Read(ctx, buf)
	if err == nil {
		d.mu.Lock()
		d.read++
		d.mu.Unlock()
	}
	return n, err
}

func (d *trackedDevice) Close() error {
	d.mu.Lock()
	first := !d.closed
	d.closed = true
	d.mu.Unlock()
	if first {
		d.bus.mu.Lock()
		d.bus.open[d.path]--
		d.bus.notifyLocked()
		d.bus.mu.Unlock()
	}
	return d.Device.Close()
}
