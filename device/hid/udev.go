package hid

import (
	"fmt"
	"sort"
	"strings"
)

// Vendor is one USB vendor whose HID interfaces Earshot drives. Products,
// when set, narrows the rule to those product ids (a vendor id shared by
// many makers, such as Microchip's 04d8).
type Vendor struct {
	ID       uint16
	Products []uint16
	Name     string // for the rules file's comment
}

// UdevVendors are the vendors of docs/hardware.md §5.5 that Earshot drives.
var UdevVendors = []Vendor{
	{ID: 0x0b0e, Name: "GN Netcom (Jabra)"},
	{ID: 0x1395, Name: "DSEA (Sennheiser, EPOS)"},
	{ID: 0x047f, Name: "Plantronics (Poly)"},
	{ID: 0x6993, Name: "Yealink"},
	{ID: 0x27bb, Name: "PLENOM (kuando Busylight)"},
	{ID: 0x2c0d, Name: "Embrava (Blynclight)"},
	{ID: 0x0e53, Name: "Embrava (Blynclight)"},
	{ID: 0x27b8, Name: "ThingM (blink(1))"},
	{ID: 0x04d8, Products: []uint16{0xf848, 0xf372}, Name: "Microchip, shared: kuando Busylight Alpha, Luxafor Flag"},
}

// UdevRules renders udev rules that give the user at the seat access
// (TAG+="uaccess", applied by systemd-logind's 73-seat-late.rules, so the
// file must sort before it: /etc/udev/rules.d/70-earshot.rules) to the
// hidraw nodes of the given vendors. Only hidraw nodes: Earshot never
// talks to the USB device itself.
func UdevRules(vendors []Vendor) string {
	var b strings.Builder
	b.WriteString("# Earshot: the seat's user may use the HID interfaces of these devices.\n")
	b.WriteString("# /etc/udev/rules.d/70-earshot.rules (before 73-seat-late.rules, which applies uaccess)\n")
	b.WriteString("ACTION!=\"add|change\", GOTO=\"earshot_end\"\n")
	for _, v := range vendors {
		if v.Name != "" {
			fmt.Fprintf(&b, "# %s\n", strings.ReplaceAll(v.Name, "\n", " "))
		}
		b.WriteString(udevLine(v))
		b.WriteByte('\n')
	}
	b.WriteString("LABEL=\"earshot_end\"\n")
	return b.String()
}

func udevLine(v Vendor) string {
	match := fmt.Sprintf(`ATTRS{idVendor}=="%04x"`, v.ID)
	if len(v.Products) > 0 {
		ps := append([]uint16(nil), v.Products...)
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		var s []string
		for _, p := range ps {
			s = append(s, fmt.Sprintf("%04x", p))
		}
		match += fmt.Sprintf(`, ATTRS{idProduct}=="%s"`, strings.Join(s, "|"))
	}
	return `SUBSYSTEM=="hidraw", KERNEL=="hidraw*", ` + match + `, TAG+="uaccess"`
}

// UdevRule returns the one rule line that gives access to a device of that
// vendor and product: the vendor's line from UdevVendors when Earshot knows
// it (narrowed to the product for a shared vendor id), else a line for
// exactly that vendor and product.
func UdevRule(vendor, product uint16) string {
	for _, v := range UdevVendors {
		if v.ID != vendor {
			continue
		}
		if len(v.Products) == 0 {
			return udevLine(v)
		}
		for _, p := range v.Products {
			if p == product {
				return udevLine(Vendor{ID: vendor, Products: []uint16{product}})
			}
		}
	}
	return udevLine(Vendor{ID: vendor, Products: []uint16{product}})
}
