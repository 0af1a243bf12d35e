package busylight

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
)

const (
	// KeepAlive is how often a kuando light is sent a keep-alive: at most
	// every 8 s (busylight_core's interval, half the 15 s timeout rounded).
	KeepAlive = 8 * time.Second
	// BlinkHalf is how long each half of a blink lasts on a light that is
	// blinked by writing colour and black in turn.
	BlinkHalf = 500 * time.Millisecond
	// ClaimScore is a busylight's claim on an interface whose vendor and
	// product id are in Models: an exact match outranks any protocol that
	// claims by usage page.
	ClaimScore = 100
)

// Protocol is the hid.Protocol of every busylight in Models.
type Protocol struct {
	clock clock.Clock
}

// New returns the busylight protocol, timing keep-alives and blinks on c
// (nil: the wall clock).
func New(c clock.Clock) *Protocol {
	if c == nil {
		c = clock.Real{}
	}
	return &Protocol{clock: c}
}

// Name is "busylight".
func (*Protocol) Name() string { return "busylight" }

// Claim claims the interfaces of the lights in Models.
func (*Protocol) Claim(info hid.Info, _ []byte) int {
	if _, ok := Lookup(info.VendorID, info.ProductID); ok {
		return ClaimScore
	}
	return 0
}

// request is one SetLight handed to Run's loop.
type request struct {
	state device.LightState
	done  chan error
}

// light is the hid.LightHandler of one running light.
type light struct {
	reqs chan request
	gone chan struct{} // closed when Run returns
}

// SetLight hands state to the light's loop and waits until it is written.
func (l *light) SetLight(ctx context.Context, s device.LightState) error {
	r := request{state: s, done: make(chan error, 1)}
	select {
	case l.reqs <- r:
	case <-l.gone:
		return errors.New("set light: the light is gone")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-l.gone:
		return errors.New("set light: the light is gone")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run reports the light as a busylight device, writes what it is asked to
// show, keeps a kuando light alive and blinks the others by hand until ctx
// ends or the light is unplugged. When ctx ends it darkens the light.
func (p *Protocol) Run(ctx context.Context, dev hid.Device, s hid.Session) error {
	info := dev.Info()
	m, ok := Lookup(info.VendorID, info.ProductID)
	if !ok {
		return fmt.Errorf("busylight: %04X:%04X is not a known light", info.VendorID, info.ProductID)
	}
	id := s.ID("")
	snap := device.Device{Info: device.Info{
		ID: id, Kind: device.KindBusylight, Name: m.FullName(),
		VendorID: m.VendorID, ProductID: m.ProductID,
		Connection: device.ConnUSB, InstanceID: info.Path,
	}}
	state := device.LightState{}
	snap.Light = &state

	write := func(f Frame) error {
		var err error
		if f.Feature {
			_, err = dev.SendFeature(f.Report)
		} else {
			_, err = dev.Write(f.Report)
		}
		return err
	}
	// Start dark: a light keeps whatever it showed before Earshot (a
	// blink(1) or a Blynclight holds its last colour unpowered by nothing).
	if err := write(Encode(m.Family, state, false)); err != nil {
		if errors.Is(err, hid.ErrClosed) {
			return nil
		}
		s.Log().Warn("busylight: first write failed", "light", m.FullName(), "err", err)
	}
	// Serve before Arrived, so whoever sees the light arrive can switch it.
	h := &light{reqs: make(chan request), gone: make(chan struct{})}
	defer close(h.gone)
	s.Serve(id, h)
	defer s.Serve(id, nil)
	s.Emit(device.Event{Type: device.Arrived, At: s.Now(), Device: snap.Clone()})

	// A reader notices an unplugged light: busylights send nothing useful,
	// but a read ends with ErrClosed when the device goes.
	unplugged := make(chan struct{})
	readCtx, stopRead := context.WithCancel(ctx)
	defer stopRead()
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := dev.Read(readCtx, buf); err != nil {
				if errors.Is(err, hid.ErrClosed) {
					close(unplugged)
				}
				if readCtx.Err() != nil || errors.Is(err, hid.ErrClosed) {
					return
				}
				// Another read error: wait a moment rather than spin.
				select {
				case <-p.clock.After(time.Second):
				case <-readCtx.Done():
					return
				}
			}
		}
	}()

	var keepAlive, blink <-chan time.Time
	if m.Family.NeedsKeepAlive() {
		keepAlive = p.clock.After(KeepAlive)
	}
	dark := false
	for {
		select {
		case <-ctx.Done():
			p.darken(dev, m, write)
			return nil
		case <-unplugged:
			return nil
		case r := <-h.reqs:
			dark = false
			err := write(Encode(m.Family, r.state, false))
			if err != nil {
				r.done <- fmt.Errorf("set light %s: %w", m.FullName(), err)
				if errors.Is(err, hid.ErrClosed) {
					return nil
				}
				continue
			}
			switch {
			case !r.state.Blink || r.state.Colour.Off() || m.Family.BlinksItself():
				blink = nil
			case blink == nil:
				blink = p.clock.After(BlinkHalf)
			}
			if r.state != state {
				state = r.state
				snap.Light = &state
				s.Emit(device.Event{Type: device.Changed, At: s.Now(), Device: snap.Clone()})
			}
			r.done <- nil
		case <-keepAlive:
			keepAlive = p.clock.After(KeepAlive)
			if err := write(Frame{Report: KeepAliveFrame(m.Family)}); errors.Is(err, hid.ErrClosed) {
				return nil
			} else if err != nil {
				s.Log().Warn("busylight: keep-alive failed", "light", m.FullName(), "err", err)
			}
		case <-blink:
			blink = p.clock.After(BlinkHalf)
			dark = !dark
			if err := write(Encode(m.Family, state, dark)); errors.Is(err, hid.ErrClosed) {
				return nil
			}
		}
	}
}

// darken writes black to the light as Earshot stops, so it does not keep
// showing a state nobody maintains. A kuando light would also go dark by
// itself once its keep-alive lapses.
func (p *Protocol) darken(_ hid.Device, m Model, write func(Frame) error) {
	_ = write(Encode(m.Family, device.LightState{}, false))
}
