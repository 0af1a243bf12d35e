// Package jabratest plays Jabra devices that speak the GN protocol
// (docs/hardware.md §2) on a replay bus, for tests above the driver: a headset
// that answers its identity, battery and settings, keeps what is written
// to it, and takes a firmware update the way §2.8 describes. It holds
// state, which the replay bus's stateless rules cannot.
package jabratest

import (
	"bytes"
	"sync"

	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
)

// Descriptor is a GN interface: a Telephony collection (report 3) and the
// vendor collection FF00/05 with report 5 of 63 data bytes out and in.
var Descriptor = []byte{
	0x05, 0x0B, 0x09, 0x05, 0xA1, 0x01, 0x85, 0x03, 0x15, 0x00, 0x25, 0x01, 0x09, 0x20, 0x09, 0x2F,
	0x75, 0x01, 0x95, 0x02, 0x81, 0x02, 0x75, 0x06, 0x95, 0x01, 0x81, 0x01, 0xC0,
	0x06, 0x00, 0xFF, 0x09, 0x05, 0xA1, 0x01, 0x85, 0x05, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08,
	0x95, 0x3F, 0x09, 0x01, 0x91, 0x02, 0x09, 0x01, 0x81, 0x02, 0xC0,
}

// Bus is a replay bus whose devices may also be played by a Device.
type Bus struct {
	*replay.Bus
	mu      sync.Mutex
	players map[string]*Device
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{Bus: replay.New(), players: map[string]*Device{}} }

// Add puts a GN interface on the bus, played by dev.
func (b *Bus) Add(info hid.Info, dev *Device) error {
	b.mu.Lock()
	b.players[info.Path] = dev
	b.mu.Unlock()
	dev.mu.Lock()
	dev.bus, dev.path = b, info.Path
	dev.mu.Unlock()
	return b.Bus.Add(replay.Spec{Info: info, Descriptor: Descriptor, InputLengths: map[byte]int{5: 64}})
}

// Open opens the interface; what the driver writes goes to its Device.
func (b *Bus) Open(path string) (hid.Device, error) {
	h, err := b.Bus.Open(path)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	d := b.players[path]
	b.mu.Unlock()
	if d == nil {
		return h, nil
	}
	return &played{Device: h, bus: b, path: path, dev: d}, nil
}

type played struct {
	hid.Device
	bus  *Bus
	path string
	dev  *Device
}

func (p *played) Write(report []byte) (int, error) {
	n, err := p.Device.Write(report)
	if err != nil {
		return n, err
	}
	for _, r := range p.dev.answer(report) {
		p.bus.Input(p.path, r)
	}
	return n, nil
}

// Unit is what answers at one GN address.
type Unit struct {
	Name, Serial, Firmware string
	Variant                [2]byte
	DFUPID                 uint16
	FWU                    byte               // firmware-update protocol (02/14)
	Battery                []byte             // 12/02 payload; nil: NACK (no battery)
	Settings               map[[2]byte][]byte // GET payload by cmd/sub; a SET stores its payload
	// Refuse NACKs a SET of cmd/sub with the reason; Ignore ACKs it and keeps the old value.
	Refuse map[[2]byte]byte
	Ignore map[[2]byte]bool
	// Images are the images a firmware update wrote, by partition, and
	// Version the version it wrote last.
	Images  map[byte][]byte
	Version [3]byte

	part   byte
	chunks map[int][]byte
	total  int
}

// Device plays the GN addresses of one interface. Off units (a headset
// switched off behind its dongle) NACK with F3.
type Device struct {
	mu    sync.Mutex
	units map[byte]*Unit
	off   map[byte]bool
	bus   *Bus
	path  string
	// UnplugAtChunk, when > 0, unplugs the interface when that chunk comes.
	UnplugAtChunk int
}

// NewDevice returns a device with the given units by address.
func NewDevice(units map[byte]*Unit) *Device {
	for _, u := range units {
		if u.Settings == nil {
			u.Settings = map[[2]byte][]byte{}
		}
		if u.Images == nil {
			u.Images = map[byte][]byte{}
		}
	}
	return &Device{units: units, off: map[byte]bool{}}
}

// SetOn switches the unit at addr on or off.
func (d *Device) SetOn(addr byte, on bool) {
	d.mu.Lock()
	d.off[addr] = !on
	d.mu.Unlock()
}

// Unit returns a copy of the unit at addr.
func (d *Device) Unit(addr byte) Unit {
	d.mu.Lock()
	defer d.mu.Unlock()
	u := *d.units[addr]
	u.Images = map[byte][]byte{}
	for k, v := range d.units[addr].Images {
		u.Images[k] = bytes.Clone(v)
	}
	u.Settings = map[[2]byte][]byte{}
	for k, v := range d.units[addr].Settings {
		u.Settings[k] = bytes.Clone(v)
	}
	return u
}

// Event sends an unsolicited frame from addr.
func (d *Device) Event(addr, cmd, sub byte, payload ...byte) error {
	d.mu.Lock()
	bus, path := d.bus, d.path
	d.mu.Unlock()
	return bus.Input(path, frame(addr, 0, 0, cmd, sub, payload))
}

// frame builds a 64-byte report from addr to the host.
func frame(addr, seq byte, typ byte, cmd, sub byte, payload []byte) []byte {
	b := make([]byte, 64)
	b[0], b[1], b[2], b[3] = 0x05, 0x00, addr, seq
	b[4] = typ<<6 | byte(6+len(payload))
	b[5], b[6] = cmd, sub
	copy(b[7:], payload)
	return b
}

