package busylight

import (
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/support"
)

// familyNotes say what each family's support rests on.
var familyNotes = map[Family]string{
	Kuando: "64-byte frame (docs/hardware.md §3.1), golden-tested; keep-alive every 8 s; blink by jump step; " +
		"driven through the scripted-device scenario; not tried on hardware",
	Embrava: "R B G report (docs/hardware.md §3.2), golden-tested; off as black without flags (sources disagree on the flag bits); " +
		"blinked by hand; driven through the scripted-device scenario; not tried on hardware",
	Luxafor: "solid command on every LED (docs/hardware.md §3.3), golden-tested; blinked by hand; not tried on hardware",
	Blink1:  "feature report 'c' (docs/hardware.md §3.4), golden-tested; blinked by hand; not tried on hardware",
	EPOS:    "SetColor report (docs/hardware.md §3.5, from one source), golden-tested; blinked by hand; not tried on hardware",
}

// SupportModels is the busylight driver's model table for the support
// matrix (docs/devices.md). Busylights are written, never read: the level
// says a driver drives the model (readable), with what it rests on.
func SupportModels() []support.Model {
	out := make([]support.Model, 0, len(Models))
	for _, m := range Models {
		out = append(out, support.Model{Vendor: m.VendorID, Product: m.ProductID, Name: m.FullName(),
			Kind: device.KindBusylight, Level: support.Readable, Driver: "busylight", Note: familyNotes[m.Family]})
	}
	return out
}
