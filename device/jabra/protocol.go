// Package jabra is the driver for Jabra's GN protocol (GNP) on HID report 5
// (docs/hardware.md §2): identity, battery, settings, the headset behind a
// dongle, and firmware updates. It is a hid.Protocol: the HID host offers it
// every interface and runs it on those whose report descriptor holds the
// GN collection.
package jabra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
)

// Options tune the driver; the zero value gives the defaults.
type Options struct {
	// Clock paces the polls; nil means the wall clock.
	Clock clock.Clock
	// Timeout is how long one request waits for its reply (wall time: it is
	// the device's), default 1 s (fwupd's receive timeout).
	Timeout time.Duration
	// Attempts is how often a request is sent before it fails, default 3.
	Attempts int
	// EraseTimeout bounds the wait for the flash-erase notice, default 60 s;
	// VerifyTimeout the wait for the verify notice, default 30 s.
	EraseTimeout, VerifyTimeout time.Duration
	// ChildPoll is how often a dongle is asked whether its headset is
	// connected, bounded to [MinChildPoll, MaxChildPoll], default 5 s.
	ChildPoll time.Duration
	// BatteryPoll is how long a device may go without a battery event
	// before its battery is asked for, bounded to [MinBatteryPoll,
	// MaxBatteryPoll], default 5 min.
	BatteryPoll time.Duration
}

// Bounds of the poll intervals.
const (
	MinChildPoll   = time.Second
	MaxChildPoll   = time.Minute
	MinBatteryPoll = 10 * time.Second
	MaxBatteryPoll = 30 * time.Minute
)

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	if o.EraseTimeout <= 0 {
		o.EraseTimeout = time.Minute
	}
	if o.VerifyTimeout <= 0 {
		o.VerifyTimeout = 30 * time.Second
	}
	if o.ChildPoll == 0 {
		o.ChildPoll = 5 * time.Second
	}
	o.ChildPoll = min(max(o.ChildPoll, MinChildPoll), MaxChildPoll)
	if o.BatteryPoll == 0 {
		o.BatteryPoll = 5 * time.Minute
	}
	o.BatteryPoll = min(max(o.BatteryPoll, MinBatteryPoll), MaxBatteryPoll)
	return o
}

// Protocol is the GN protocol driver.
type Protocol struct{ opt Options }

// New returns the driver.
func New(opt Options) *Protocol { return &Protocol{opt: opt.withDefaults()} }

var _ hid.Protocol = (*Protocol)(nil)

// Name is "jabra".
func (p *Protocol) Name() string { return "jabra" }

// Claim wants every interface whose descriptor has the GN collection, more
// strongly than the standard call-control driver wants the same interface.
// Interfaces without it (the audio controls of the same headset, the older
// Speak models' report 2) are not the driver's.
func (p *Protocol) Claim(info hid.Info, desc []byte) int {
	if _, err := FindLayout(desc); err != nil {
		return 0
	}
	if info.VendorID == VendorID {
		return 20
	}
	return 10 // a GN collection under another vendor id (a rebadged device)
}

// SettlesItself tells the HID host that Run says when it has reported the
// devices present at start (a dongle and the headset behind it), through
// the session's Settled method, rather than at the first arrival.
func (p *Protocol) SettlesItself() bool { return true }

// Run drives one interface until ctx ends or the device goes.
func (p *Protocol) Run(ctx context.Context, dev hid.Device, s hid.Session) error {
	info := dev.Info()
	desc, err := dev.ReportDescriptor()
	if err != nil {
		return fmt.Errorf("jabra: read the report descriptor of %s: %w", info.Path, err)
	}
	layout, err := FindLayout(desc)
	if err != nil {
		return fmt.Errorf("jabra: %s: %w", info.Path, err)
	}
	return p.run(ctx, dev, s, layout)
}

// run drives dev with frames of the given layout.
func (p *Protocol) run(ctx context.Context, dev hid.Device, s hid.Session, layout Layout) error {
	info := dev.Info()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := s.Log()
	if log == nil {
		log = slog.Default()
	}
	l := newLink(dev, layout, &p.opt, log)
	r := newRun(p, l, s, info, log)
	if desc, err := dev.ReportDescriptor(); err == nil {
		if r.cc = callControl(desc); r.cc != nil {
			l.others = make(chan []byte, 64)
		}
	}
	go l.read(ctx)
	err := r.start(ctx)
	if st, ok := s.(interface{ Settled() }); ok {
		st.Settled() // also when start failed: there is nothing more to wait for
	}
	switch {
	case err == nil:
	case ctx.Err() != nil, errors.Is(err, errGone):
		return nil
	default:
		return fmt.Errorf("jabra: %s: %w", info.Path, err)
	}
	return r.loop(ctx)
}
