package hid

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// TraceQueue bounds the lines waiting for the trace's writer. When the
// writer falls this far behind (a full disk, a stuck pipe), further lines
// are dropped and counted, so the device never waits for its trace.
const TraceQueue = 4096

// traceLine is one JSON line of a HID trace (issue 10 point 7). vendorId and
// productId are four upper-case hex digits, as USB ids are written
// ("047F"); report is the report's bytes in upper-case hex without spaces,
// report ID first ("0802"): compact, greppable, and read back by
// device/hid/replay.ParseHex.
type traceLine struct {
	T         string `json:"t"`
	VendorID  string `json:"vendorId"`
	ProductID string `json:"productId"`
	Path      string `json:"path"`
	Dir       string `json:"dir"`
	Report    string `json:"report"`
}

// The directions of a trace line.
const (
	TraceIn         = "in"
	TraceOut        = "out"
	TraceFeatureIn  = "feature-in"
	TraceFeatureOut = "feature-out"
)

// Trace is a Bus that writes every report in and out of the devices opened
// through it as JSON lines to w. Lines are written in order by one
// goroutine; Close flushes them.
type Trace struct {
	bus Bus
	now func() time.Time

	mu      sync.Mutex
	queue   [][]byte
	dropped int
	wake    chan struct{}
	closed  bool
	done    chan struct{}
	werr    error
}

var _ Bus = (*Trace)(nil)

// NewTrace wraps bus; now stamps the lines (the injected clock).
func NewTrace(bus Bus, w io.Writer, now func() time.Time) *Trace {
	t := &Trace{bus: bus, now: now, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go t.run(w)
	return t
}

func (t *Trace) run(w io.Writer) {
	defer close(t.done)
	for {
		t.mu.Lock()
		q := t.queue
		t.queue = nil
		closed := t.closed
		t.mu.Unlock()
		for _, line := range q {
			if _, err := w.Write(line); err != nil {
				t.mu.Lock()
				if t.werr == nil {
					t.werr = err
				}
				t.mu.Unlock()
			}
		}
		if closed && len(q) == 0 {
			return
		}
		if len(q) == 0 {
			<-t.wake
		}
	}
}

// record queues one line; it never blocks on the writer.
func (t *Trace) record(info Info, dir string, report []byte) {
	line, err := json.Marshal(traceLine{
		T:         t.now().Format(time.RFC3339Nano),
		VendorID:  fmt.Sprintf("%04X", info.VendorID),
		ProductID: fmt.Sprintf("%04X", info.ProductID),
		Path:      info.Path,
		Dir:       dir,
		Report:    strings.ToUpper(hex.EncodeToString(report)),
	})
	if err != nil {
		return
	}
	line = append(line, '\n')
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	if len(t.queue) >= TraceQueue {
		t.dropped++
		return
	}
	t.queue = append(t.queue, line)
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// Close writes the lines still queued and stops the writer. It returns the
// first write error, or an error counting the lines dropped.
func (t *Trace) Close() error {
	t.mu.Lock()
	if !t.closed {
		t.closed = true
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
	t.mu.Unlock()
	<-t.done
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.werr != nil {
		return fmt.Errorf("HID trace: %w", t.werr)
	}
	if t.dropped > 0 {
		return fmt.Errorf("HID trace: %d lines dropped, the file could not keep up", t.dropped)
	}
	return nil
}

func (t *Trace) Enumerate() ([]Info, error) { return t.bus.Enumerate() }

func (t *Trace) Watch(ctx context.Context, changes chan<- Change) error {
	return t.bus.Watch(ctx, changes)
}

func (t *Trace) Open(path string) (Device, error) {
	d, err := t.bus.Open(path)
	if err != nil {
		return nil, err
	}
	return &tracedDevice{Device: d, t: t}, nil
}

type tracedDevice struct {
	Device
	t *Trace
}

func (d *tracedDevice) Read(ctx context.Context, buf []byte) (int, error) {
	n, err := d.Device.Read(ctx, buf)
	if err == nil && n > 0 {
		d.t.record(d.Info(), TraceIn, buf[:n])
	}
	return n, err
}

func (d *tracedDevice) Write(report []byte) (int, error) {
	n, err := d.Device.Write(report)
	if err == nil {
		d.t.record(d.Info(), TraceOut, report)
	}
	return n, err
}

func (d *tracedDevice) GetFeature(buf []byte) (int, error) {
	n, err := d.Device.GetFeature(buf)
	if err == nil && n > 0 {
		d.t.record(d.Info(), TraceFeatureIn, buf[:n])
	}
	return n, err
}

func (d *tracedDevice) SendFeature(report []byte) (int, error) {
	n, err := d.Device.SendFeature(report)
	if err == nil {
		d.t.record(d.Info(), TraceFeatureOut, report)
	}
	return n, err
}
