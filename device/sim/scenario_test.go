package sim

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/device"
)

// scenario builds a scenario file from the devices and timeline entries.
func scenario(devices, timeline string, top ...string) string {
	return `{` + strings.Join(append(top, `"devices": [`+devices+`]`, `"timeline": [`+timeline+`]`), ", ") + `}`
}

const hs1 = `{"id": "hs1", "kind": "headset"}`

var parseErrorTests = []struct {
	name, json, want string
}{
	{"empty file", ``, `scenario: empty file`},
	{"syntax", "{\n\"speed\": }", `scenario: line 2: invalid character '}' looking for beginning of value`},
	{"trailing data", `{} {}`, `scenario: unexpected data after the top-level object`},
	{"not an object", `[]`, `scenario: the top level must be an object`},
	{"unknown top-level key", `{"sped": 2}`, `scenario: unknown key "sped"`},
	{"unknown device key", scenario(`{"id": "hs1", "kind": "headset", "nmae": "x"}`, ``), `scenario: unknown key "devices[0].nmae"`},
	{"unknown battery key", scenario(`{"id": "hs1", "kind": "headset", "battery": {"levle": 5}}`, ``), `scenario: unknown key "devices[0].battery.levle"`},
	{"unknown firmwareUpdate key", scenario(`{"id": "hs1", "kind": "headset", "firmwareUpdate": {"result": "Success", "secs": 1}}`, ``), `scenario: unknown key "devices[0].firmwareUpdate.secs"`},
	{"unknown step key", scenario(hs1, `{"at": 1, "do": "attach", "device": "hs1", "when": 2}`), `scenario: unknown key "timeline[0].when" for action "attach"`},
	{"key of another action", scenario(hs1, `{"at": 1, "do": "press", "device": "hs1", "button": "mute", "count": 2}`), `scenario: unknown key "timeline[0].count" for action "press"`},
	{"speed zero", `{"speed": 0}`, `scenario: speed: must be greater than 0`},
	{"speed negative", `{"speed": -1}`, `scenario: speed: must be greater than 0`},
	{"speed not a number", `{"speed": "fast"}`, `scenario: speed: want a number`},
	{"speed out of range", `{"speed": 1e999}`, `scenario: speed: 1e999 is out of range`},
	{"devices not an array", `{"devices": {}}`, `scenario: devices: want an array`},
	{"device not an object", `{"devices": [1]}`, `scenario: devices[0]: want an object`},
	{"id missing", scenario(`{"kind": "headset"}`, ``), `scenario: devices[0].id: missing`},
	{"id empty", scenario(`{"id": "", "kind": "headset"}`, ``), `scenario: devices[0].id: must not be empty`},
	{"id duplicate", scenario(hs1+`, `+hs1, ``), `scenario: devices[1].id: duplicate id "hs1"`},
	{"kind missing", scenario(`{"id": "hs1"}`, ``), `scenario: devices[0].kind: missing`},
	{"kind unknown", scenario(`{"id": "hs1", "kind": "phone"}`, ``), `scenario: devices[0].kind: unknown device kind "phone" (want one of headset, speakerphone, camera, base, dongle, adapter, busylight, other)`},
	{"vendorId not hex", scenario(`{"id": "hs1", "kind": "headset", "vendorId": "0BOE"}`, ``), `scenario: devices[0].vendorId: want 1 to 4 hex digits, got "0BOE"`},
	{"productId too long", scenario(`{"id": "hs1", "kind": "headset", "productId": "030A4"}`, ``), `scenario: devices[0].productId: want 1 to 4 hex digits, got "030A4"`},
	{"productId a number", scenario(`{"id": "hs1", "kind": "headset", "productId": 12452}`, ``), `scenario: devices[0].productId: want a string`},
	{"connection unknown", scenario(`{"id": "hs1", "kind": "headset", "connection": "WiFi"}`, ``), `scenario: devices[0].connection: unknown connection "WiFi" (want USB, Bluetooth or DECT)`},
	{"parent unknown", scenario(`{"id": "hs1", "kind": "headset", "parent": "dg1"}`, ``), `scenario: devices[0].parent: no device "dg1"`},
	{"parent itself", scenario(`{"id": "hs1", "kind": "headset", "parent": "hs1"}`, ``), `scenario: devices[0].parent: the chain of parents loops`},
	{"parent cycle", scenario(`{"id": "a", "kind": "headset", "parent": "b"}, {"id": "b", "kind": "dongle", "parent": "a"}`, ``), `scenario: devices[0].parent: the chain of parents loops`},
	{"parent chain into a cycle", scenario(`{"id": "a", "kind": "headset", "parent": "b"}, {"id": "b", "kind": "dongle", "parent": "c"}, {"id": "c", "kind": "base", "parent": "b"}`, ``), `scenario: devices[0].parent: the chain of parents loops`},
	{"battery level missing", scenario(`{"id": "hs1", "kind": "headset", "battery": {"charging": true}}`, ``), `scenario: devices[0].battery.level: missing`},
	{"battery level over 100", scenario(`{"id": "hs1", "kind": "headset", "battery": {"level": 101}}`, ``), `scenario: devices[0].battery.level: want a whole number from 0 to 100, got 101`},
	{"battery level fraction", scenario(`{"id": "hs1", "kind": "headset", "battery": {"level": 50.5}}`, ``), `scenario: devices[0].battery.level: want a whole number from 0 to 100, got 50.5`},
	{"battery charging not a bool", scenario(`{"id": "hs1", "kind": "headset", "battery": {"level": 5, "charging": "yes"}}`, ``), `scenario: devices[0].battery.charging: want true or false`},
	{"setting not a string", scenario(`{"id": "hs1", "kind": "headset", "settings": {"WIRELESS_RANGE": 1}}`, ``), `scenario: devices[0].settings.WIRELESS_RANGE: want a string`},
	{"firmware result unknown", scenario(`{"id": "hs1", "kind": "headset", "firmwareUpdate": {"result": "Oops"}}`, ``), `scenario: devices[0].firmwareUpdate.result: "Oops" is neither Success nor a failure description of docs/firmware.md`},
	{"firmware seconds negative", scenario(`{"id": "hs1", "kind": "headset", "firmwareUpdate": {"result": "Success", "seconds": -1}}`, ``), `scenario: devices[0].firmwareUpdate.seconds: must not be negative`},
	{"step device unknown", scenario(hs1, `{"at": 1, "do": "attach", "device": "hs1"}, {"at": 2, "do": "attach", "device": "hs1"}, {"at": 3, "do": "attach", "device": "hs1"}, {"at": 4, "do": "attach", "device": "hs9"}`), `scenario: timeline[3].device: no device "hs9"`},
	{"step device missing", scenario(hs1, `{"at": 1, "do": "attach"}`), `scenario: timeline[0].device: missing`},
	{"step do missing", scenario(hs1, `{"at": 1, "device": "hs1"}`), `scenario: timeline[0].do: missing`},
	{"step do unknown", scenario(hs1, `{"at": 1, "do": "explode", "device": "hs1"}`), `scenario: timeline[0].do: unknown action "explode" (want one of attach, battery, callEnd, callStart, dectHandover, detach, input, linkQuality, peopleCount, presence, press, reply, streamEnd, streamStart, telemetry)`},
	{"presence without event", scenario(hs1, `{"at": 1, "do": "presence", "application": "Zoom"}`), `scenario: timeline[0].event: missing`},
	{"presence empty application", scenario(hs1, `{"at": 1, "do": "presence", "application": "", "event": "Call Alert"}`), `scenario: timeline[0].application: must not be empty`},
	{"presence with a device", scenario(hs1, `{"at": 1, "do": "presence", "device": "hs1", "application": "Zoom", "event": "Call Alert"}`), `scenario: unknown key "timeline[0].device" for action "presence"`},
	{"presence event a number", scenario(hs1, `{"at": 1, "do": "presence", "application": "Zoom", "event": 3}`), `scenario: timeline[0].event: want a string`},
	{"at missing", scenario(hs1, `{"do": "attach", "device": "hs1"}`), `scenario: timeline[0].at: missing`},
	{"at bad duration", scenario(hs1, `{"at": "5 s", "do": "attach", "device": "hs1"}`), `scenario: timeline[0].at: want a duration such as "1m30s" or a number of seconds, got "5 s"`},
	{"at negative duration", scenario(hs1, `{"at": "-5s", "do": "attach", "device": "hs1"}`), `scenario: timeline[0].at: must not be negative`},
	{"at negative seconds", scenario(hs1, `{"at": -1, "do": "attach", "device": "hs1"}`), `scenario: timeline[0].at: must not be negative`},
	{"at too large", scenario(hs1, `{"at": 1e12, "do": "attach", "device": "hs1"}`), `scenario: timeline[0].at: 1e12 seconds is out of range`},
	{"at a bool", scenario(hs1, `{"at": true, "do": "attach", "device": "hs1"}`), `scenario: timeline[0].at: want a duration such as "1m30s" or a number of seconds`},
	{"press without button", scenario(hs1, `{"at": 1, "do": "press", "device": "hs1"}`), `scenario: timeline[0].button: missing`},
	{"press unknown button", scenario(hs1, `{"at": 1, "do": "press", "device": "hs1", "button": "Mute"}`), `scenario: timeline[0].button: unknown button "Mute" (want mute, volumeUp or volumeDown)`},
	{"telemetry empty", scenario(hs1, `{"at": 1, "do": "telemetry", "device": "hs1"}`), `scenario: timeline[0]: telemetry needs at least one of audioExposureDb, backgroundNoiseDb, boomArmBadlyPositioned, microphoneMalfunction`},
	{"telemetry number as string", scenario(hs1, `{"at": 1, "do": "telemetry", "device": "hs1", "audioExposureDb": "72"}`), `scenario: timeline[0].audioExposureDb: want a number`},
	{"telemetry bool as number", scenario(hs1, `{"at": 1, "do": "telemetry", "device": "hs1", "microphoneMalfunction": 1}`), `scenario: timeline[0].microphoneMalfunction: want true or false`},
	{"linkQuality unknown", scenario(hs1, `{"at": 1, "do": "linkQuality", "device": "hs1", "level": "medium"}`), `scenario: timeline[0].level: unknown link quality "medium" (want high or low)`},
	{"linkQuality missing", scenario(hs1, `{"at": 1, "do": "linkQuality", "device": "hs1"}`), `scenario: timeline[0].level: missing`},
	{"battery step level negative", scenario(hs1, `{"at": 1, "do": "battery", "device": "hs1", "level": -1}`), `scenario: timeline[0].level: want a whole number from 0 to 100, got -1`},
	{"battery step low not a bool", scenario(hs1, `{"at": 1, "do": "battery", "device": "hs1", "level": 5, "low": "no"}`), `scenario: timeline[0].low: want true or false`},
	{"peopleCount negative", scenario(hs1, `{"at": 1, "do": "peopleCount", "device": "hs1", "count": -1}`), `scenario: timeline[0].count: want a whole number from 0 to 2147483647, got -1`},
	{"peopleCount missing", scenario(hs1, `{"at": 1, "do": "peopleCount", "device": "hs1"}`), `scenario: timeline[0].count: missing`},
	{"hid not an object", scenario(`{"id": "h", "hid": 3}`, ``), `scenario: devices[0].hid: want an object or a list of objects`},
	{"hid empty list", scenario(`{"id": "h", "hid": []}`, ``), `scenario: devices[0].hid: want at least one interface`},
	{"hid with kind", scenario(`{"id": "h", "kind": "headset", "hid": {"descriptor": "05 0B"}}`, ``), `scenario: devices[0].kind: not allowed on a scripted HID device (its drivers report it)`},
	{"hid with battery", scenario(`{"id": "h", "battery": {"level": 5}, "hid": {"descriptor": "05 0B"}}`, ``), `scenario: devices[0].battery: not allowed on a scripted HID device (its drivers report it)`},
	{"hid descriptor missing", scenario(`{"id": "h", "hid": {"interface": 3}}`, ``), `scenario: devices[0].hid.descriptor: missing`},
	{"hid descriptor bad hex", scenario(`{"id": "h", "hid": {"descriptor": "05 0G"}}`, ``), `scenario: devices[0].hid.descriptor: hex at character 4: "0G" is not a hex byte`},
	{"hid unknown key", scenario(`{"id": "h", "hid": [{"descriptor": "05 0B", "iface": 1}]}`, ``), `scenario: unknown key "devices[0].hid[0].iface"`},
	{"hid interface out of range", scenario(`{"id": "h", "hid": [{"descriptor": "05 0B", "interface": 256}]}`, ``), `scenario: devices[0].hid[0].interface: want a whole number from 0 to 255, got 256`},
	{"hid usagePage too long", scenario(`{"id": "h", "hid": {"descriptor": "05 0B", "usagePage": "FFA00"}}`, ``), `scenario: devices[0].hid.usagePage: want 1 to 4 hex digits, got "FFA00"`},
	{"hid same interface twice without esn", scenario(`{"id": "h", "hid": [{"descriptor": "05 0B", "interface": 3}, {"descriptor": "05 0C", "interface": 3}]}`, ``), `scenario: devices[0].hid[1].interface: interface 3 is listed twice; give the device an esn so its collections group`},
	{"hid reply bad match", scenario(`{"id": "h", "hid": {"descriptor": "05 0B", "replies": [{"match": "", "reply": "05"}]}}`, ``), `scenario: devices[0].hid.replies[0].match: must not be empty`},
	{"hid reply unknown key", scenario(`{"id": "h", "hid": {"descriptor": "05 0B", "replies": [{"match": "05", "reply": "05", "delay": 1}]}}`, ``), `scenario: unknown key "devices[0].hid.replies[0].delay"`},
	{"parent is a hid device", scenario(`{"id": "h", "hid": {"descriptor": "05 0B"}}, {"id": "hs1", "kind": "headset", "parent": "h"}`, ``), `scenario: devices[1].parent: "h" is a scripted HID device; its drivers report what is behind it`},
	{"input on a plain device", scenario(hs1, `{"at": 1, "do": "input", "device": "hs1", "report": "08 02"}`), `scenario: timeline[0].do: "input" needs a device with "hid"`},
	{"callStart on a hid device", scenario(`{"id": "h", "hid": {"descriptor": "05 0B"}}`, `{"at": 1, "do": "callStart", "device": "h"}`), `scenario: timeline[0].do: "callStart" does not apply to a scripted HID device (its drivers report it; use input)`},
	{"input without report", scenario(`{"id": "h", "hid": {"descriptor": "05 0B"}}`, `{"at": 1, "do": "input", "device": "h"}`), `scenario: timeline[0].report: missing`},
	{"input bad report", scenario(`{"id": "h", "hid": {"descriptor": "05 0B"}}`, `{"at": 1, "do": "input", "device": "h", "report": "0"}`), `scenario: timeline[0].report: hex at character 1: "0" is half a byte (bytes are two hex digits)`},
	{"input unknown interface", scenario(`{"id": "h", "hid": {"descriptor": "05 0B", "interface": 3}}`, `{"at": 1, "do": "input", "device": "h", "report": "08", "interface": 2}`), `scenario: timeline[0].interface: device "h" has no interface 2`},
	{"reply without match", scenario(`{"id": "h", "hid": {"descriptor": "05 0B"}}`, `{"at": 1, "do": "reply", "device": "h", "reply": "05"}`), `scenario: timeline[0].match: missing`},
	{"reply key of input", scenario(`{"id": "h", "hid": {"descriptor": "05 0B"}}`, `{"at": 1, "do": "reply", "device": "h", "match": "05", "reply": "05", "report": "01"}`), `scenario: unknown key "timeline[0].report" for action "reply"`},
	{"loopFrom without timeline", scenario(hs1, ``, `"loopFrom": "0s"`), `scenario: loopFrom: must be before the last step of the timeline`},
	{"loopFrom at the last step", scenario(hs1, `{"at": 5, "do": "detach", "device": "hs1"}`, `"loopFrom": "5s"`), `scenario: loopFrom: must be before the last step of the timeline`},
	{"loopFrom negative", scenario(hs1, `{"at": 5, "do": "detach", "device": "hs1"}`, `"loopFrom": -2`), `scenario: loopFrom: must not be negative`},
}

