// Package hidhost is the one device.Driver for every HID interface. It
// enumerates a hid.Bus, watches it for hot-plug (or, where the platform
// cannot watch, diffs a throttled enumeration), reads each interface's
// report descriptor, lets the protocol drivers (hidtel, jabra, busylight)
// claim it, and runs the winner in its own goroutine through a hid.Session.
//
// Interfaces no protocol claims are listed as devices of kind "other" when
// their vendor is on Earshot's udev list and their collections make them a
// headset, speakerphone or busylight; interfaces the OS refuses to open are
// listed with the reason (Unopenable), never dropped silently.
package hidhost

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
)

// DefaultPollInterval is how often the host enumerates when the Bus cannot
// watch for hot-plug. One enumeration of sysfs or hidapi costs well under a
// millisecond, so 2 s stays far below 0.2 % of one core.
const DefaultPollInterval = 2 * time.Second

// DefaultSettleTimeout bounds how long Settled waits for the protocols.
const DefaultSettleTimeout = 5 * time.Second

// Params are the dependencies of a Host.
type Params struct {
	Bus       hid.Bus
	Protocols []hid.Protocol
	Clock     clock.Clock  // nil: the wall clock
	Logger    *slog.Logger // nil: slog.Default()
	// PollInterval is the throttled enumeration's period when Watch fails;
	// 0 means DefaultPollInterval.
	PollInterval time.Duration
	// Name is the driver's name; "" means "hid".
	Name string
}

// Host runs the HID protocols on a Bus. It implements device.Driver,
// device.SettingsWriter, device.SettingsChecker, device.FirmwareUpdater and
// device.Lighter, routing each to the handler the protocol served for the
// device.
type Host struct {
	p   Params
	clk clock.Clock
	log *slog.Logger

	mu       sync.Mutex
	emit     func(device.Event)     // nil unless Run is running
	attached map[string]*attachment // by group key
	byPath   map[string]string      // interface path → group key
	handlers map[string]any         // device ID → SettingsHandler, FirmwareHandler, LightHandler
	// listed: every interface seen, by path, for List (hid list).
	listed map[string]Interface
	// pending counts the interfaces present at start that have not settled;
	// started is closed once the first enumeration has been handled.
	pending int
	settle  chan struct{} // closed when pending reaches 0 after start
	started chan struct{}
	running sync.WaitGroup
	// changed is closed and replaced whenever an interface is attached,
	// settled or removed (WaitPath).
	changed chan struct{}
}

// Interface is one HID interface as the host sees it: for `earshot hid
// list` and the log.
type Interface struct {
	Info     hid.Info
	Protocol string // the protocol that drives it, "" when none claims it
	Openable bool
	Reason   string // why it cannot be opened or is not driven ("" when driven), for the log
	// Hint tells a person how to give Earshot access (a translation key and
	// its data; hid.PermissionHint) when the OS refused to open it.
	Hint   *hid.Hint
	Listed bool // shown as a device of kind other
}

// attachment is one physical interface group: the interfaces of one USB
// interface that the OS lists apart (hidapi on Windows lists one path per
// top-level collection).
type attachment struct {
	key     string // groupKey
	id      string // the device ID of the interface: its first path
	members []hid.Info
	cancel  context.CancelFunc
	done    chan struct{} // closed when its run has ended and removed its devices
	other   *device.Device
	settled bool
	initial bool // present at start: Settled waits for it
}

