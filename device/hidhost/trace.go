package hidhost

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
)

// TraceLine is one line of a HID trace (--hid-trace FILE): one report in
// or out of one interface.
type TraceLine struct {
	T         string `json:"t"` // RFC 3339 with nanoseconds, on the host's clock
	VendorID  string `json:"vendorId"`
	ProductID string `json:"productId"`
	Path      string `json:"path"`
	Dir       string `json:"dir"`    // "in", "out", "feature-in" or "feature-out"
	Report    string `json:"report"` // hex bytes, report ID first, as scenario files write them
}

// Trace returns bus with every report in and out of its devices written to
// w as JSON lines (TraceLine). Writes to w are serialised; a failing w is
// reported once through onError (nil: ignored) and the trace goes on.
func Trace(bus hid.Bus, w io.Writer, clk clock.Clock, onError func(error)) hid.Bus {
	if clk == nil {
		clk = clock.Real{}
	}
	return &traceBus{Bus: bus, t: &tracer{w: w, clk: clk, onError: onError}}
}

type tracer struct {
	mu      sync.Mutex
	w       io.Writer
	clk     clock.Clock
	onError func(error)
	failed  bool
}

func (t *tracer) line(in hid.Info, dir string, report []byte) {
	l := TraceLine{T: t.clk.Now().UTC().Format("2006-01-02T15:04:05.000000000Z07:00"),
		VendorID: fmt.Sprintf("%04X", in.VendorID), ProductID: fmt.Sprintf("%04X", in.ProductID),
		Path: in.Path, Dir: dir, Report: Hex(report)}
	b, _ := json.Marshal(l)
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := t.w.Write(append(b, '\n')); err != nil && !t.failed {
		t.failed = true
		if t.onError != nil {
			t.onError(err)
		}
	}
}

// Hex writes bytes as scenario files do: upper-case pairs separated by
// spaces.
func Hex(b []byte) string {
	var s strings.Builder
	for i, x := range b {
		if i > 0 {
			s.WriteByte(' ')
		}
		fmt.Fprintf(&s, "%02X", x)
	}
	return s.String()
}

type traceBus struct {
	hid.Bus
	t *tracer
}

func (b *traceBus) Open(path string) (hid.Device, error) {
	d, err := b.Bus.Open(path)
	if err != nil {
		return nil, err
	}
	return &traceDevice{Device: d, t: b.t, info: d.Info()}, nil
}

type traceDevice struct {
	hid.Device
	t    *tracer
	info hid.Info
}

func (d *traceDevice) Read(ctx context.Context, buf []byte) (int, error) {
	n, err := d.Device.Read(ctx, buf)
	if err == nil {
		d.t.line(d.info, "in", buf[:n])
	}
	return n, err
}

func (d *traceDevice) Write(report []byte) (int, error) {
	d.t.line(d.info, "out", report)
	return d.Device.Write(report)
}

func (d *traceDevice) GetFeature(buf []byte) (int, error) {
	n, err := d.Device.GetFeature(buf)
	if err == nil {
		d.t.line(d.info, "feature-in", buf[:n])
	}
	return n, err
}

func (d *traceDevice) SendFeature(report []byte) (int, error) {
	d.t.line(d.info, "feature-out", report)
	return d.Device.SendFeature(report)
}
