// Package busylight drives USB busylights through the HID transport
// (device/hid): kuando Busylight Alpha and Omega, the Embrava Blynclight
// family and the Plantronics Status Indicator, Luxafor Flag, ThingM blink(1)
// and the EPOS Busylight (docs/hardware.md §3). Each light appears as a `busylight`
// device whose State.Light says what it shows, and is switched through
// hid.LightHandler (device.Lighter at the Manager).
//
// The frame encoders in frames.go are pure functions; the Protocol in
// busylight.go writes their frames, keeps a kuando light alive and blinks
// the lights that cannot blink by themselves, on the injected clock.
package busylight

// Family is a busylight protocol: the lights of one family share a frame
// format.
type Family string

// The families Earshot drives.
const (
	Kuando  Family = "kuando"  // 64-byte frame of seven steps, keep-alive
	Embrava Family = "embrava" // 9-byte R B G report (and Plantronics Status Indicator)
	Luxafor Family = "luxafor" // 9-byte command report
	Blink1  Family = "blink1"  // 9-byte feature report 'c'
	EPOS    Family = "epos"    // 10-byte SetColor report
)

// Model is one light Earshot recognises by its USB vendor and product id.
type Model struct {
	VendorID  uint16
	ProductID uint16
	Vendor    string
	Name      string
	Family    Family
}

// Models is the support matrix of busylights (docs/hardware.md §3.1–3.5). Vendor
// 0x04D8 is Microchip's, shared by many products: a light is matched on
// vendor and product together, never on the vendor alone.
var Models = []Model{
	{0x04D8, 0xF848, "kuando", "Busylight Alpha", Kuando},
	{0x27BB, 0x3BCA, "kuando", "Busylight Alpha", Kuando},
	{0x27BB, 0x3BCB, "kuando", "Busylight Alpha", Kuando},
	{0x27BB, 0x3BCE, "kuando", "Busylight Alpha", Kuando},
	{0x27BB, 0x3BCD, "kuando", "Busylight Omega", Kuando},
	{0x27BB, 0x3BCF, "kuando", "Busylight Omega", Kuando},
	{0x2C0D, 0x0001, "Embrava", "Blynclight", Embrava},
	{0x2C0D, 0x000C, "Embrava", "Blynclight", Embrava},
	{0x0E53, 0x2516, "Embrava", "Blynclight", Embrava},
	{0x2C0D, 0x0002, "Embrava", "Blynclight Plus", Embrava},
	{0x2C0D, 0x0010, "Embrava", "Blynclight Plus", Embrava},
	{0x2C0D, 0x000A, "Embrava", "Blynclight Mini", Embrava},
	{0x0E53, 0x2517, "Embrava", "Blynclight Mini", Embrava},
	{0x047F, 0xD005, "Plantronics", "Status Indicator", Embrava},
	{0x04D8, 0xF372, "Luxafor", "Flag", Luxafor},
	{0x27B8, 0x01ED, "ThingM", "blink(1)", Blink1},
	{0x1395, 0x0074, "EPOS", "Busylight", EPOS},
}

// Lookup returns the model with the given vendor and product id.
func Lookup(vendor, product uint16) (Model, bool) {
	for _, m := range Models {
		if m.VendorID == vendor && m.ProductID == product {
			return m, true
		}
	}
	return Model{}, false
}

// FullName is the name a device of this model shows: vendor and model.
func (m Model) FullName() string { return m.Vendor + " " + m.Name }