func ack(addr, seq byte) []byte {
	b := make([]byte, 64)
	copy(b, []byte{0x05, 0x00, addr, seq, 0xC5, 0xFF})
	return b
}

func nack(addr, seq, reason byte) []byte {
	return frame(addr, seq, 3, 0xFE, reason, nil)
}

func lstr(s string) []byte { return append([]byte{byte(len(s))}, s...) }

// answer plays one written report.
func (d *Device) answer(req []byte) [][]byte {
	if len(req) < 7 || req[0] != 0x05 || req[2] != 0x00 {
		return nil
	}
	addr, seq, typ, n := req[1], req[3], req[4]>>6, int(req[4]&0x3F)
	if n < 6 || 1+n > len(req) {
		return nil
	}
	cmd, sub, payload := req[5], req[6], req[7:1+n]
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.units[addr]
	switch {
	case u == nil:
		return [][]byte{nack(addr, seq, 0xF5)}
	case d.off[addr]:
		return [][]byte{nack(addr, seq, 0xF3)}
	}
	key := [2]byte{cmd, sub}
	reply := func(p ...byte) [][]byte { return [][]byte{frame(addr, seq, 3, cmd, sub, p)} }
	if typ == 1 { // GET
		switch key {
		case [2]byte{0x02, 0x00}:
			return reply(lstr(u.Name)...)
		case [2]byte{0x02, 0x01}:
			return reply(lstr(u.Serial)...)
		case [2]byte{0x02, 0x02}:
			return reply(2, u.Variant[0], u.Variant[1])
		case [2]byte{0x02, 0x03}:
			return reply(lstr(u.Firmware)...)
		case [2]byte{0x02, 0x13}:
			return reply(byte(u.DFUPID), byte(u.DFUPID>>8))
		case [2]byte{0x02, 0x14}:
			return reply(u.FWU)
		case [2]byte{0x12, 0x02}:
			if u.Battery == nil {
				return [][]byte{nack(addr, seq, 0xFF)}
			}
			return reply(u.Battery...)
		}
		if v, ok := u.Settings[key]; ok {
			return reply(v...)
		}
		return [][]byte{nack(addr, seq, 0xFF)}
	}
	if typ == 2 { // SET
		if cmd == 0x0F {
			return d.flash(addr, seq, u, sub, payload)
		}
		if _, ok := u.Settings[key]; !ok {
			return [][]byte{nack(addr, seq, 0xFF)}
		}
		if r, ok := u.Refuse[key]; ok {
			return [][]byte{nack(addr, seq, r)}
		}
		if !u.Ignore[key] {
			v := bytes.Clone(payload)
			if key == [2]byte{0x12, 0x08} && len(v) > 1 {
				v = v[:1] // GET answers the state alone
			}
			u.Settings[key] = v
		}
		return [][]byte{ack(addr, seq)}
	}
	if typ == 0 && cmd == 0x0F && sub == 0x1A {
		return d.chunk(addr, u, payload)
	}
	return nil
}

// flash plays the SETs of a firmware update (docs/hardware.md §2.8).
func (d *Device) flash(addr, seq byte, u *Unit, sub byte, p []byte) [][]byte {
	switch sub {
	case 0x2D:
		if len(p) > 0 {
			u.part = p[0]
		}
	case 0x17:
		u.chunks = map[int][]byte{}
		return [][]byte{ack(addr, seq), frame(addr, 0, 0, 0x0F, 0x18, nil)}
	case 0x19:
		switch {
		case u.FWU == 7 && len(p) >= 8:
			u.total = int(p[4]) | int(p[5])<<8
		case u.FWU == 16 && len(p) >= 12:
			u.total = int(p[8]) | int(p[9])<<8 | int(p[10])<<16 | int(p[11])<<24
		default:
			return [][]byte{nack(addr, seq, 0xFA)}
		}
	case 0x1E:
		if len(p) >= 3 {
			copy(u.Version[:], p)
		}
	case 0x1D:
	default:
		return [][]byte{nack(addr, seq, 0xFF)}
	}
	return [][]byte{ack(addr, seq)}
}

// chunk keeps one chunk and says so after every tenth and the last.
func (d *Device) chunk(addr byte, u *Unit, p []byte) [][]byte {
	if len(p) < 4 || u.chunks == nil {
		return nil
	}
	n, size := int(p[0])|int(p[1])<<8, int(p[2])|int(p[3])<<8
	if size > len(p)-4 {
		return nil
	}
	if d.UnplugAtChunk > 0 && n == d.UnplugAtChunk {
		go d.bus.Detach(d.path)
		return nil
	}
	u.chunks[n] = bytes.Clone(p[4 : 4+size])
	last := n == u.total-1
	if n%10 != 0 && !last {
		return nil
	}
	out := [][]byte{frame(addr, 0, 0, 0x0F, 0x1B, []byte{byte(n), byte(n >> 8)})}
	if last {
		var img []byte
		for i := 0; i < u.total; i++ {
			img = append(img, u.chunks[i]...)
		}
		u.Images[u.part] = img
		out = append(out, frame(addr, 0, 0, 0x0F, 0x1C, []byte{0}))
	}
	return out
}
