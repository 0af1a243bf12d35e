package hidtel

import (
	"github.com/earshot-app/earshot/device/hid/descriptor"
)

// The usages of standard call control (HID Usage Tables: Telephony 0x0B,
// Consumer 0x0C, LED 0x08), docs/hardware.md §2.10.
var (
	UsageHookSwitch = descriptor.U(0x0B, 0x20)
	UsagePhoneMute  = descriptor.U(0x0B, 0x2F)
	UsageRinger     = descriptor.U(0x0B, 0x9E)
	UsageMute       = descriptor.U(0x0C, 0xE2)
	UsageVolumeUp   = descriptor.U(0x0C, 0xE9)
	UsageVolumeDown = descriptor.U(0x0C, 0xEA)
	LEDMute         = descriptor.U(0x08, 0x09)
	LEDOffHook      = descriptor.U(0x08, 0x17)
	LEDRing         = descriptor.U(0x08, 0x18)
	LEDMicrophone   = descriptor.U(0x08, 0x21)
)

// Input is what one input report said about call control.
type Input struct {
	// Hook is set when the report carries the Hook Switch; OffHook is then
	// its level (after a relative hook switch's press, the toggled level).
	Hook    bool
	OffHook bool
	// Mute counts Phone Mute presses (Consumer Mute where the interface has
	// no Phone Mute); VolumeUp and VolumeDown count those presses.
	Mute, VolumeUp, VolumeDown int
}

// Any tells whether the report said anything about call control.
func (in Input) Any() bool { return in.Hook || in.Mute+in.VolumeUp+in.VolumeDown > 0 }

// control is one usage's place in the input reports, with its last value.
type control struct {
	usage    descriptor.Usage // the standard usage (what Decode reports)
	actual   descriptor.Usage // the usage on the descriptor's page
	field    descriptor.Field
	element  int // -1: the usage is a value of an array field
	relative bool
	last     bool // pressed (or level) in the last report of its ID
}

// CallControl decodes the standard call-control usages of one HID interface
// from its parsed report descriptor, and builds its LED output reports. It
// finds every field through the descriptor (never at a fixed offset) and
// keeps fields flagged Constant, which Jabra uses for live buttons. The
// jabra driver uses it on Jabra interfaces too. It is not safe for
// concurrent use.
type CallControl struct {
	desc     *descriptor.Descriptor
	inputs   map[byte][]*control // by report ID
	hookRel  bool
	offHook  bool // the level a relative hook switch toggles
	hasPhone bool // Phone Mute declared: Consumer Mute is not the mute key
	outputs  map[descriptor.Usage][]outPlace
	values   map[descriptor.Usage]bool // the last value of every output usage
}

type outPlace struct {
	id  byte
	bit int // bit in the report, report ID byte included
}

// Pages are the usage pages CallControl reads the call-control usages on:
// the standard pages, or a vendor's mirrors of them, which carry the same
// usage IDs (Jabra: Telephony on 0xFF30, Consumer keys on 0xFF20, LEDs on
// 0xFF40; docs/hardware.md §1.2).
type Pages struct{ Telephony, Consumer, LED uint16 }

// The standard pages, and Jabra's vendor mirrors.
var (
	StandardPages = Pages{Telephony: 0x0B, Consumer: 0x0C, LED: 0x08}
	JabraPages    = Pages{Telephony: 0xFF30, Consumer: 0xFF20, LED: 0xFF40}
)

// on returns the standard usage u on the pages p.
func (p Pages) on(u descriptor.Usage) descriptor.Usage {
	switch u.Page() {
	case 0x0B:
		return descriptor.U(p.Telephony, u.ID())
	case 0x0C:
		return descriptor.U(p.Consumer, u.ID())
	case 0x08:
		return descriptor.U(p.LED, u.ID())
	}
	return u
}

// NewCallControl reads the call-control fields of desc on the standard
// pages.
func NewCallControl(desc *descriptor.Descriptor) *CallControl {
	return NewCallControlOn(desc, StandardPages)
}

// NewCallControlOn reads the call-control fields of desc on the given
// pages. Its Decode, Set and OutputReports still speak of the standard
// usages (UsageHookSwitch, LEDMute, …).
func NewCallControlOn(desc *descriptor.Descriptor, pages Pages) *CallControl {
	c := &CallControl{desc: desc, inputs: map[byte][]*control{}, outputs: map[descriptor.Usage][]outPlace{},
		values: map[descriptor.Usage]bool{}}
	if desc == nil {
		return c
	}
	c.hasPhone = len(desc.Find(descriptor.Input, pages.on(UsagePhoneMute))) > 0
	for _, u := range []descriptor.Usage{UsageHookSwitch, UsagePhoneMute, UsageMute, UsageVolumeUp, UsageVolumeDown} {
		if u == UsageMute && c.hasPhone {
			continue
		}
		for _, loc := range desc.Find(descriptor.Input, pages.on(u)) {
			f := desc.Fields[loc.Field]
			ctl := &control{usage: u, actual: pages.on(u), field: f, element: loc.Element, relative: f.Flags.Relative()}
			if u == UsageHookSwitch && ctl.relative {
				c.hookRel = true
			}
			c.inputs[f.ReportID] = append(c.inputs[f.ReportID], ctl)
		}
	}
	for _, u := range []descriptor.Usage{LEDOffHook, LEDMute, LEDMicrophone, LEDRing, UsageRinger} {
		for _, loc := range desc.Find(descriptor.Output, pages.on(u)) {
			f := desc.Fields[loc.Field]
			if loc.Element < 0 || f.Size != 1 {
				continue // an LED is one bit of a variable field
			}
			c.outputs[u] = append(c.outputs[u], outPlace{id: f.ReportID, bit: f.ReportBit(loc.Element)})
		}
	}
	return c
}

