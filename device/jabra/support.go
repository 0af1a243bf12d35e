package jabra

import (
	"fmt"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/support"
)

// SupportModels is the model table for the support matrix (docs/devices.md):
// every product id of the table, at the level its proof reaches.
func SupportModels() []support.Model {
	out := []support.Model{{Vendor: VendorID, Name: "Any Jabra device with a GN collection (page FF00, report 5)",
		Kind: device.KindHeadset, Level: support.Detected, Driver: "jabra",
		Note: "a product id not in this table: driven through its report descriptor at the address that answers"}}
	for _, m := range models() {
		row := support.Model{Vendor: VendorID, Product: m.PID, Name: m.Name, Kind: m.Kind, Driver: "jabra", Level: support.Readable}
		switch {
		case m.Legacy:
			row.Level = support.Detected
			row.Note = "vendor channel on report 2 (no GN collection): not claimed by jabra; call control through hidtel; firmware protocol 1 not written"
		case m.Kind == device.KindDongle:
			row.Note = "GN at address 01; the headset behind it at 04 (identity, battery, settings, firmware)"
		default:
			row.Note = "GN at address 08: identity, battery, settings, busylight"
		}
		if !m.Legacy {
			switch m.FWU {
			case 0:
				row.Note += "; firmware over GN when the device answers protocol 7 or 16"
			case 7, 16:
				row.Note += fmt.Sprintf("; firmware protocol %d written over GN", m.FWU)
			default:
				row.Note += fmt.Sprintf("; firmware protocol %d not written yet", m.FWU)
			}
			row.Note += "; replay tests use a descriptor built from docs/hardware.md §1.6/§2.1 (no real dump)"
		}
		out = append(out, row)
	}
	return out
}
