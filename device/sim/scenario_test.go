package sim

import (
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
	{"firmware result unknown", scenario(`{"id": "hs1", "kind": "headset", "firmwareUpdate": {"result": "Oops"}}`, ``), `scenario: devices[0].firmwareUpdate.result: "Oops" is neither Success nor a failure description of SPEC §6`},
	{"firmware seconds negative", scenario(`{"id": "hs1", "kind": "headset", "firmwareUpdate": {"result": "Success", "seconds": -1}}`, ``), `scenario: devices[0].firmwareUpdate.seconds: must not be negative`},
	{"step device unknown", scenario(hs1, `{"at": 1, "do": "attach", "device": "hs1"}, {"at": 2, "do": "attach", "device": "hs1"}, {"at": 3, "do": "attach", "device": "hs1"}, {"at": 4, "do": "attach", "device": "hs9"}`), `scenario: timeline[3].device: no device "hs9"`},
	{"step device missing", scenario(hs1, `{"at": 1, "do": "attach"}`), `scenario: timeline[0].device: missing`},
	{"step do missing", scenario(hs1, `{"at": 1, "device": "hs1"}`), `scenario: timeline[0].do: missing`},
	{"step do unknown", scenario(hs1, `{"at": 1, "do": "explode", "device": "hs1"}`), `scenario: timeline[0].do: unknown action "explode" (want one of attach, battery, callEnd, callStart, dectHandover, detach, linkQuality, peopleCount, press, streamEnd, streamStart, telemetry)`},
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
