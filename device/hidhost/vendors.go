package hidhost

import (
	"slices"

	"github.com/earshot-app/earshot/device/hid"
)

// busylightVendors make only busylights, whose collections are all
// vendor-defined: their interfaces count as desk devices by vendor alone.
var busylightVendors = []uint16{0x27bb, 0x2c0d, 0x0e53, 0x27b8, 0x04d8}

// VendorOf returns the vendor of Earshot's udev list (hid.UdevVendors) the
// vendor/product pair belongs to.
func VendorOf(vendorID, productID uint16) (hid.Vendor, bool) {
	for _, v := range hid.UdevVendors {
		if v.ID == vendorID && (len(v.Products) == 0 || slices.Contains(v.Products, productID)) {
			return v, true
		}
	}
	return hid.Vendor{}, false
}

// permissionReason is the log's words for an interface the OS would not
// open; people read the translated hid.PermissionHint (Interface.Hint).
const permissionReason = "permission denied: on Linux, install Earshot's udev rules (earshot udev-rules)"
