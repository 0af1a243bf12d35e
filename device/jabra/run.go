package jabra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hidtel"
)

// run is the driver at work on one interface: the device at its own
// address, and the headset behind it when it is a dongle or base.
type run struct {
	p    *Protocol
	l    *link
	s    hid.Session
	info hid.Info
	log  *slog.Logger

	model Model
	known bool                // the product id is in the model table
	cc    *hidtel.CallControl // the interface's call-control inputs; nil when none

	mu     sync.Mutex // guards nodes and every node's fields; orders Emit
	nodes  map[byte]*node
	self   byte // the interface's own GN address
	missed int  // child polls in a row the headset did not answer
}

// node is one device the run reports.
type node struct {
	addr     byte
	dev      device.Device
	fwu      int    // firmware-update protocol (02/14); 0 when unknown
	dfuPID   uint16 // 02/13; 0 when unknown
	has      map[string]bool
	light    bool      // 12/08 answers: the busylight can be switched
	battery  time.Time // when the battery was last heard of
	updating bool
}

func newRun(p *Protocol, l *link, s hid.Session, info hid.Info, log *slog.Logger) *run {
	r := &run{p: p, l: l, s: s, info: info, log: log, nodes: make(map[byte]*node)}
	if info.VendorID == VendorID {
		r.model, r.known = Lookup(info.ProductID)
	}
	return r
}

// probeOrder is where a device of unknown product id may answer
// (jabridge probes 8, 3, 1, 0, 2 for devices on their own cable).
var probeOrder = []byte{AddrUSB, AddrDongle, 0x03, 0x02}

// start finds the interface's own address, reads its device and reports
// it, then looks for a headset behind it.
func (r *run) start(ctx context.Context) error {
	addrs := probeOrder
	if r.known {
		addrs = []byte{r.model.Addr}
	}
	var id ident
	var err error
	attempts := 1 // probing: a silent address is not worth several timeouts
	if r.known {
		attempts = r.p.opt.Attempts
	}
	for _, a := range addrs {
		id, err = r.readIdent(ctx, a, attempts)
		if err == nil {
			r.self = a
			break
		}
		if errors.Is(err, errGone) || ctx.Err() != nil {
			return err
		}
	}
	if err != nil {
		return fmt.Errorf("no GN device answered at address %s: %w", hexList(addrs), err)
	}
	if !r.known {
		r.log.Info("Jabra product id not in the model table; driven through its report descriptor (support level: detected)",
			"vendorId", fmt.Sprintf("%04X", r.info.VendorID), "productId", fmt.Sprintf("%04X", r.info.ProductID),
			"address", hexByte(r.self), "name", id.name)
	}
	r.mu.Lock()
	n := r.newNode(r.self, id, "")
	r.mu.Unlock()
	// A dongle's headset is read before either is reported, and both are
	// reported together: what waits for the interface's first arrival (a
	// one-shot listing) then finds the headset too.
	var child *ident
	if n.dev.Kind == device.KindDongle || n.dev.Kind == device.KindBase {
		if cid, err := r.readIdent(ctx, AddrChild, 1); err == nil {
			child = &cid
		} else if errors.Is(err, errGone) || ctx.Err() != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nodes[r.self] = n
	r.serve(n) // before it is seen, so that what sees it can use it
	var c *node
	if child != nil {
		c = r.newNode(AddrChild, *child, n.dev.ID)
		r.nodes[AddrChild] = c
		r.serve(c)
	}
	r.emit(device.Arrived, n)
	if c != nil {
		r.emit(device.Arrived, c)
	}
	return nil
}

// loop handles events and polls until ctx ends or the device goes.
func (r *run) loop(ctx context.Context) error {
	clk := r.p.opt.Clock
	var childTick <-chan time.Time
	if r.self == AddrDongle {
		childTick = clk.After(r.p.opt.ChildPoll)
	}
	batteryTick := clk.After(r.p.opt.BatteryPoll / 2)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.l.gone:
			return nil
		case f := <-r.l.events:
			r.event(ctx, f)
		case rep := <-r.l.others: // nil channel when the interface has no call control
			r.callReport(rep)
		case <-childTick:
			if !r.busy() {
				r.pollChild(ctx)
			}
			childTick = clk.After(r.p.opt.ChildPoll)
		case <-batteryTick:
			if !r.busy() {
				r.pollBatteries(ctx)
			}
			batteryTick = clk.After(r.p.opt.BatteryPoll / 2)
		}
	}
}

// busy tells whether a firmware update holds the interface; polls wait.
func (r *run) busy() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.nodes {
		if n.updating {
			return true
		}
	}
	return false
}

