package analytics

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
)

var (
	_ app.Service  = (*Service)(nil)
	_ app.Recorder = (*Service)(nil)
)

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func testSystem() SystemInfo {
	return SystemInfo{MachineName: "DESK-0042", UserName: "jdoe", OsName: "Debian GNU/Linux", OsVersion: "12",
		IPAddresses: []string{"192.168.1.23", "2001:db8::23"}}
}

// testBuilder numbers its events 1, 2, …
func testBuilder() *Builder {
	var n atomic.Int64
	return NewBuilder(BuilderParams{ClientVersion: "0.1.0-test", System: testSystem,
		NewID: func() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1)) }})
}

func ptr[T any](v T) *T { return &v }

var (
	headset = device.Device{Info: device.Info{ID: "hs1", Kind: device.KindHeadset, Name: "Jabra Evolve2 85",
		VendorID: 0x0B0E, ProductID: 0x30A4, Variant: "01-96", ESN: "501AA5D6337F", Firmware: "1.25.0",
		Connection: device.ConnBluetooth, Parent: "dg1"},
		State: device.State{Battery: &device.Battery{Level: 72}}}
	camera = device.Device{Info: device.Info{ID: "cam1", Kind: device.KindCamera, Name: "Jabra PanaCast 50",
		VendorID: 0x0B0E, ProductID: 0x3011, ESN: "0850C3F21A6D", Firmware: "7.0.12", Connection: device.ConnUSB},
		State: device.State{PeopleCount: ptr(3)}}
	other = device.Device{Info: device.Info{ID: "bw1", Kind: device.KindOther, Name: "Poly Blackwire 3220",
		VendorID: 0x047F, ProductID: 0xC056, Connection: device.ConnUSB, InstanceID: `USB\VID_047F&PID_C056\5&1A2B`}}
	busylight = device.Device{Info: device.Info{ID: "bl1", Kind: device.KindBusylight, Name: "kuando Busylight Omega",
		VendorID: 0x27BB, ProductID: 0x3BCD, Connection: device.ConnUSB}}
)

