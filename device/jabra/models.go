package jabra

import (
	"slices"
	"sync"

	"github.com/earshot-app/earshot/device"
)

// VendorID is GN Audio's (Jabra's) USB vendor id.
const VendorID = 0x0B0E

// Model is one row of the model table: what docs/hardware.md §2.7–2.8 (and the
// Evolve3 product ids of §2.9) say about a Jabra product id.
type Model struct {
	PID  uint16
	Name string
	Kind device.Kind
	// Addr is the GN address of the device itself on its USB interface:
	// 01 for a dongle or base, 08 for a headset or speakerphone on its own
	// cable (docs/hardware.md §2.3).
	Addr byte
	// Link is how a dongle or base reaches its headset (address 04); empty
	// for a device on its own cable.
	Link device.Connection
	// FWU is the firmware-update protocol the catalogue gives (0 when the
	// table does not know; the device's 02/14 answer decides then).
	FWU int
	// Legacy marks the older Speak models that talk over report 2 (or the
	// legacy 5-byte form) rather than GN frames on report 5.
	Legacy bool
}

// group expands one product with several product ids.
func group(name string, kind device.Kind, addr byte, link device.Connection, fwu int, pids ...uint16) []Model {
	out := make([]Model, len(pids))
	for i, p := range pids {
		out[i] = Model{PID: p, Name: name, Kind: kind, Addr: addr, Link: link, FWU: fwu}
	}
	return out
}

// span lists the product ids from first to last.
func span(first, last uint16) []uint16 {
	var out []uint16
	for p := first; p <= last; p++ {
		out = append(out, p)
	}
	return out
}

var (
	headset      = device.KindHeadset
	dongle       = device.KindDongle
	speakerphone = device.KindSpeakerphone
)

// models is sorted by PID (the function sorts it). It is built on first use, not at
// package initialisation: every command links the driver, few look a model up.
var models = sync.OnceValue(func() []Model {
	var m []Model
	add := func(g []Model) { m = append(m, g...) }
	// Dongles (§2.7, jabridge isKnownDonglePID; fwupd quirk address 01).
	add(group("Jabra Link 360", dongle, AddrDongle, device.ConnBluetooth, 0, 0xA345, 0xA346))
	add(group("Jabra Link 370", dongle, AddrDongle, device.ConnBluetooth, 0, 0x245D, 0x245E, 0x24AE))
	add(group("Jabra Link 380", dongle, AddrDongle, device.ConnBluetooth, 7, 0x24C7, 0x24C8, 0x24C9, 0x24CA, 0x24E9))
	add(group("Jabra Link 390", dongle, AddrDongle, device.ConnBluetooth, 0, 0x2E50, 0x2E51, 0x2E56, 0x2E57))
	add(group("Jabra Link 400", dongle, AddrDongle, device.ConnDECT, 12, span(0x1131, 0x1136)...))
	add(group("Jabra Link", dongle, AddrDongle, device.ConnBluetooth, 0, 0x0A17, 0x2483, 0x2484))
	// Headsets and speakerphones fwupd's jabra-gnp plugin updates (§2.8).
	add(group("Jabra Evolve 65 SE", headset, AddrUSB, "", 0, span(0x24FC, 0x24FE)...))
	add(group("Jabra Evolve 75 SE", headset, AddrUSB, "", 0, span(0x2502, 0x2504)...))
	add(group("Jabra Evolve 65e", headset, AddrUSB, "", 0, 0x248E))
	add(group("Jabra Evolve 65t", headset, AddrUSB, "", 0, 0x2497))
	add(group("Jabra Evolve2 65", headset, AddrUSB, "", 0, append(span(0x24B3, 0x24B8), 0x24A3, 0x24A4)...))
	add(group("Jabra Evolve2 75", headset, AddrUSB, "", 0, span(0x24D9, 0x24DB)...))
	add(group("Jabra Evolve2 85", headset, AddrUSB, "", 0, span(0x24B9, 0x24BC)...))
	add(group("Jabra Speak2 40", speakerphone, AddrUSB, "", 0, 0xAE6D, 0xAE6B))
	add(group("Jabra Speak2 55", speakerphone, AddrUSB, "", 0, 0xAE6C, 0xAE6A, 0xAE70))
	add(group("Jabra Speak2 75", speakerphone, AddrUSB, "", 0, span(0x24EF, 0x24F1)...))
	add(group("Jabra Evolve2 50", headset, AddrUSB, "", 0, span(0x2505, 0x250A)...))
	add(group("Jabra Evolve2 55", headset, AddrUSB, "", 0, append(span(0x24F3, 0x24F8), span(0x2512, 0x2514)...)...))
	add(group("Jabra Evolve2 65 Flex", headset, AddrUSB, "", 0, span(0x2517, 0x2519)...))
	add(group("Jabra Evolve2 65 Flex Secure", headset, AddrUSB, "", 0, span(0x2523, 0x2525)...))
	// Evolve3 (§2.8 for the 85; §2.9 jabridge's catalogue for all, with
	// their firmware protocols).
	add(group("Jabra Evolve3 85", headset, AddrUSB, "", 16, span(0x253D, 0x253F)...))
	add(group("Jabra Evolve3 75", headset, AddrUSB, "", 16, span(0x2546, 0x2548)...))
	add(group("Jabra Evolve3 65", headset, AddrUSB, "", 17, span(0x2549, 0x254E)...))
	add(group("Jabra Evolve3 45", headset, AddrUSB, "", 17, span(0x254F, 0x2554)...))
	add(group("Jabra Evolve3 65 Flex", headset, AddrUSB, "", 16, span(0x2555, 0x2557)...))
	// fwupd's legacy plugin (§2.8): report 2 or the 5-byte DFU form.
	legacy := func(name string, addr byte, pids ...uint16) {
		for _, g := range group(name, speakerphone, addr, "", 1, pids...) {
			g.Legacy = true
			m = append(m, g)
		}
	}
	legacy("Jabra Speak 410", AddrDongle, 0x0412)
	legacy("Jabra Speak 510", AddrDongle, 0x0420, 0x0422)
	legacy("Jabra Speak 710", AddrUSB, 0x2475)
	legacy("Jabra Speak 810", AddrUSB, 0x2456)
	slices.SortFunc(m, func(a, b Model) int { return int(a.PID) - int(b.PID) })
	return m
})

// Models returns the model table, sorted by product id.
func Models() []Model { return slices.Clone(models()) }

// Lookup returns the model of a Jabra product id.
func Lookup(pid uint16) (Model, bool) {
	ms := models()
	i, ok := slices.BinarySearchFunc(ms, pid, func(m Model, p uint16) int { return int(m.PID) - int(p) })
	if !ok {
		return Model{}, false
	}
	return ms[i], true
}