// New returns a Host; Run starts it.
func New(p Params) *Host {
	h := &Host{p: p, clk: p.Clock, log: p.Logger,
		attached: map[string]*attachment{}, byPath: map[string]string{}, handlers: map[string]any{},
		listed: map[string]Interface{}, settle: make(chan struct{}), started: make(chan struct{}),
		changed: make(chan struct{})}
	if h.clk == nil {
		h.clk = clock.Real{}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.p.PollInterval <= 0 {
		h.p.PollInterval = DefaultPollInterval
	}
	return h
}

// Name returns the driver's name ("hid" unless Params.Name says otherwise).
func (h *Host) Name() string { return cmp.Or(h.p.Name, "hid") }

// Run enumerates the Bus, starts a protocol run for every claimed interface
// and follows hot-plug until ctx is done; it returns once every protocol run
// has ended and its devices have been reported removed.
func (h *Host) Run(ctx context.Context, emit func(device.Event)) error {
	h.mu.Lock()
	h.emit = emit
	h.mu.Unlock()
	defer func() {
		h.running.Wait()
		h.mu.Lock()
		h.emit = nil
		h.mu.Unlock()
	}()

	changes := make(chan hid.Change, 64)
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watchErr := make(chan error, 1)
	go func() { watchErr <- h.p.Bus.Watch(watchCtx, changes) }()

	infos, err := h.p.Bus.Enumerate()
	if err != nil {
		h.log.Warn("hid: cannot list HID interfaces; no HID device is shown until the next change", "err", err)
	}
	h.sync(ctx, infos, true)
	h.mu.Lock()
	if len(h.attached) == 0 && len(h.listed) == 0 {
		h.log.Info("hid: no HID devices found", "why", noDevicesWhy(err))
	}
	h.mu.Unlock()
	close(h.started)

	var poll <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			h.detachAll()
			return nil
		case err := <-watchErr:
			if ctx.Err() != nil {
				continue
			}
			h.log.Info("hid: hot-plug notices unavailable; listing HID interfaces periodically instead",
				"every", h.p.PollInterval, "err", err)
			watchErr = nil
			poll = h.clk.After(h.p.PollInterval)
		case <-poll:
			infos, err := h.p.Bus.Enumerate()
			if err != nil {
				h.log.Debug("hid: enumerate", "err", err)
			} else {
				h.sync(ctx, infos, false)
			}
			poll = h.clk.After(h.p.PollInterval)
		case c := <-changes:
			h.apply(ctx, drain(c, changes))
		}
	}
}

// noDevicesWhy is the one log line's reason when nothing is listed.
func noDevicesWhy(err error) string {
	if err != nil {
		return "the HID interfaces could not be listed: " + err.Error()
	}
	return "no HID interface is present (no /dev/hidraw* node on Linux): nothing is plugged in, or the kernel's hidraw support is missing"
}

// sync makes the attachments match infos: it removes what left and adds
// what arrived.
func (h *Host) sync(ctx context.Context, infos []hid.Info, initial bool) {
	present := make(map[string]bool, len(infos))
	for _, in := range infos {
		present[in.Path] = true
	}
	h.mu.Lock()
	var gone []string
	for path := range h.byPath {
		if !present[path] {
			gone = append(gone, path)
		}
	}
	for path := range h.listed {
		if _, attached := h.byPath[path]; !attached && !present[path] {
			gone = append(gone, path)
		}
	}
	h.mu.Unlock()
	slices.Sort(gone)
	for _, path := range gone {
		h.remove(path)
	}
	for _, g := range group(infos) {
		h.attachGroup(ctx, g, initial)
	}
}

// drain returns c and the changes already waiting behind it, so the
// collections of one device that arrive together start as one group.
func drain(c hid.Change, changes <-chan hid.Change) []hid.Change {
	out := []hid.Change{c}
	for len(out) < cap(changes) {
		select {
		case c := <-changes:
			out = append(out, c)
		default:
			return out
		}
	}
	return out
}

// apply handles hot-plug changes: removals first, then the arrivals, by
// group. An arrival the host already has is ignored (Watch may repeat what
// Enumerate listed); a collection that joins a group already driven (hidapi
// lists each top-level collection apart) restarts the group with it.
func (h *Host) apply(ctx context.Context, changes []hid.Change) {
	var added []hid.Info
	for _, c := range changes {
		if !c.Added {
			h.remove(c.Info.Path)
			added = slices.DeleteFunc(added, func(in hid.Info) bool { return in.Path == c.Info.Path })
			continue
		}
		h.mu.Lock()
		_, known := h.byPath[c.Info.Path]
		h.mu.Unlock()
		if !known && !slices.ContainsFunc(added, func(in hid.Info) bool { return in.Path == c.Info.Path }) {
			added = append(added, c.Info)
		}
	}
	for _, g := range group(added) {
		h.mu.Lock()
		a := h.attached[groupKey(g[0])]
		h.mu.Unlock()
		if a != nil {
			g = append(slices.Clone(a.members), g...)
			h.detach(a)
		}
		h.attachGroup(ctx, g, false)
	}
}

