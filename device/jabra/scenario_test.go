package jabra

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
)

// The scenario in testdata (a Link 390 with an Evolve2 65 behind it,
// written from docs/hardware.md §2 in the simulator's format of scripted HID
// devices) plays through the driver as the simulator plays it: the dongle
// and the headset, and a settings write that sends the frame §2.6 predicts.
//
// Its rules are stateless, so the headset's auto-off reads 60 minutes only
// at the arrival's read (sequence 0A at address 04) and 30 afterwards; and
// only the SET of 30 minutes (… 87 13 90 06) is acknowledged, so a write
// succeeds only when that exact frame went out.
func TestScenarioLink390(t *testing.T) {
	raw, err := os.ReadFile("testdata/link390-evolve2-65.json")
	if err != nil {
		t.Fatal(err)
	}
	var sc struct {
		Devices []struct {
			Name, ESN string
			HID       struct {
				Descriptor string
				Interface  int
				Replies    []struct{ Match, Reply string }
			}
		}
	}
	if err := json.Unmarshal(raw, &sc); err != nil {
		t.Fatal(err)
	}
	d := sc.Devices[0]
	desc, err := replay.ParseHex(d.HID.Descriptor)
	if err != nil {
		t.Fatal(err)
	}
	spec := replay.Spec{Info: hid.Info{Path: "sim:link390/0", VendorID: 0x0B0E, ProductID: 0x2E57, Serial: d.ESN,
		Product: d.Name, Interface: d.HID.Interface, Bus: "sim"}, Descriptor: desc}
	for _, r := range d.HID.Replies {
		spec.Rules = append(spec.Rules, rule{r.Match, r.Reply}.parse())
	}
	bus := replay.New()
	if err := bus.Add(spec); err != nil {
		t.Fatal(err)
	}
	h, err := bus.Open(spec.Info.Path)
	if err != nil {
		t.Fatal(err)
	}
	dev := &fakeDev{Device: h, bus: bus, info: spec.Info, size: 64}
	s, _ := start(t, New(testOptions()), dev)
	evs := s.waitFor("the headset", has(device.Arrived, "hid:test/04"))
	dg, _ := last(evs, device.Arrived, "hid:test")
	hs, _ := last(evs, device.Arrived, "hid:test/04")
	if dg.Device.Name != "Jabra Link 390" || dg.Device.Firmware != "3.1.0" || dg.Device.Kind != device.KindDongle {
		t.Errorf("dongle %+v", dg.Device.Info)
	}
	if hs.Device.Parent != "hid:test" || hs.Device.Name != "Jabra Evolve2 65" || hs.Device.Firmware != "2.5.1" ||
		hs.Device.ESN != "HS-ESN-7" || hs.Device.Variant != "01-5C" || hs.Device.Battery == nil || hs.Device.Battery.Level != 72 {
		t.Errorf("headset %+v %v", hs.Device.Info, hs.Device.Battery)
	}
	if hs.Device.Settings["AUTO_OFF"] != "60" {
		t.Errorf("auto-off at arrival %q, want 60", hs.Device.Settings["AUTO_OFF"])
	}
	before := len(dev.written(1))
	errs := s.handler("hid:test/04").(hid.SettingsHandler).WriteSettings(context.Background(), map[string]string{"AUTO_OFF": "30"})
	if errs != nil {
		t.Fatal(errs)
	}
	got := dev.written(8)[before:]
	if len(got) != 2 || !strings.HasPrefix(got[0], "05 04 00 ") || got[0][12:] != "87 13 90 06" || got[1][12:] != "46 13 90 00" {
		t.Errorf("writes %q, want the SET 05 04 00 <seq> 87 13 90 06 and its read-back", got)
	}
}