// TestDeviceAddedJSON pins the whole flat object: every field present, the
// ones that do not apply null.
func TestDeviceAddedJSON(t *testing.T) {
	b, err := testBuilder().DeviceAdded(headset, t0.Add(1500*time.Millisecond)).JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"EventId":"00000000-0000-4000-8000-000000000001","EventType":"DeviceAdded",` +
		`"Timestamp":"2026-11-22T09:00:01.500Z","ClientVersion":"0.1.0-test","MachineName":"DESK-0042",` +
		`"UserName":"jdoe","OsName":"Debian GNU/Linux","OsVersion":"12","IpAddresses":["192.168.1.23","2001:db8::23"],` +
		`"DeviceName":"Jabra Evolve2 85","VendorId":"0B0E","ProductId":"30A4","VariantType":"01-96",` +
		`"ESN":"501AA5D6337F","FirmwareVersion":"1.25.0","ConnectionType":"Bluetooth","InstanceId":null,` +
		`"BatteryLevel":72,"BatteryLow":false,"BatteryCharging":false,"CallStatus":null,"CallId":null,` +
		`"CallDurationMinutes":null,"TimesMuteButtonPressedDuringCall":null,"TimesVolumeUpButtonPressedDuringCall":null,` +
		`"TimesVolumeDownButtonPressedDuringCall":null,"AverageAudioExposureDb":null,"MaximumAudioExposureDb":null,` +
		`"AverageBackgroundNoiseDb":null,"MaximumBackgroundNoiseDb":null,"TimesBoomArmBadlyPositioned":null,` +
		`"MicrophoneMalfunctionDetected":null,"LinkQualityDistribution":null,"LinkQualityIndicators":null,` +
		`"CallEndReason":null,"PeopleCount":null,"PeopleCountAtStart":null,"PeopleCountAtEnd":null,"PeopleCountMin":null,` +
		`"PeopleCountMax":null,"PeopleCountAverage":null,"StreamingDurationMinutes":null,` +
		`"FirmwareUpdateCompletedStatus":null,"FirmwareUpdateFailureDescription":null,"AppliedSettings":null,` +
		`"RejectedSettings":null}`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
}

// fields decodes an event into its JSON object.
func fields(t *testing.T, e Event) map[string]any {
	t.Helper()
	b, err := e.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// jsonFieldNames lists Event's JSON keys from its struct tags.
func jsonFieldNames() []string {
	var out []string
	rt := reflect.TypeFor[Event]()
	for i := range rt.NumField() {
		out = append(out, strings.Split(rt.Field(i).Tag.Get("json"), ",")[0])
	}
	return out
}

func TestEveryEventHasEveryField(t *testing.T) {
	b := testBuilder()
	names := jsonFieldNames()
	if len(names) < 45 {
		t.Fatalf("only %d fields", len(names))
	}
	for _, e := range allEvents(b) {
		m := fields(t, e)
		if len(m) != len(names) {
			t.Errorf("%s has %d keys, want %d", e.EventType, len(m), len(names))
		}
		for _, n := range names {
			if _, ok := m[n]; !ok {
				t.Errorf("%s lacks %s", e.EventType, n)
			}
		}
	}
}

// allEvents builds one event of every type (both CallStatus values, both
// firmware outcomes).
func allEvents(b *Builder) []Event {
	return []Event{
		b.DeviceAdded(headset, t0), b.DeviceAdded(camera, t0), b.DeviceAdded(other, t0),
		b.DeviceRemoved(headset, t0), b.DeviceRemoved(camera, t0), b.DeviceRemoved(busylight, t0),
		b.CallStarted(headset, t0, "call-1"),
		b.CallEnded(headset, t0.Add(2*time.Minute), CallSummary{
			CallID: "call-1", Duration: 2*time.Minute + 3*time.Second, MutePresses: ptr(2),
			AverageAudioExposureDb: ptr(69.4), MaximumAudioExposureDb: ptr(71.5),
			AverageBackgroundNoiseDb: ptr(43.0), MaximumBackgroundNoiseDb: ptr(47.0),
			TimesBoomArmBadlyPositioned: ptr(1), MicrophoneMalfunctionDetected: ptr(false),
			LinkQualityDistribution: map[string]float64{"High": 88.5, "Low": 11.5}, DectHandovers: ptr(3),
		}),
		b.CameraStreamingStarted(camera, t0),
		b.CameraStreamingEnded(camera, t0, StreamingSummary{Duration: 117 * time.Second, AtStart: ptr(3),
			AtEnd: ptr(5), Min: ptr(3), Max: ptr(6), Average: ptr(4.71)}),
		b.PeopleCount(camera, t0),
		b.FirmwareUpdateCompleted(headset, t0, ""),
		b.FirmwareUpdateCompleted(headset, t0, device.FailureNotDocked),
		b.DeviceConfigurationApplied(headset, t0, map[string]string{"WIRELESS_RANGE": "3"},
			map[string]string{"NOPE": "unknown setting"}),
	}
}

func TestBuilders(t *testing.T) {
	b := testBuilder()
	evs := allEvents(b)
	cases := []struct {
		name string
		e    Event
		want map[string]any // fields checked; others must be as the golden test pins
	}{
		{"headset added", evs[0], map[string]any{"EventType": "DeviceAdded", "BatteryLevel": 72.0, "InstanceId": nil}},
		{"camera added", evs[1], map[string]any{"EventType": "CameraDeviceAdded", "PeopleCount": nil, "BatteryLevel": nil,
			"VariantType": nil}},
		{"other added", evs[2], map[string]any{"EventType": "OtherDeviceAdded", "ESN": nil, "FirmwareVersion": nil,
			"VendorId": "047F", "ProductId": "C056", "InstanceId": `USB\VID_047F&PID_C056\5&1A2B`}},
		{"headset removed", evs[3], map[string]any{"EventType": "DeviceRemoved"}},
		{"camera removed", evs[4], map[string]any{"EventType": "CameraDeviceRemoved"}},
		{"busylight removed", evs[5], map[string]any{"EventType": "OtherDeviceRemoved"}},
		{"call started", evs[6], map[string]any{"EventType": "CallStatus", "CallStatus": "CallStarted", "CallId": "call-1",
			"CallDurationMinutes": nil, "TimesMuteButtonPressedDuringCall": nil}},
		{"call ended", evs[7], map[string]any{"CallStatus": "CallEnded", "CallDurationMinutes": 2.05,
			"TimesMuteButtonPressedDuringCall": 2.0, "TimesVolumeUpButtonPressedDuringCall": nil,
			"AverageAudioExposureDb": 69.4, "MicrophoneMalfunctionDetected": false,
			"LinkQualityDistribution": map[string]any{"High": 88.5, "Low": 11.5},
			"LinkQualityIndicators":   map[string]any{"Dect": map[string]any{"Handovers": 3.0}}}},
		{"streaming started", evs[8], map[string]any{"EventType": "CameraStreamingStarted", "StreamingDurationMinutes": nil}},
		{"streaming ended", evs[9], map[string]any{"EventType": "CameraStreamingEnded", "StreamingDurationMinutes": 1.95,
			"PeopleCountAtStart": 3.0, "PeopleCountAtEnd": 5.0, "PeopleCountMin": 3.0, "PeopleCountMax": 6.0,
			"PeopleCountAverage": 4.71, "PeopleCount": nil}},
		{"people count", evs[10], map[string]any{"EventType": "PeopleCount", "PeopleCount": 3.0}},
		{"firmware success", evs[11], map[string]any{"FirmwareUpdateCompletedStatus": "Success",
			"FirmwareUpdateFailureDescription": nil}},
		{"firmware failure", evs[12], map[string]any{"FirmwareUpdateCompletedStatus": "Failure",
			"FirmwareUpdateFailureDescription": "Headset needs to be docked"}},
		{"configuration", evs[13], map[string]any{"AppliedSettings": map[string]any{"WIRELESS_RANGE": "3"},
			"RejectedSettings": map[string]any{"NOPE": "unknown setting"}}},
	}
	ids := map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := fields(t, c.e)
			for k, want := range c.want {
				if !reflect.DeepEqual(m[k], want) {
					t.Errorf("%s = %#v, want %#v", k, m[k], want)
				}
			}
			if ids[c.e.EventID] {
				t.Errorf("EventId %s reused", c.e.EventID)
			}
			ids[c.e.EventID] = true
			if m["MachineName"] != "DESK-0042" || m["Timestamp"] != "2026-11-22T09:00:00.000Z" && c.name != "call ended" {
				t.Errorf("common fields: %v %v", m["MachineName"], m["Timestamp"])
			}
		})
	}
}

func TestConfigurationMapsAreNeverNull(t *testing.T) {
	m := fields(t, testBuilder().DeviceConfigurationApplied(headset, t0, nil, nil))
	if !reflect.DeepEqual(m["AppliedSettings"], map[string]any{}) || !reflect.DeepEqual(m["RejectedSettings"], map[string]any{}) {
		t.Errorf("applied %v rejected %v, want {} {}", m["AppliedSettings"], m["RejectedSettings"])
	}
}

func TestBuilderCopiesItsInputs(t *testing.T) {
	s := CallSummary{MutePresses: ptr(1), LinkQualityDistribution: map[string]float64{"High": 100}}
	e := testBuilder().CallEnded(headset, t0, s)
	*s.MutePresses = 7
	s.LinkQualityDistribution["High"] = 0
	if *e.TimesMuteButtonPressedDuringCall != 1 || e.LinkQualityDistribution["High"] != 100 {
		t.Error("the event shares memory with the summary")
	}
}

func TestNewUUID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewUUID()
		if len(id) != 36 || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) || seen[id] {
			t.Fatalf("bad or repeated UUID %s", id)
		}
		seen[id] = true
	}
}

func TestNoSystemInfoGivesNulls(t *testing.T) {
	m := fields(t, NewBuilder(BuilderParams{}).DeviceAdded(headset, t0))
	if m["MachineName"] != nil || m["OsName"] != nil || !reflect.DeepEqual(m["IpAddresses"], []any{}) {
		t.Errorf("empty system: %v %v %v", m["MachineName"], m["OsName"], m["IpAddresses"])
	}
}

func TestCachedSystem(t *testing.T) {
	clk := clock.NewFake(t0)
	calls := 0
	sys := CachedSystem(clk, time.Minute, func() SystemInfo { calls++; return SystemInfo{MachineName: fmt.Sprint(calls)} })
	if sys().MachineName != "1" || sys().MachineName != "1" {
		t.Fatal("not cached")
	}
	clk.Advance(59 * time.Second)
	if sys().MachineName != "1" {
		t.Error("refreshed too early")
	}
	clk.Advance(time.Second)
	if sys().MachineName != "2" {
		t.Error("not refreshed after the TTL")
	}
}

func TestDetectSystem(t *testing.T) {
	si := DetectSystem()
	if si.MachineName == "" || si.OsName == "" {
		t.Errorf("DetectSystem() = %+v", si)
	}
	for _, ip := range si.IPAddresses {
		if ip == "127.0.0.1" || ip == "::1" || strings.HasPrefix(ip, "fe80:") {
			t.Errorf("address %s should be left out", ip)
		}
	}
}

var osReleaseCases = []struct {
	name, in, wantName, wantVersion string
}{
	{"debian", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n",
		"Debian GNU/Linux", "12"},
	{"single quotes and comments", "# distro\nNAME='Fedora Linux'\nVERSION_ID=40\n", "Fedora Linux", "40"},
	{"rolling release", "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nBUILD_ID=rolling\n", "Arch Linux", ""},
	{"pretty name only", "PRETTY_NAME=\"Custom OS\"\nVERSION=\"3 (x)\"", "Custom OS", "3 (x)"},
	{"garbage", "\x00\xff=\n=\nNAME\n\"", "", ""},
	{"empty", "", "", ""},
}

func TestParseOSRelease(t *testing.T) {
	for _, c := range osReleaseCases {
		t.Run(c.name, func(t *testing.T) {
			n, v := parseOSRelease(c.in)
			if n != c.wantName || v != c.wantVersion {
				t.Errorf("= %q %q, want %q %q", n, v, c.wantName, c.wantVersion)
			}
		})
	}
}

func FuzzParseOSRelease(f *testing.F) {
	for _, c := range osReleaseCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, v := parseOSRelease(s)
		if strings.ContainsAny(n+v, "\n") {
			t.Errorf("a value spans lines: %q %q", n, v)
		}
	})
}