func TestParseScenarioErrors(t *testing.T) {
	for _, tt := range parseErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tt.json))
			if err == nil {
				t.Fatalf("ParseScenario succeeded, want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestParseScenario(t *testing.T) {
	s, err := ParseScenario([]byte(`{
		"devices": [
			{"id": "hs1", "kind": "headset", "name": "Jabra Evolve2 85", "vendorId": "b0e", "productId": "30A4",
			 "variant": "01-96", "esn": "501AA5D6337F", "firmware": "1.2.0", "connection": "bluetooth", "parent": "dg1",
			 "battery": {"level": 15, "charging": false}, "settings": {"WIRELESS_RANGE": "1"},
			 "firmwareUpdate": {"result": "Headset needs to be docked", "seconds": 30}},
			{"id": "dg1", "kind": "dongle"}
		],
		"timeline": [
			{"at": "1m30s", "do": "callEnd", "device": "hs1"},
			{"at": 1.5, "do": "callStart", "device": "hs1"},
			{"at": "1500ms", "do": "press", "device": "hs1", "button": "mute"}
		]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Speed() != 1 {
		t.Errorf("Speed = %v, want the default 1", s.Speed())
	}
	if got := []string{s.devices[0].ID, s.devices[1].ID}; got[0] != "dg1" || got[1] != "hs1" {
		t.Errorf("devices = %v, want the parent first", got)
	}
	dg, hs := s.devices[0], s.devices[1]
	if dg.Name != "dg1" || dg.Connection != device.ConnUSB || dg.Battery != nil {
		t.Errorf("dongle = %+v, want name = id, USB, no battery", dg.Device)
	}
	want := device.Info{ID: "hs1", Kind: device.KindHeadset, Name: "Jabra Evolve2 85", VendorID: 0x0B0E, ProductID: 0x30A4,
		Variant: "01-96", ESN: "501AA5D6337F", Firmware: "1.2.0", Connection: device.ConnBluetooth, Parent: "dg1"}
	if hs.Info != want {
		t.Errorf("headset info\n got %+v\nwant %+v", hs.Info, want)
	}
	if b := hs.Battery; b == nil || *b != (device.Battery{Level: 15, Low: true}) {
		t.Errorf("headset battery = %+v, want level 15, low", b)
	}
	if hs.Settings["WIRELESS_RANGE"] != "1" {
		t.Errorf("settings = %v", hs.Settings)
	}
	if fu := hs.firmwareUpdate; fu == nil || *fu != (FirmwareUpdate{"Headset needs to be docked", 30 * time.Second}) {
		t.Errorf("firmwareUpdate = %+v", fu)
	}
	var steps []string
	for _, st := range s.timeline {
		steps = append(steps, st.at.String()+" "+st.do)
	}
	if got, want := strings.Join(steps, ", "), "1.5s callStart, 1.5s press, 1m30s callEnd"; got != want {
		t.Errorf("timeline = %s, want %s (sorted stably)", got, want)
	}
}

func TestAtZero(t *testing.T) {
	devices := `{"id": "dg1", "kind": "dongle"}, {"id": "hs1", "kind": "headset", "parent": "dg1", "battery": {"level": 50}},
		{"id": "cam1", "kind": "camera"}`
	tests := []struct {
		name, timeline, want string
	}{
		{"no steps: all attached, each parent followed by its children", ``, "cam1 dg1 hs1 battery=50"},
		{"attached later", `{"at": "5s", "do": "attach", "device": "cam1"}`, "dg1 hs1 battery=50"},
		{"attached at zero", `{"at": 0, "do": "attach", "device": "cam1"}`, "cam1 dg1 hs1 battery=50"},
		{"parent attached later", `{"at": "5s", "do": "attach", "device": "dg1"}`, "cam1"},
		{"detached at zero with its child", `{"at": 0, "do": "detach", "device": "dg1"}`, "cam1"},
		{"state at zero", `{"at": 0, "do": "battery", "device": "hs1", "level": 10}, {"at": 0, "do": "peopleCount", "device": "cam1", "count": 3},
			{"at": 1, "do": "battery", "device": "hs1", "level": 5}`, "cam1 people=3 dg1 hs1 battery=10+low"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseScenario([]byte(scenario(devices, tt.timeline)))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range s.AtZero() {
				got = append(got, strings.TrimSpace(d.ID+" "+describeState(d)))
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("AtZero = %q, want %q", strings.Join(got, " "), tt.want)
			}
		})
	}
}

func TestDemoScenario(t *testing.T) {
	s, err := ParseScenario(assets.DemoScenario())
	if err != nil {
		t.Fatal(err)
	}
	// Real time: the calls, files and events of the demo never carry a
	// time in the future.
	if s.Speed() != 1 || !s.loops {
		t.Errorf("speed %v, loops %v: want 1 (real time), looping", s.Speed(), s.loops)
	}
	devices := s.AtZero()
	kinds := map[device.Kind]bool{}
	var batteries, low, charging int
	for _, d := range devices {
		kinds[d.Kind] = true
		if d.Battery != nil {
			batteries++
			if d.Battery.Low {
				low++
			}
			if d.Battery.Charging {
				charging++
			}
		}
	}
	if len(devices) < 6 || len(kinds) < 5 || batteries < 2 || low == 0 || charging == 0 {
		t.Errorf("at zero: %d devices of %d kinds, %d batteries (%d low, %d charging); want ≥ 6 devices of ≥ 5 kinds, batteries, one low, one charging",
			len(devices), len(kinds), batteries, low, charging)
	}
	for _, k := range []device.Kind{device.KindHeadset, device.KindDongle, device.KindBase, device.KindSpeakerphone,
		device.KindCamera, device.KindBusylight, device.KindOther} {
		if !kinds[k] {
			t.Errorf("no %s at time zero", k)
		}
	}
}

func FuzzParseScenario(f *testing.F) {
	for _, tt := range parseErrorTests {
		f.Add([]byte(tt.json))
	}
	f.Add(assets.DemoScenario())
	f.Add([]byte(scenario(`{"id": "dg1", "kind": "dongle"}, {"id": "hs1", "kind": "headset", "parent": "dg1"}`,
		`{"at": 0, "do": "detach", "device": "dg1"}, {"at": 0, "do": "attach", "device": "dg1"}, {"at": 0, "do": "attach", "device": "hs1"}`,
		`"loopFrom": 0`)))
	if raw, err := os.ReadFile("testdata/blackwire-call.json"); err == nil {
		f.Add(raw)
	}
	f.Add([]byte(scenario(`{"id": "h", "esn": "1", "hid": [{"descriptor": "05 0B 09 05 A1 01 C0", "interface": 3, "replies": [{"match": "05 ?? 01", "reply": "05 ?? 00 ??"}]}, {"descriptor": "05 0C", "interface": 3}]}`,
		`{"at": 0, "do": "input", "device": "h", "report": "08 02", "interface": 3}, {"at": 1, "do": "reply", "device": "h", "match": "05", "reply": "05 01"}, {"at": 2, "do": "detach", "device": "h"}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseScenario(data)
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "scenario: ") || strings.Contains(msg, "\n") {
				t.Errorf("error %q is not one line starting with \"scenario: \"", msg)
			}
			return
		}
		s.AtZero()
	})
}