// event handles one unsolicited frame.
func (r *run) event(ctx context.Context, f Frame) {
	r.mu.Lock()
	n := r.nodes[f.Src]
	r.mu.Unlock()
	switch {
	case f.Cmd == 0x12 && f.Sub == 0x02 && n != nil:
		if b, ok := parseBattery(f.Payload); ok {
			r.setBattery(n, b)
		}
	case n == nil && f.Src == AddrChild && r.self == AddrDongle:
		// The headset speaks before the next poll: it has just connected.
		r.pollChild(ctx)
	}
}

// pollBatteries asks for the battery of every device that has one and has
// sent no battery event for BatteryPoll.
func (r *run) pollBatteries(ctx context.Context) {
	now := r.s.Now()
	r.mu.Lock()
	var due []*node
	for _, n := range r.nodes {
		if n.dev.Battery != nil && now.Sub(n.battery) >= r.p.opt.BatteryPoll {
			due = append(due, n)
		}
	}
	r.mu.Unlock()
	for _, n := range due {
		r.mu.Lock()
		since := now.Sub(n.battery)
		r.mu.Unlock()
		r.log.Debug("battery poll: no battery event", "addr", hexByte(n.addr), "for", since, "bound", r.p.opt.BatteryPoll)
		f, err := r.l.request(ctx, n.addr, TypeGet, 0x12, 0x02)
		if err != nil {
			r.log.Debug("battery poll failed", "addr", n.addr, "err", err)
			continue
		}
		if b, ok := parseBattery(f.Payload); ok {
			r.setBattery(n, b)
		}
	}
}

func (r *run) setBattery(n *node, b device.Battery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n.battery = r.s.Now()
	if n.dev.Battery != nil && *n.dev.Battery == b {
		return
	}
	n.dev.Battery = &b
	if r.nodes[n.addr] == n {
		r.emit(device.Changed, n)
	}
}

// pollChild asks a dongle's headset (address 04) who it is: a headset that
// answers and was not there arrives; one that is not connected (NACK) or
// misses two polls leaves.
func (r *run) pollChild(ctx context.Context) {
	r.mu.Lock()
	present := r.nodes[AddrChild]
	r.mu.Unlock()
	if present != nil {
		_, err := r.l.request(ctx, AddrChild, TypeGet, 0x02, 0x13)
		switch {
		case err == nil, errors.Is(err, ErrNotSupported):
			r.missed = 0
			return
		case errors.Is(err, ErrNoReply):
			if r.missed++; r.missed < 2 {
				return
			}
		case !errors.Is(err, ErrNotConnected):
			return // gone or stopping: Run ends
		}
		r.log.Info("the headset behind the dongle left", "dongle", r.s.ID(""), "err", err)
		r.mu.Lock()
		delete(r.nodes, AddrChild)
		r.s.Serve(present.dev.ID, nil)
		r.emit(device.Removed, present)
		r.mu.Unlock()
		return
	}
	id, err := r.readIdent(ctx, AddrChild, 1)
	if err != nil {
		if !errors.Is(err, ErrNotConnected) && !errors.Is(err, ErrNoReply) {
			r.log.Debug("no headset behind the dongle", "err", err)
		}
		return
	}
	r.missed = 0
	r.mu.Lock()
	parent := r.nodes[r.self]
	n := r.newNode(AddrChild, id, parent.dev.ID)
	r.nodes[AddrChild] = n
	r.serve(n)
	r.emit(device.Arrived, n)
	r.mu.Unlock()
}

// emit reports n; the caller holds r.mu.
func (r *run) emit(t device.EventType, n *node) {
	r.s.Emit(device.Event{Type: t, At: r.s.Now(), Device: n.dev.Clone()})
}

// serve registers what n can do; the caller holds r.mu.
func (r *run) serve(n *node) {
	h := &handler{r: r, addr: n.addr}
	if n.light {
		r.s.Serve(n.dev.ID, &lightHandler{h})
		return
	}
	r.s.Serve(n.dev.ID, h)
}

// ident is what a device says about itself.
type ident struct {
	name, serial, variant, firmware string
	battery                         *device.Battery
	dfuPID                          uint16
	fwu                             int
	settings                        map[string]string
	light                           bool
}

