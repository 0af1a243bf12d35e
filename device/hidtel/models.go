package hidtel

import (
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/support"
)

// Models is hidtel's model table for the support matrix (docs/devices.md).
var Models = []support.Model{
	{Name: "Any USB headset with a Telephony collection", Kind: device.KindHeadset, Level: support.Readable, Driver: "hidtel",
		Note: "Hook Switch, Phone Mute, Consumer volume; found through the report descriptor"},
	{Name: "Any USB speakerphone with a Telephony collection", Kind: device.KindSpeakerphone, Level: support.Readable, Driver: "hidtel",
		Note: "told from a headset by its product string"},
	{Name: "USB headset with Consumer mute and volume keys only", Kind: device.KindHeadset, Level: support.Readable, Driver: "hidtel",
		Note: "claimed for the headset vendors, or when the product string names a headset"},
	{Vendor: 0x047f, Product: 0xc056, Name: "Poly (Plantronics) Blackwire 3220 Series", Kind: device.KindHeadset, Level: support.ReplayTested, Driver: "hidtel",
		Note: "real report descriptors (hidapi test data); calls, mute, volume and LEDs replay-tested"},
}
