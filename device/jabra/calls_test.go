package jabra

import (
	"slices"
	"testing"

	"github.com/earshot-app/earshot/device"
)

// A call on the interface's Telephony collection (report 3: Hook Switch
// bit 0, Phone Mute bit 1) is read with hidtel's decoder: off-hook, two
// mute presses, on-hook; the GN frames on the same interface go on.
func TestCallOnTheGNInterface(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pid   uint16
		rules []rule
		id    string
	}{
		{"USB headset", 0x24B9, usbHeadsetRules(), "hid:test"},
		{"headset behind a dongle", 0x2E57, append(childRules(), dongleRules()...), "hid:test/04"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := newFakeDev(tc.pid, tc.rules...)
			s, _ := start(t, New(testOptions()), dev)
			s.waitFor("the device", has(device.Arrived, tc.id))
			for _, r := range []string{"03 01", "03 03", "03 01", "03 03", "03 01", "03 00"} {
				dev.input(r)
			}
			evs := s.waitFor("the call's end", func(evs []device.Event) bool {
				n := 0
				for _, e := range evs {
					if e.Type == device.Changed && e.Device.ID == tc.id {
						n++
					}
				}
				return n >= 4
			})
			var got []string
			for _, e := range evs {
				if e.Device.ID != tc.id {
					continue
				}
				switch e.Type {
				case device.Changed:
					got = append(got, map[bool]string{true: "call", false: "idle"}[e.Device.InCall]+map[bool]string{true: "+muted", false: ""}[e.Device.Muted])
				case device.ButtonPressed:
					got = append(got, string(e.Button))
				}
			}
			want := []string{"call", "mute", "call+muted", "mute", "call", "idle"}
			if !slices.Equal(got, want) {
				t.Errorf("events %q, want %q", got, want)
			}
		})
	}
}
