package jabra

import (
	"slices"
	"testing"

	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/catalog"
)

func TestModelTable(t *testing.T) {
	ms := Models()
	if !slices.IsSortedFunc(ms, func(a, b Model) int { return int(a.PID) - int(b.PID) }) {
		t.Fatal("the model table is not sorted")
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].PID == ms[i-1].PID {
			t.Errorf("product id %04X twice", ms[i].PID)
		}
	}
	// Every product id docs/hardware.md §2.7–2.8 names, with its kind and address.
	for _, tc := range []struct {
		pid  uint16
		name string
		kind device.Kind
		addr byte
	}{
		{0x24C7, "Jabra Link 380", device.KindDongle, AddrDongle},
		{0x24E9, "Jabra Link 380", device.KindDongle, AddrDongle},
		{0x2E57, "Jabra Link 390", device.KindDongle, AddrDongle},
		{0xA346, "Jabra Link 360", device.KindDongle, AddrDongle},
		{0x24AE, "Jabra Link 370", device.KindDongle, AddrDongle},
		{0x1133, "Jabra Link 400", device.KindDongle, AddrDongle},
		{0x2484, "Jabra Link", device.KindDongle, AddrDongle},
		{0x24FD, "Jabra Evolve 65 SE", device.KindHeadset, AddrUSB},
		{0x2503, "Jabra Evolve 75 SE", device.KindHeadset, AddrUSB},
		{0x248E, "Jabra Evolve 65e", device.KindHeadset, AddrUSB},
		{0x2497, "Jabra Evolve 65t", device.KindHeadset, AddrUSB},
		{0x24A4, "Jabra Evolve2 65", device.KindHeadset, AddrUSB},
		{0x24DB, "Jabra Evolve2 75", device.KindHeadset, AddrUSB},
		{0x24B9, "Jabra Evolve2 85", device.KindHeadset, AddrUSB},
		{0xAE6B, "Jabra Speak2 40", device.KindSpeakerphone, AddrUSB},
		{0xAE70, "Jabra Speak2 55", device.KindSpeakerphone, AddrUSB},
		{0x24F0, "Jabra Speak2 75", device.KindSpeakerphone, AddrUSB},
		{0x250A, "Jabra Evolve2 50", device.KindHeadset, AddrUSB},
		{0x2514, "Jabra Evolve2 55", device.KindHeadset, AddrUSB},
		{0x2519, "Jabra Evolve2 65 Flex", device.KindHeadset, AddrUSB},
		{0x2524, "Jabra Evolve2 65 Flex Secure", device.KindHeadset, AddrUSB},
		{0x253F, "Jabra Evolve3 85", device.KindHeadset, AddrUSB},
		{0x0420, "Jabra Speak 510", device.KindSpeakerphone, AddrDongle},
		{0x2456, "Jabra Speak 810", device.KindSpeakerphone, AddrUSB},
	} {
		m, ok := Lookup(tc.pid)
		if !ok || m.Name != tc.name || m.Kind != tc.kind || m.Addr != tc.addr {
			t.Errorf("Lookup(%04X) = %+v, %v", tc.pid, m, ok)
		}
	}
	if _, ok := Lookup(0x1234); ok {
		t.Error("an unknown product id is in the table")
	}
}

// The embedded catalog maps every GN headset and speakerphone of the model
// table, and its jabra section defines every setting the driver writes.
func TestCatalogMapsTheModels(t *testing.T) {
	cat, probs := catalog.Load(assets.Catalog(), nil, "")
	for _, p := range probs {
		t.Errorf("catalog: %v", p)
	}
	for _, name := range SettingNames() {
		if _, ok := cat.Definition(name); !ok {
			t.Errorf("the catalog does not define %s", name)
		}
	}
	for _, m := range Models() {
		if m.Legacy || m.Kind == device.KindDongle {
			continue
		}
		cm, ok := cat.Model(VendorID, m.PID, "")
		if !ok {
			t.Errorf("%s (%04X) is not mapped", m.Name, m.PID)
			continue
		}
		for _, s := range []string{SettingVoicePrompts, SettingAutoOff} {
			if !cm.Supports(s) {
				t.Errorf("%s (%04X) is mapped without %s", m.Name, m.PID, s)
			}
		}
		if m.Kind == device.KindHeadset && !cm.Supports(SettingSidetone) {
			t.Errorf("%s (%04X) is mapped without sidetone", m.Name, m.PID)
		}
	}
}
