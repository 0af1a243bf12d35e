package jabra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/earshot-app/earshot/device/hid"
)

// link is the GN protocol over one HID interface: one reader, per-address
// sequence numbers, and one request in flight at a time (docs/hardware.md §2.4:
// every reader of the interface sees every input report, so a reply is
// recognised by report, destination, source, sequence and command, and
// everything else is skipped).
type link struct {
	dev    hid.Device
	layout Layout
	opt    *Options
	log    *slog.Logger

	mu  sync.Mutex    // one exchange at a time; guards seq and out
	seq map[byte]byte // next sequence number by address
	out []byte        // the output report buffer

	wmu     sync.Mutex    // guards waiters
	waiters []*waiter     // what the exchange waits for, oldest first
	events  chan Frame    // frames no waiter took (unsolicited events)
	others  chan []byte   // input reports that are not GN frames; nil: dropped
	gone    chan struct{} // closed when the reader stops
	readErr error         // why the reader stopped; set before gone closes
}

// waiter is the one frame an exchange waits for.
type waiter struct {
	match func(Frame) bool
	got   chan Frame
}

func newLink(dev hid.Device, layout Layout, opt *Options, log *slog.Logger) *link {
	return &link{
		dev: dev, layout: layout, opt: opt, log: log,
		seq:    make(map[byte]byte),
		out:    make([]byte, layout.Out),
		events: make(chan Frame, 64),
		gone:   make(chan struct{}),
	}
}

// read runs the interface's one reader until ctx ends or the device goes.
func (l *link) read(ctx context.Context) {
	buf := make([]byte, max(l.layout.In, 64))
	defer close(l.gone)
	for {
		n, err := l.dev.Read(ctx, buf)
		if err != nil {
			l.readErr = err
			return
		}
		f, err := Decode(buf[:n])
		if err != nil {
			if l.others != nil { // another report of the interface: call control
				select {
				case l.others <- append([]byte(nil), buf[:n]...):
				default:
					l.log.Debug("input report dropped: nobody is reading them", "report", fmt.Sprintf("% X", buf[:min(n, 16)]))
				}
			}
			continue
		}
		f.Payload = append([]byte(nil), f.Payload...)
		if l.deliver(f) {
			continue
		}
		if f.Type != TypeEvent || f.Dst != AddrHost {
			continue // a stale reply, one to another host program, or our own echo
		}
		select {
		case l.events <- f:
		default:
			l.log.Debug("GN event dropped: nobody is reading events", "frame", f.String())
		}
	}
}

// deliver gives f to the newest waiter it matches: the request in flight
// before the notices registered ahead of it, so that a NACK answers the
// request it refuses.
func (l *link) deliver(f Frame) bool {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	for i := len(l.waiters) - 1; i >= 0; i-- {
		if w := l.waiters[i]; w.match(f) {
			l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
			w.got <- f // buffered: never blocks
			return true
		}
	}
	return false
}

// lostErr says why the link is unusable.
func (l *link) lostErr() error {
	if l.readErr != nil && !errors.Is(l.readErr, context.Canceled) && !errors.Is(l.readErr, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %v", errGone, l.readErr)
	}
	return errGone
}

// exchange holds the link for several frames in a row (a firmware update).
type exchange struct{ l *link }

// hold runs fn with the link to itself.
func (l *link) hold(fn func(x exchange) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.gone:
		return l.lostErr()
	default:
	}
	return fn(exchange{l})
}

// request sends one GET or SET and returns its reply (docs/hardware.md §2.4).
func (l *link) request(ctx context.Context, dst byte, t Type, cmd, sub byte, payload ...byte) (Frame, error) {
	var reply Frame
	err := l.hold(func(x exchange) error {
		var err error
		reply, err = x.send(ctx, l.opt.Attempts, dst, t, cmd, sub, payload...)
		return err
	})
	return reply, err
}

// try is request with one attempt: for reads a device may not know, where
// a silent device is no reason to wait several timeouts.
func (l *link) try(ctx context.Context, dst byte, t Type, cmd, sub byte, payload ...byte) (Frame, error) {
	var reply Frame
	err := l.hold(func(x exchange) error {
		var err error
		reply, err = x.send(ctx, 1, dst, t, cmd, sub, payload...)
		return err
	})
	return reply, err
}

// request sends one request and waits for its reply, resending with a new
// sequence number after a timeout, up to Options.Attempts times. A NACK
// ends it at once with a *NACKError.
func (x exchange) request(ctx context.Context, dst byte, t Type, cmd, sub byte, payload ...byte) (Frame, error) {
	return x.send(ctx, x.l.opt.Attempts, dst, t, cmd, sub, payload...)
}