// remove detaches the interface at path and the whole group it belongs
// to: the collections of one interface leave together when it is
// unplugged, so the rest are not started again (an enumeration that still
// finds them brings them back).
func (h *Host) remove(path string) {
	h.mu.Lock()
	key, ok := h.byPath[path]
	a := h.attached[key]
	delete(h.listed, path)
	h.mu.Unlock()
	if ok && a != nil {
		h.detach(a)
	}
}

// attachGroup opens the group's interfaces, lets the protocols claim it and
// starts the winner, or lists it as other or unopenable.
func (h *Host) attachGroup(ctx context.Context, members []hid.Info, initial bool) {
	members = slices.Clone(members)
	slices.SortFunc(members, func(a, b hid.Info) int { return cmp.Compare(a.Path, b.Path) })
	key := groupKey(members[0])
	h.mu.Lock()
	if _, dup := h.attached[key]; dup {
		h.mu.Unlock()
		return
	}
	a := &attachment{key: key, id: members[0].Path, members: members, done: make(chan struct{}), initial: initial}
	h.attached[key] = a
	for _, m := range members {
		h.byPath[m.Path] = key
	}
	if initial {
		h.pending++
	}
	h.mu.Unlock()

	dev, err := h.open(members)
	if err != nil {
		h.unopenable(a, err)
		return
	}
	desc, derr := dev.ReportDescriptor()
	if derr != nil {
		h.log.Warn("hid: cannot read the report descriptor", "path", a.id, "err", derr)
	}
	proto, claim := h.claim(dev.Info(), desc)
	if proto == nil {
		_ = dev.Close()
		h.unclaimed(a, desc)
		return
	}
	h.setListed(members, Interface{Protocol: proto.Name(), Openable: true})
	h.log.Debug("hid: interface claimed", "path", a.id, "protocol", proto.Name(), "claim", claim)
	runCtx, cancel := context.WithCancel(ctx)
	a.cancel = cancel
	r := &run{h: h, a: a, proto: proto, present: map[string]device.Device{},
		log: h.log.With("protocol", proto.Name(), "path", a.id)}
	if p, ok := proto.(interface{ SettlesItself() bool }); ok {
		r.selfSettling = p.SettlesItself()
	}
	h.running.Add(1)
	go func() {
		defer h.running.Done()
		defer close(a.done)
		defer dev.Close()
		err := proto.Run(runCtx, dev, r)
		if err != nil && runCtx.Err() == nil && !errors.Is(err, hid.ErrClosed) {
			r.log.Warn("hid: protocol stopped", "err", err)
		}
		r.end()
		h.settled(a)
	}()
}

// open opens every member and returns one Device for the group.
func (h *Host) open(members []hid.Info) (hid.Device, error) {
	var devs []hid.Device
	for _, m := range members {
		d, err := h.p.Bus.Open(m.Path)
		if err != nil {
			for _, o := range devs {
				_ = o.Close()
			}
			return nil, fmt.Errorf("open %s: %w", m.Path, err)
		}
		devs = append(devs, d)
	}
	if len(devs) == 1 {
		return devs[0], nil
	}
	return newGroupDevice(devs)
}

// claim asks every protocol; the highest claim wins, the first on a tie.
func (h *Host) claim(in hid.Info, desc []byte) (hid.Protocol, int) {
	var best hid.Protocol
	top := 0
	for _, p := range h.p.Protocols {
		if c := p.Claim(in, desc); c > top {
			best, top = p, c
		}
	}
	return best, top
}

// unopenable lists an interface the OS would not open.
func (h *Host) unopenable(a *attachment, err error) {
	reason := err.Error()
	in := a.members[0]
	var hint *hid.Hint
	if errors.Is(err, hid.ErrPermission) {
		reason = permissionReason
		h := hid.PermissionHint(in)
		hint = &h
	}
	h.log.Warn("hid: cannot open a HID interface", "path", in.Path,
		"vendorId", fmt.Sprintf("%04x", in.VendorID), "productId", fmt.Sprintf("%04x", in.ProductID),
		"product", in.Product, "reason", reason)
	listed := false
	if _, ok := VendorOf(in.VendorID, in.ProductID); ok {
		listed = true
		h.showOther(a)
	}
	h.setListed(a.members, Interface{Openable: false, Reason: reason, Hint: hint, Listed: listed})
	close(a.done)
	h.settled(a)
}

