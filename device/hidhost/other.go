package hidhost

import (
	"fmt"
	"slices"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/descriptor"
)

// Usage pages that make a headset-vendor interface a headset or
// speakerphone.
const (
	pageConsumer  = 0x0C
	pageTelephony = 0x0B
)

// classify tells whether an interface no protocol claims is listed as a
// device of kind other, and if not, why: its vendor must be on the udev
// list, and a headset vendor's interface must carry a Telephony or Consumer
// collection (busylight vendors make only busylights, whose collections are
// vendor-defined).
func classify(in hid.Info, desc []byte) (bool, string) {
	v, ok := VendorOf(in.VendorID, in.ProductID)
	if !ok {
		return false, "no driver: the vendor is not one Earshot lists"
	}
	if slices.Contains(busylightVendors, v.ID) {
		return true, "no driver for this model: listed as an other device"
	}
	for _, page := range topPages(in, desc) {
		if page == pageTelephony || page == pageConsumer {
			return true, "no driver for this model: listed as an other device"
		}
	}
	return false, "no driver: no Telephony or Consumer collection"
}

// otherDevice is the device an unclaimed (or unopenable) interface shows as.
func otherDevice(id string, in hid.Info) device.Device {
	name := in.Product
	if name == "" {
		name = fmt.Sprintf("USB device %04X:%04X", in.VendorID, in.ProductID)
	}
	conn := device.ConnUSB
	if in.Bus == "bluetooth" {
		conn = device.ConnBluetooth
	}
	return device.Device{Info: device.Info{
		ID: id, Kind: device.KindOther, Name: name,
		VendorID: in.VendorID, ProductID: in.ProductID, ESN: in.Serial,
		Connection: conn, InstanceID: id,
	}}
}

// topPages returns the usage pages of the interface's top-level
// collections: from its report descriptor, else the first one the OS told.
func topPages(in hid.Info, desc []byte) []uint16 {
	pages := []uint16{in.UsagePage}
	if d, err := descriptor.Parse(desc); err == nil {
		for _, c := range d.TopLevel() {
			pages = append(pages, c.UsagePage())
		}
	}
	return pages
}