// HasCallControl tells whether the interface has a Hook Switch, a mute key
// or volume keys.
func (c *CallControl) HasCallControl() bool { return len(c.inputs) > 0 }

// HasTelephony tells whether it has a Hook Switch or Phone Mute.
func (c *CallControl) HasTelephony() bool {
	for _, ctls := range c.inputs {
		for _, ctl := range ctls {
			if ctl.usage == UsageHookSwitch || ctl.usage == UsagePhoneMute {
				return true
			}
		}
	}
	return false
}

// HasLEDs tells whether it declares the Off-Hook or a mute LED.
func (c *CallControl) HasLEDs() bool {
	return len(c.outputs[LEDOffHook])+len(c.outputs[LEDMute])+len(c.outputs[LEDMicrophone]) > 0
}

// Known tells whether the descriptor declares an input report with that ID.
func (c *CallControl) Known(id byte) bool {
	return c.desc != nil && c.desc.Length(descriptor.Input, id) > 0
}

// Decode reads one input report (report ID first). Absolute controls count
// on their rising edge (a level that turns on); relative ones on every
// report where they are set. A hook switch is a level; a relative one (a
// hook button) toggles the level on every press.
func (c *CallControl) Decode(report []byte) Input {
	var in Input
	if len(report) == 0 {
		return in
	}
	for _, ctl := range c.inputs[report[0]] {
		on, ok := ctl.read(report)
		if !ok {
			continue
		}
		pressed := on && (ctl.relative || !ctl.last)
		ctl.last = on
		switch ctl.usage {
		case UsageHookSwitch:
			if ctl.relative {
				if pressed {
					c.offHook = !c.offHook
					in.Hook, in.OffHook = true, c.offHook
				}
				continue
			}
			in.Hook, in.OffHook = true, on
		case UsagePhoneMute, UsageMute:
			if pressed {
				in.Mute++
			}
		case UsageVolumeUp:
			if pressed {
				in.VolumeUp++
			}
		case UsageVolumeDown:
			if pressed {
				in.VolumeDown++
			}
		}
	}
	return in
}

// read tells whether the control is set in report.
func (ctl *control) read(report []byte) (bool, bool) {
	f := ctl.field
	if ctl.element >= 0 {
		v, ok := f.Value(report, ctl.element)
		return v != 0, ok
	}
	// An array: the usage is pressed when any element holds its index.
	seen := false
	for i := 0; i < f.Count && i < 64; i++ {
		v, ok := f.Value(report, i)
		if !ok {
			return false, seen
		}
		seen = true
		if v < f.LogicalMin || v > f.LogicalMax {
			continue
		}
		if f.Usage(int(v-f.LogicalMin)) == ctl.actual {
			return true, true
		}
	}
	return false, seen
}

// Set records the value of an output usage (an LED) for the next reports.
// It reports whether the interface declares the usage.
func (c *CallControl) Set(u descriptor.Usage, on bool) bool {
	c.values[u] = on
	return len(c.outputs[u]) > 0
}

// OutputReports returns the whole output reports that carry any of the
// usages, each rebuilt from the last value of every usage it carries, so
// that setting one LED never clears another that shares its report
// (docs/hardware.md §2.10). Reports come in the order of the usages.
func (c *CallControl) OutputReports(usages ...descriptor.Usage) [][]byte {
	var ids []byte
	for _, u := range usages {
		for _, p := range c.outputs[u] {
			if !containsByte(ids, p.id) {
				ids = append(ids, p.id)
			}
		}
	}
	out := make([][]byte, 0, len(ids))
	for _, id := range ids {
		n := c.desc.Length(descriptor.Output, id)
		if n == 0 {
			continue
		}
		r := make([]byte, n)
		r[0] = id
		for u, places := range c.outputs {
			if !c.values[u] {
				continue
			}
			for _, p := range places {
				if p.id == id && p.bit/8 < n {
					r[p.bit/8] |= 1 << (p.bit % 8)
				}
			}
		}
		out = append(out, r)
	}
	return out
}

func containsByte(b []byte, x byte) bool {
	for _, y := range b {
		if y == x {
			return true
		}
	}
	return false
}