// unclaimed lists an interface that no protocol drives: as a device of kind
// other when it belongs on the desk.
func (h *Host) unclaimed(a *attachment, desc []byte) {
	in := a.members[0]
	listed, why := classify(in, desc)
	if listed {
		h.showOther(a)
	}
	h.setListed(a.members, Interface{Openable: true, Reason: why, Listed: listed})
	close(a.done)
	h.settled(a)
}

// showOther emits the Arrived of an other device for a.
func (h *Host) showOther(a *attachment) {
	in := a.members[0]
	d := otherDevice(a.id, in)
	h.mu.Lock()
	defer h.mu.Unlock()
	a.other = &d
	if h.emit != nil {
		h.emit(device.Event{Type: device.Arrived, At: h.clk.Now(), Device: d.Clone()})
	}
}

func (h *Host) setListed(members []hid.Info, it Interface) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range members {
		it.Info = m
		h.listed[m.Path] = it
	}
}

// settled records that a has been read; Settled returns once every
// interface present at start has.
func (h *Host) settled(a *attachment) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if a.settled {
		return
	}
	a.settled = true
	h.notifyLocked()
	if a.initial {
		h.pending--
		if h.pending == 0 {
			select {
			case <-h.started:
			default:
				return
			}
			h.closeSettle()
		}
	}
}

func (h *Host) closeSettle() {
	select {
	case <-h.settle:
	default:
		close(h.settle)
	}
}

// Settled waits until the host has enumerated the Bus and every protocol
// has reported the interfaces present at start (their first device event,
// or the end of their run), or until ctx is done. `earshot devices` calls it
// before it prints, so a one-shot listing shows what the drivers read.
func (h *Host) Settled(ctx context.Context) error {
	select {
	case <-h.started:
	case <-ctx.Done():
		return ctx.Err()
	}
	h.mu.Lock()
	if h.pending == 0 {
		h.closeSettle()
	}
	h.mu.Unlock()
	select {
	case <-h.settle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// detach stops a's run (which reports its devices removed) or removes its
// other device, and forgets it.
func (h *Host) detach(a *attachment) {
	if a.cancel != nil {
		a.cancel()
	}
	<-a.done
	h.mu.Lock()
	defer h.mu.Unlock()
	if a.other != nil && h.emit != nil {
		h.emit(device.Event{Type: device.Removed, At: h.clk.Now(), Device: a.other.Clone()})
	}
	a.other = nil
	if h.attached[a.key] == a {
		delete(h.attached, a.key)
	}
	for _, m := range a.members {
		if h.byPath[m.Path] == a.key {
			delete(h.byPath, m.Path)
		}
	}
	h.notifyLocked()
	if !a.settled {
		a.settled = true
		if a.initial {
			h.pending--
		}
	}
}

func (h *Host) detachAll() {
	h.mu.Lock()
	all := make([]*attachment, 0, len(h.attached))
	for _, a := range h.attached {
		all = append(all, a)
	}
	h.mu.Unlock()
	slices.SortFunc(all, func(x, y *attachment) int { return cmp.Compare(x.key, y.key) })
	for _, a := range all {
		h.detach(a)
	}
}

func (h *Host) notifyLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// WaitPath waits until the host has handled the interface at path: with
// present, until it is attached and settled (its protocol reported it or
// ended, or it was listed as other or unopenable); else until it is gone.
// The simulator uses it so that a hot-plug step's events carry the step's
// scenario time.
func (h *Host) WaitPath(ctx context.Context, path string, present bool) error {
	for {
		h.mu.Lock()
		a := h.attached[h.byPath[path]]
		_, known := h.byPath[path]
		done := !present && !known || present && known && a != nil && a.settled
		ch := h.changed
		h.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// List returns every interface the host has seen, by path.
func (h *Host) List() []Interface {
	h.mu.Lock()
	out := make([]Interface, 0, len(h.listed))
	for _, it := range h.listed {
		out = append(out, it)
	}
	h.mu.Unlock()
	slices.SortFunc(out, func(a, b Interface) int { return cmp.Compare(a.Info.Path, b.Info.Path) })
	return out
}

// Unopenable returns the interfaces the OS refused to open, each with the
// reason (and, for a permission, the udev hint).
func (h *Host) Unopenable() []Interface {
	var out []Interface
	for _, it := range h.List() {
		if !it.Openable {
			out = append(out, it)
		}
	}
	return out
}
