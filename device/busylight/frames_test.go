package busylight

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/device"
)

var (
	red   = device.Colour{R: 0xFF}
	green = device.Colour{G: 0xFF}
)

// kuandoGolden builds a 64-byte kuando frame from its first step and its
// checksum, the rest being zero and the FF FF FF pad (docs/hardware.md §3.1).
func kuandoGolden(step, sum string) string {
	return step + strings.Repeat("00", 56-8+3) + "ffffff" + sum
}

func TestGoldenFrames(t *testing.T) {
	cases := []struct {
		name   string
		family Family
		state  device.LightState
		dark   bool
		want   string // hex, report ID first
		feat   bool
	}{
		// docs/hardware.md §3.1 "Solid red (R = 100 scale)" and "Off", byte for byte.
		{"kuando solid red", Kuando, device.LightState{Colour: red}, false, "00" + kuandoGolden("1000640000000000", "0371"), false},
		{"kuando off", Kuando, device.LightState{}, false, "00" + kuandoGolden("1000000000000000", "030d"), false},
		{"kuando blink red", Kuando, device.LightState{Colour: red, Blink: true}, false, "00" + kuandoGolden("1000640000050500", "037b"), false},
		{"kuando blink has no dark half", Kuando, device.LightState{Colour: red, Blink: true}, true, "00" + kuandoGolden("1000640000050500", "037b"), false},
		{"kuando green scaled", Kuando, device.LightState{Colour: device.Colour{G: 0x80}}, false, "00" + kuandoGolden("1000003200000000", "033f"), false},
		// docs/hardware.md §3.2 solid red; off is the safe black-with-no-flags form.
		{"embrava solid red", Embrava, device.LightState{Colour: red}, false, "00ff0000000000ff22", false},
		{"embrava green is byte 3", Embrava, device.LightState{Colour: green}, false, "000000ff000000ff22", false},
		{"embrava off", Embrava, device.LightState{}, false, "000000000000" + "00ff22", false},
		{"embrava blink lit half", Embrava, device.LightState{Colour: red, Blink: true}, false, "00ff0000000000ff22", false},
		{"embrava blink dark half", Embrava, device.LightState{Colour: red, Blink: true}, true, "000000000000" + "00ff22", false},
		// docs/hardware.md §3.3.
		{"luxafor solid red", Luxafor, device.LightState{Colour: red}, false, "0001ffff0000000000", false},
		{"luxafor off", Luxafor, device.LightState{}, false, "0001ff000000000000", false},
		{"luxafor blink lit half", Luxafor, device.LightState{Colour: red, Blink: true}, false, "0001ffff0000000000", false},
		{"luxafor blink dark half", Luxafor, device.LightState{Colour: red, Blink: true}, true, "0001ff000000000000", false},
		// docs/hardware.md §3.4, a feature report.
		{"blink1 solid red", Blink1, device.LightState{Colour: red}, false, "0163ff000000000000", true},
		{"blink1 off", Blink1, device.LightState{}, false, "016300000000000000", true},
		{"blink1 blink lit half", Blink1, device.LightState{Colour: red, Blink: true}, false, "0163ff000000000000", true},
		{"blink1 blink dark half", Blink1, device.LightState{Colour: red, Blink: true}, true, "016300000000000000", true},
		// docs/hardware.md §3.5.
		{"epos solid red", EPOS, device.LightState{Colour: red}, false, "011202ff0000ff000000", false},
		{"epos off", EPOS, device.LightState{}, false, "01120200000000000000", false},
		{"epos blink lit half", EPOS, device.LightState{Colour: red, Blink: true}, false, "011202ff0000ff000000", false},
		{"epos blink dark half", EPOS, device.LightState{Colour: red, Blink: true}, true, "01120200000000000000", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := hex.DecodeString(c.want)
			if err != nil {
				t.Fatal(err)
			}
			got := Encode(c.family, c.state, c.dark)
			if !bytes.Equal(got.Report, want) || got.Feature != c.feat {
				t.Errorf("Encode = % X (feature %v)\nwant    % X (feature %v)", got.Report, got.Feature, want, c.feat)
			}
		})
	}
}

func TestKuandoKeepAlive(t *testing.T) {
	want, _ := hex.DecodeString(kuandoGolden("8f00000000000000", "038c"))
	if got := KuandoKeepAlive(); !bytes.Equal(got, want) {
		t.Errorf("keep-alive = % X\nwant         % X", got, want)
	}
	if KeepAliveFrame(Embrava) != nil {
		t.Error("an Embrava light got a keep-alive frame")
	}
}

func TestLookupAndClaim(t *testing.T) {
	cases := []struct {
		name     string
		vid, pid uint16
		want     string
	}{
		{"kuando omega", 0x27BB, 0x3BCD, "kuando Busylight Omega"},
		{"kuando alpha on Microchip's vendor id", 0x04D8, 0xF848, "kuando Busylight Alpha"},
		{"luxafor on Microchip's vendor id", 0x04D8, 0xF372, "Luxafor Flag"},
		{"another Microchip product", 0x04D8, 0x0001, ""},
		{"plantronics status indicator", 0x047F, 0xD005, "Plantronics Status Indicator"},
		{"a plantronics headset", 0x047F, 0xC056, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, ok := Lookup(c.vid, c.pid)
			if got := map[bool]string{true: m.FullName()}[ok]; got != c.want {
				t.Errorf("Lookup = %q, want %q", got, c.want)
			}
		})
	}
	seen := map[[2]uint16]bool{}
	for _, m := range Models {
		k := [2]uint16{m.VendorID, m.ProductID}
		if seen[k] {
			t.Errorf("model %04X:%04X listed twice", m.VendorID, m.ProductID)
		}
		seen[k] = true
		if Encode(m.Family, device.LightState{}, false).Report == nil {
			t.Errorf("%s has no encoder", m.FullName())
		}
	}
}
