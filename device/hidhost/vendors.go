package hidhost

import (
	"fmt"
	"slices"
	"strings"
)

// Vendor is one USB vendor of Earshot's udev list: the vendors whose HID
// interfaces Earshot drives or lists. Products, when not empty, are the only
// product ids of that vendor that count (04d8 is Microchip's, shared by many
// unrelated products).
type Vendor struct {
	ID       uint16
	Name     string
	Products []uint16
	// Busylight: the vendor makes only busylights, which carry vendor-page
	// collections only; a headset vendor's interface counts only with a
	// Telephony or Consumer collection.
	Busylight bool
}

// Vendors is the udev list (HARDWARE.md §5.5, §5.6), in the order the rules
// are printed.
var Vendors = []Vendor{
	{ID: 0x0b0e, Name: "Jabra (GN Netcom)"},
	{ID: 0x1395, Name: "EPOS / Sennheiser Communications"},
	{ID: 0x047f, Name: "Poly (Plantronics)"},
	{ID: 0x6993, Name: "Yealink"},
	{ID: 0x27bb, Name: "kuando (Plenom)", Busylight: true},
	{ID: 0x2c0d, Name: "Embrava", Busylight: true},
	{ID: 0x0e53, Name: "Embrava (older models)", Busylight: true},
	{ID: 0x27b8, Name: "ThingM blink(1)", Products: []uint16{0x01ed}, Busylight: true},
	{ID: 0x04d8, Name: "Microchip (kuando Busylight Alpha, Luxafor Flag)", Products: []uint16{0xf848, 0xf372}, Busylight: true},
}

// VendorOf returns the udev-list vendor of the vendor/product pair.
func VendorOf(vendorID, productID uint16) (Vendor, bool) {
	for _, v := range Vendors {
		if v.ID == vendorID && (len(v.Products) == 0 || slices.Contains(v.Products, productID)) {
			return v, true
		}
	}
	return Vendor{}, false
}

// UdevRulesFile is where the rules go on a usual Linux system.
const UdevRulesFile = "/etc/udev/rules.d/70-earshot.rules"

// UdevRules returns the udev rules that give the user at the seat access
// (TAG+="uaccess") to the hidraw nodes of every vendor of Vendors. Earshot
// reads hidraw only, so no rule touches the USB device or detaches a driver.
func UdevRules() string {
	var b strings.Builder
	b.WriteString("# Earshot: access for the user at the seat to the HID interfaces of the\n")
	b.WriteString("# headsets, speakerphones and busylights Earshot drives.\n")
	fmt.Fprintf(&b, "# Install: earshot udev-rules | sudo tee %s\n", UdevRulesFile)
	b.WriteString("#          sudo udevadm control --reload-rules && sudo udevadm trigger\n")
	b.WriteString("ACTION!=\"add|change\", GOTO=\"earshot_end\"\n")
	for _, v := range Vendors {
		fmt.Fprintf(&b, "# %s\n", v.Name)
		line := fmt.Sprintf(`SUBSYSTEM=="hidraw", KERNEL=="hidraw*", ATTRS{idVendor}=="%04x"`, v.ID)
		if len(v.Products) > 0 {
			pids := make([]string, len(v.Products))
			for i, p := range v.Products {
				pids[i] = fmt.Sprintf("%04x", p)
			}
			line += fmt.Sprintf(`, ATTRS{idProduct}=="%s"`, strings.Join(pids, "|"))
		}
		b.WriteString(line + ", TAG+=\"uaccess\"\n")
	}
	b.WriteString("LABEL=\"earshot_end\"\n")
	return b.String()
}

// PermissionHint is the one sentence that tells a person how to give Earshot
// access to an interface the OS refused to open.
const PermissionHint = "on Linux, install Earshot's udev rules: earshot udev-rules | sudo tee " + UdevRulesFile +
	", then run sudo udevadm control --reload-rules && sudo udevadm trigger and plug the device in again"
