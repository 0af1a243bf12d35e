package firmware

import (
	"testing"

	"github.com/earshot-app/earshot/device"
)

func TestPreconditions(t *testing.T) {
	info := Info{Version: "2.0.0", ProductIDs: []uint16{0x2465}, Files: []FileInfo{{Name: "a"}, {Name: "b", Language: "de-DE"}}}
	headset := device.Device{Info: device.Info{ID: "hs1", Kind: device.KindHeadset, ProductID: 0x2465, Firmware: "1.5.0",
		Connection: device.ConnBluetooth, Parent: "dg1"}, State: device.State{Battery: &device.Battery{Level: 80}}}
	with := func(f func(d *device.Device)) device.Device {
		d := headset.Clone()
		f(&d)
		return d
	}
	no := false
	tests := []struct {
		name   string
		info   Info
		target Target
		want   device.FirmwareFailure
	}{
		{name: "all fine", target: Target{Device: headset, ParentAttached: true}},
		{name: "other product", target: Target{Device: with(func(d *device.Device) { d.ProductID = 0x1 }), ParentAttached: true},
			want: device.FailureFileMismatch},
		{name: "downgrade refused", target: Target{Device: with(func(d *device.Device) { d.Firmware = "2.1" }), ParentAttached: true},
			want: device.FailureDowngrade},
		{name: "downgrade allowed", target: Target{Device: with(func(d *device.Device) { d.Firmware = "2.1" }), ParentAttached: true, AllowDowngrade: true}},
		{name: "same version is no downgrade", target: Target{Device: with(func(d *device.Device) { d.Firmware = "2.0" }), ParentAttached: true}},
		{name: "unreadable installed version", target: Target{Device: with(func(d *device.Device) { d.Firmware = "beta" }), ParentAttached: true},
			want: device.FailureDowngrade},
		{name: "language there", target: Target{Device: headset, ParentAttached: true, Language: "de-DE"}},
		{name: "language missing", target: Target{Device: headset, ParentAttached: true, Language: "fr-FR"}, want: device.FailureLanguageNotFound},
		{name: "region there", target: Target{Device: headset, ParentAttached: true, Region: "DE"}},
		{name: "region missing", target: Target{Device: headset, ParentAttached: true, Region: "JP"}, want: device.FailureRegionNotFound},
		{name: "battery low", target: Target{Device: with(func(d *device.Device) { d.Battery.Level = MinBattery - 1 }), ParentAttached: true},
			want: device.FailureBatteryTooLow},
		{name: "battery low but charging", target: Target{Device: with(func(d *device.Device) { d.Battery.Level, d.Battery.Charging = 5, true }), ParentAttached: true}},
		{name: "not docked", target: Target{Device: headset, ParentAttached: true, Docked: &no}, want: device.FailureNotDocked},
		{name: "dongle gone", target: Target{Device: headset}, want: device.FailureNotOnDongle},
		{name: "no dongle at all", target: Target{Device: with(func(d *device.Device) { d.Parent = "" })}, want: device.FailureNotOnDongle},
		{name: "USB headset needs no dongle", target: Target{Device: with(func(d *device.Device) { d.Parent, d.Connection = "", device.ConnUSB })}},
		{name: "wired device has no battery", target: Target{Device: with(func(d *device.Device) {
			d.Battery, d.Kind, d.Connection, d.Parent = nil, device.KindSpeakerphone, device.ConnUSB, ""
		})}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := info
			if tc.info.Version != "" {
				in = tc.info
			}
			got, err := Preconditions(in, tc.target)
			if got != tc.want || (err != nil) != (tc.want != "") {
				t.Fatalf("Preconditions = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