func (x exchange) send(ctx context.Context, attempts int, dst byte, t Type, cmd, sub byte, payload ...byte) (Frame, error) {
	l := x.l
	for attempt := 1; ; attempt++ {
		seq := l.seq[dst]
		l.seq[dst] = seq + 1
		req := Frame{Dst: dst, Src: AddrHost, Seq: seq, Type: t, Cmd: cmd, Sub: sub, Payload: payload}
		w := x.expect(func(f Frame) bool { return isReply(req, f) })
		if err := x.write(req); err != nil {
			x.forget(w)
			return Frame{}, err
		}
		f, err := x.wait(ctx, w, l.opt.Timeout)
		switch {
		case err == nil && f.Cmd == CmdNACK:
			return Frame{}, &NACKError{Addr: dst, Cmd: cmd, Sub: sub, Reason: f.Sub}
		case err == nil:
			return f, nil
		case !errors.Is(err, ErrNoReply) || attempt >= attempts:
			if errors.Is(err, ErrNoReply) {
				return Frame{}, fmt.Errorf("GN %02X/%02X at address %02X: %w after %d tries", cmd, sub, dst, err, attempt)
			}
			return Frame{}, err
		}
		l.log.Debug("GN request timed out; sending again", "cmd", fmt.Sprintf("%02X/%02X", cmd, sub), "dst", dst, "attempt", attempt)
	}
}

// isReply tells whether f answers req: the report (checked by Decode),
// destination host, source the address asked, same sequence, a response,
// and the same command and sub-command, or an ACK (to a SET) or a NACK.
func isReply(req, f Frame) bool {
	if f.Dst != AddrHost || f.Src != req.Dst || f.Seq != req.Seq || f.Type != TypeResponse {
		return false
	}
	switch f.Cmd {
	case CmdNACK:
		return !f.NoSub
	case CmdACK:
		return req.Type == TypeSet
	}
	return f.Cmd == req.Cmd && !f.NoSub && f.Sub == req.Sub
}

// expect registers a frame to wait for, before the frame that causes it is
// written. Several may wait at once (the ACK of a start and the erase
// notice that follows it).
func (x exchange) expect(match func(Frame) bool) *waiter {
	w := &waiter{match: match, got: make(chan Frame, 1)}
	x.l.wmu.Lock()
	x.l.waiters = append(x.l.waiters, w)
	x.l.wmu.Unlock()
	return w
}

// forget withdraws w (nil is fine).
func (x exchange) forget(w *waiter) {
	if w == nil {
		return
	}
	x.l.wmu.Lock()
	defer x.l.wmu.Unlock()
	if i := slices.Index(x.l.waiters, w); i >= 0 {
		x.l.waiters = append(x.l.waiters[:i], x.l.waiters[i+1:]...)
	}
}

// wait waits up to timeout for w's frame.
func (x exchange) wait(ctx context.Context, w *waiter, timeout time.Duration) (Frame, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case f := <-w.got:
		return f, nil
	case <-t.C:
		x.forget(w)
		return Frame{}, ErrNoReply
	case <-x.l.gone:
		x.forget(w)
		return Frame{}, x.l.lostErr()
	case <-ctx.Done():
		x.forget(w)
		return Frame{}, ctx.Err()
	}
}

// waitEvent waits up to timeout for an event frame from src with cmd/sub
// (the firmware update's erase, chunk and verify notices).
func (x exchange) waitEvent(ctx context.Context, src, cmd, sub byte, timeout time.Duration, w *waiter) (Frame, error) {
	if w == nil {
		w = x.expectEvent(src, cmd, sub)
	}
	f, err := x.wait(ctx, w, timeout)
	if errors.Is(err, ErrNoReply) {
		return f, fmt.Errorf("GN event %02X/%02X from address %02X: none within %s", cmd, sub, src, timeout)
	}
	if err == nil && f.Cmd == CmdNACK {
		return f, &NACKError{Addr: src, Cmd: cmd, Sub: sub, Reason: f.Sub}
	}
	return f, err
}

// expectEvent registers a wait for the event cmd/sub from src; a NACK
// from src ends it too.
func (x exchange) expectEvent(src, cmd, sub byte) *waiter {
	return x.expect(func(f Frame) bool {
		return f.Dst == AddrHost && f.Src == src && !f.NoSub && (f.Cmd == cmd && f.Sub == sub || f.Cmd == CmdNACK)
	})
}

// write sends one frame, sized by the descriptor.
func (x exchange) write(f Frame) error {
	if err := f.Encode(x.l.out); err != nil {
		return err
	}
	if _, err := x.l.dev.Write(x.l.out); err != nil {
		if errors.Is(err, hid.ErrClosed) {
			return fmt.Errorf("%w: %v", errGone, err)
		}
		return fmt.Errorf("write GN %02X/%02X to address %02X: %w", f.Cmd, f.Sub, f.Dst, err)
	}
	return nil
}
