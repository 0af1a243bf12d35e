package replay

import (
	"context"
	"fmt"

	"github.com/earshot-app/earshot/device/hid"
)

// handle is one open device; like an open hidraw file it gets its own copy
// of every input report.
type handle struct {
	bus    *Bus
	dev    *device
	queue  [][]byte
	signal chan struct{} // one pending wake-up
	closed bool          // Close was called
	gone   bool          // the device was detached
}

var _ hid.Device = (*handle)(nil)

func (h *handle) wake() {
	select {
	case h.signal <- struct{}{}:
	default:
	}
}

func (h *handle) Info() hid.Info { return h.dev.spec.Info }

// Read returns the next input report. After a Detach it still returns the
// reports queued before (as hidraw does), then hid.ErrClosed.
func (h *handle) Read(ctx context.Context, buf []byte) (int, error) {
	for {
		h.bus.mu.Lock()
		if h.closed {
			h.bus.mu.Unlock()
			return 0, hid.ErrClosed
		}
		if len(h.queue) > 0 {
			r := h.queue[0]
			h.queue[0] = nil
			h.queue = h.queue[1:]
			h.bus.mu.Unlock()
			return copy(buf, r), nil
		}
		if h.gone {
			h.bus.mu.Unlock()
			return 0, hid.ErrClosed
		}
		h.bus.mu.Unlock()
		select {
		case <-h.signal:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

func (h *handle) Write(report []byte) (int, error) {
	return h.bus.write(h, KindOutput, report)
}

func (h *handle) SendFeature(report []byte) (int, error) {
	return h.bus.write(h, KindFeature, report)
}

// GetFeature copies the feature report whose ID is buf[0] into buf.
func (h *handle) GetFeature(buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, fmt.Errorf("get feature %s: empty buffer", h.dev.spec.Info.Path)
	}
	h.bus.mu.Lock()
	defer h.bus.mu.Unlock()
	if h.closed || h.gone {
		return 0, hid.ErrClosed
	}
	r, ok := h.dev.features[buf[0]]
	if !ok {
		return 0, fmt.Errorf("get feature %02X of %s: %w", buf[0], h.dev.spec.Info.Path, ErrNoFeature)
	}
	return copy(buf, r), nil
}

func (h *handle) ReportDescriptor() ([]byte, error) {
	if len(h.dev.spec.Descriptor) == 0 {
		return nil, fmt.Errorf("report descriptor of %s: %w", h.dev.spec.Info.Path, hid.ErrNotSupported)
	}
	return append([]byte(nil), h.dev.spec.Descriptor...), nil
}

// Close ends the handle: a waiting Read returns hid.ErrClosed.
func (h *handle) Close() error {
	h.bus.mu.Lock()
	defer h.bus.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	delete(h.dev.handles, h)
	h.queue = nil
	h.wake()
	return nil
}