// readIdent reads a device's identity, battery and settings. The name
// request (sent up to attempts times) decides whether anything answers at
// addr; the rest is optional (a dongle has no battery, an older headset no
// DFU product id) and tried once.
func (r *run) readIdent(ctx context.Context, addr byte, attempts int) (ident, error) {
	var id ident
	var f Frame
	err := r.l.hold(func(x exchange) error {
		var err error
		f, err = x.send(ctx, attempts, addr, TypeGet, 0x02, 0x00)
		return err
	})
	if err != nil {
		return id, err
	}
	id.name = lengthString(f.Payload)
	opt := func(cmd, sub byte) ([]byte, bool) {
		f, err := r.l.try(ctx, addr, TypeGet, cmd, sub)
		if err != nil {
			r.log.Debug("GN read failed", "addr", addr, "cmd", fmt.Sprintf("%02X/%02X", cmd, sub), "err", err)
			return nil, false
		}
		return f.Payload, true
	}
	if p, ok := opt(0x02, 0x01); ok {
		id.serial = lengthString(p)
	}
	if p, ok := opt(0x02, 0x02); ok {
		id.variant = variant(p)
	}
	if p, ok := opt(0x02, 0x03); ok {
		id.firmware = lengthString(p)
	}
	if p, ok := opt(0x02, 0x13); ok && len(p) >= 2 {
		id.dfuPID = uint16(p[0]) | uint16(p[1])<<8
	}
	if p, ok := opt(0x02, 0x14); ok && len(p) >= 1 {
		id.fwu = int(p[0])
	}
	if p, ok := opt(0x12, 0x02); ok {
		if b, ok := parseBattery(p); ok {
			id.battery = &b
		}
	}
	id.settings = map[string]string{}
	for _, st := range settingsTable {
		if p, ok := opt(st.cmd, st.sub); ok {
			if v, err := st.decode(p); err == nil {
				id.settings[st.name] = v
			}
			if st.cmd == 0x12 && st.sub == 0x08 {
				id.light = true
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return id, err
	}
	return id, nil
}

// newNode builds the device at addr from what it said; the caller holds
// r.mu (or is the only goroutine).
func (r *run) newNode(addr byte, id ident, parent string) *node {
	n := &node{addr: addr, fwu: id.fwu, dfuPID: id.dfuPID, has: map[string]bool{}, light: id.light}
	d := device.Device{Info: device.Info{
		VendorID: r.info.VendorID, ProductID: r.info.ProductID, Variant: id.variant,
		ESN: id.serial, Firmware: id.firmware, Connection: device.ConnUSB, Name: id.name,
	}}
	model, known := r.model, r.known
	if parent == "" {
		d.ID = r.s.ID("")
		d.InstanceID = r.info.Path
		if d.ESN == "" {
			d.ESN = r.info.Serial
		}
	} else {
		d.ID, d.Parent = r.s.ID(hexByte(addr)), parent
		d.VendorID, d.ProductID = VendorID, id.dfuPID
		d.Connection = r.model.Link
		if d.Connection == "" {
			d.Connection = device.ConnBluetooth
		}
		model, known = Lookup(id.dfuPID)
		if !known || model.Kind == device.KindDongle {
			model, known = Model{Kind: device.KindHeadset}, false
		}
	}
	switch {
	case known:
		d.Kind = model.Kind
		if d.Name == "" {
			d.Name = model.Name
		}
		if n.fwu == 0 {
			n.fwu = model.FWU
		}
	case addr == AddrDongle:
		d.Kind = device.KindDongle
	default:
		d.Kind = device.KindHeadset
	}
	if d.Name == "" {
		d.Name = r.info.Product
	}
	if d.Name == "" {
		d.Name = fmt.Sprintf("Jabra device %04X", d.ProductID)
	}
	if id.battery != nil {
		b := *id.battery
		d.Battery = &b
		n.battery = r.s.Now()
	}
	d.Settings = id.settings
	for k := range id.settings {
		n.has[k] = true
	}
	n.dev = d
	return n
}

// parseBattery reads a 12/02 payload: [flags][level]…; flags bit 0
// charging, bit 1 low (docs/hardware.md §2.5). A level of 0 or over 100 is not a
// reading (fwupd rejects 0).
func parseBattery(p []byte) (device.Battery, bool) {
	if len(p) < 2 || p[1] == 0 || p[1] > 100 {
		return device.Battery{}, false
	}
	b := device.Battery{Level: int(p[1]), Charging: p[0]&0x01 != 0, Low: p[0]&0x02 != 0}
	if b.Level <= device.LowBatteryLevel {
		b.Low = true
	}
	return b, true
}

// lengthString reads [len][bytes] as text, within the payload, dropping
// trailing NULs and bytes that are not UTF-8.
func lengthString(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	n := min(int(p[0]), len(p)-1)
	s := strings.TrimRight(string(p[1:1+n]), "\x00 ")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F {
			return -1
		}
		return r
	}, s)
}

// variant shows a 02/02 answer [len][bytes] as "XX-XX".
func variant(p []byte) string {
	if len(p) < 3 || p[0] < 2 {
		return ""
	}
	return fmt.Sprintf("%02X-%02X", p[1], p[2])
}

func hexByte(b byte) string { return fmt.Sprintf("%02X", b) }

func hexList(bs []byte) string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = hexByte(b)
	}
	return strings.Join(s, ", ")
}
