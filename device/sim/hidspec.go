package sim

import (
	"fmt"
	"math"

	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
)

// A scenario device may carry "hid" (Earshot's extension of docs/simulator.md): one
// object per HID interface, or a list of them. Such a device is not played
// by the simulated driver: its interfaces go on a replay hid.Bus that the
// real HID host and protocol drivers run on, so its kind, name, battery and
// firmware come from the drivers, and its vendorId, productId, esn (the USB
// serial number) and name (the USB product string) are what the OS would
// enumerate.
//
//	"hid": {"descriptor": "05 0B 09 05 A1 01 …", "interface": 3,
//	        "usagePage": "000B", "usage": "0005",
//	        "replies": [{"match": "05 01 00 ??", "reply": "05 00 01 ??"}]}
//
// The timeline adds {"do": "input", "device", "report", "interface"?}: the
// device sends an input report; and {"do": "reply", "device", "match",
// "reply", "interface"?}: the rule with the same match is replaced, or the
// rule is added in front. attach and detach plug the interfaces in and out
// through the Bus's hot-plug notices. An input or reply without "interface"
// goes to the device's first interface (input) or to all of them (reply).

// hidInterface is one object of a device's "hid".
type hidInterface struct {
	spec replay.Spec
}

// hidKeys are the device keys a scripted HID device takes; the rest come
// from its drivers.
var hidKeys = []string{"id", "name", "vendorId", "productId", "esn", "hid"}

// parseHID reads d's "hid" value at o.
func (p *parser) parseHID(o object, d *deviceSpec) {
	for k := range o.m {
		if !contains(hidKeys, k) && p.err == nil {
			p.failf(o.key(k), "not allowed on a scripted HID device (its drivers report it)")
		}
	}
	var items []any
	path := o.key("hid")
	switch v := o.m["hid"].(type) {
	case map[string]any:
		items = []any{v}
	case []any:
		items = v
		if len(items) == 0 {
			p.failf(path, "want at least one interface")
		}
	default:
		p.failf(path, "want an object or a list of objects")
	}
	if len(items) > maxHIDInterfaces {
		p.failf(path, "at most %d interfaces", maxHIDInterfaces)
		return
	}
	for i, v := range items {
		ipath := path
		if _, list := o.m["hid"].([]any); list {
			ipath = fmt.Sprintf("%s[%d]", path, i)
		}
		d.hid = append(d.hid, p.hidInterface(p.object(ipath, v), d, i))
	}
	seen := map[int]bool{}
	for i, h := range d.hid {
		if seen[h.spec.Info.Interface] && len(d.hid) > 1 {
			// Several top-level collections of one interface, listed apart
			// as Windows does: the host groups them by serial number.
			if d.ESN == "" {
				p.failf(fmt.Sprintf("%s[%d].interface", path, i), "interface %d is listed twice; give the device an esn so its collections group", h.spec.Info.Interface)
			}
		}
		seen[h.spec.Info.Interface] = true
	}
}

// maxHIDInterfaces bounds the interfaces of one scripted device.
const maxHIDInterfaces = 16

// maxReplies bounds the reply rules of one interface.
const maxReplies = 256

func (p *parser) hidInterface(o object, d *deviceSpec, i int) hidInterface {
	o.allow("", "descriptor", "interface", "usagePage", "usage", "replies")
	desc := o.str("descriptor", true)
	raw, err := replay.ParseHex(desc)
	if err != nil && o.has("descriptor") {
		p.failf(o.key("descriptor"), "%v", err)
	}
	iface := i
	if o.has("interface") {
		iface = o.integer("interface", false, 0, 255)
	}
	info := hid.Info{
		Path:      fmt.Sprintf("sim:%s/%d", d.ID, i),
		VendorID:  d.VendorID,
		ProductID: d.ProductID,
		Serial:    d.ESN,
		Product:   d.Name,
		Interface: iface,
		UsagePage: o.hex16("usagePage"),
		Usage:     o.hex16("usage"),
		Bus:       "sim",
	}
	h := hidInterface{spec: replay.Spec{Info: info, Descriptor: raw}}
	replies := o.array("replies")
	if len(replies) > maxReplies {
		p.failf(o.key("replies"), "at most %d rules", maxReplies)
		return h
	}
	for j, v := range replies {
		r := p.object(fmt.Sprintf("%s[%d]", o.key("replies"), j), v)
		r.allow("", "match", "reply")
		rule, ok := p.rule(r)
		if ok {
			h.spec.Rules = append(h.spec.Rules, rule)
		}
	}
	return h
}

// rule reads "match" and "reply" of o.
func (p *parser) rule(o object) (replay.Rule, bool) {
	match, reply := o.str("match", true), o.str("reply", true)
	if p.err != nil {
		return replay.Rule{}, false
	}
	rule, err := replay.ParseRule(match, reply)
	if err != nil {
		p.failf(o.path, "%v", err)
		return replay.Rule{}, false
	}
	return rule, true
}

func parseInput(o object, s *step) {
	report := o.str("report", true)
	if o.p.err != nil {
		return
	}
	b, err := replay.ParseHex(report)
	switch {
	case err != nil:
		o.p.failf(o.key("report"), "%v", err)
	case len(b) == 0:
		o.p.failf(o.key("report"), "must not be empty")
	}
	s.report = b
	s.iface = parseStepInterface(o)
}

func parseReply(o object, s *step) {
	if rule, ok := o.p.rule(o); ok {
		s.rule = &rule
	}
	s.iface = parseStepInterface(o)
}

// parseStepInterface reads a step's optional "interface"; -1 when absent.
func parseStepInterface(o object) int {
	if !o.has("interface") {
		return -1
	}
	return o.integer("interface", false, 0, math.MaxUint8)
}

// checkHIDStep checks a step against its device: input and reply only for
// scripted HID devices, which take no other action than attach and detach;
// an interface must be one of the device's.
func (p *parser) checkHIDStep(path string, st *step, d *deviceSpec) {
	isHID := len(d.hid) > 0
	switch st.do {
	case "attach", "detach":
	case "input", "reply":
		if !isHID {
			p.failf(path+".do", "%q needs a device with \"hid\"", st.do)
			return
		}
		if st.iface >= 0 && !d.hasInterface(st.iface) {
			p.failf(path+".interface", "device %q has no interface %d", d.ID, st.iface)
		}
	default:
		if isHID {
			p.failf(path+".do", "%q does not apply to a scripted HID device (its drivers report it; use input)", st.do)
		}
	}
}

func (d *deviceSpec) hasInterface(n int) bool {
	for _, h := range d.hid {
		if h.spec.Info.Interface == n {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// HasHID reports whether the scenario has scripted HID devices, which only
// the real drivers read: a one-shot listing must play them (PlayAtZero)
// rather than read AtZero.
func (s *Scenario) HasHID() bool {
	for _, d := range s.devices {
		if len(d.hid) > 0 {
			return true
		}
	}
	return false
}
