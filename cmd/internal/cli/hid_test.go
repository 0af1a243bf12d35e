package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hidhost"
	"github.com/earshot-app/earshot/translations"
)

// hidDesk is a scenario written from the README alone: a Plantronics
// Blackwire 3220 given by its real report descriptor (hidapi's test data)
// and the input reports of a call, and a ThingM device no protocol drives
// (its product id is not the blink(1)'s, which the busylight driver claims).
// Report 8: bit 0 Phone Mute (relative), bit 1 Hook Switch; report 1:
// bit 0 Volume Up, bit 1 Volume Down (relative).
const hidDesk = `{
  "speed": 4,
  "devices": [
    { "id": "bw", "name": "Plantronics Blackwire 3220 Series", "vendorId": "047F", "productId": "C056", "esn": "BW-CLI-1",
      "hid": { "interface": 3, "usagePage": "000B", "usage": "0005",
        "descriptor": "05 0C 09 01 A1 01 85 01 15 00 25 01 09 E9 09 EA 75 01 95 02 81 06 95 06 81 01 85 02 05 0C 09 00 95 10 81 02 85 04 09 00 75 08 95 24 91 02 85 05 09 00 95 20 81 02 85 06 09 00 95 24 91 02 85 07 09 00 95 20 81 02 C0 05 0B 09 05 A1 01 85 08 15 00 25 01 09 2F 75 01 95 01 81 06 09 20 09 21 75 01 95 02 81 22 95 05 81 01 05 08 85 09 09 09 95 01 91 22 95 07 91 01 85 17 09 17 95 01 91 22 95 07 91 01 85 18 09 18 95 01 91 22 95 07 91 01 85 1E 09 1E 95 01 91 22 95 07 91 01 85 20 09 20 95 01 91 22 95 07 91 01 85 2A 09 2A 95 01 91 22 95 07 91 01 C0" } },
    { "id": "b1", "name": "ThingM prototype", "vendorId": "27B8", "productId": "0001",
      "hid": { "descriptor": "06 00 FF 09 01 A1 01 15 00 26 FF 00 75 08 85 01 95 08 09 00 B2 02 01 C0" } }
  ],
  "timeline": [
    { "at": "2s",  "do": "input", "device": "bw", "report": "08 02" },
    { "at": "3s",  "do": "input", "device": "bw", "report": "08 03" },
    { "at": "3s",  "do": "input", "device": "bw", "report": "08 02" },
    { "at": "4s",  "do": "input", "device": "bw", "report": "08 03" },
    { "at": "4s",  "do": "input", "device": "bw", "report": "08 02" },
    { "at": "5s",  "do": "input", "device": "bw", "report": "08 03" },
    { "at": "5s",  "do": "input", "device": "bw", "report": "08 02" },
    { "at": "6s",  "do": "input", "device": "bw", "report": "01 01" },
    { "at": "6s",  "do": "input", "device": "bw", "report": "01 00" },
    { "at": "7s",  "do": "input", "device": "bw", "report": "01 01" },
    { "at": "7s",  "do": "input", "device": "bw", "report": "01 00" },
    { "at": "8s",  "do": "input", "device": "bw", "report": "01 02" },
    { "at": "8s",  "do": "input", "device": "bw", "report": "01 00" },
    { "at": "14s", "do": "input", "device": "bw", "report": "08 00" }
  ]
}`

// TestServiceHIDScenario: `earshot service --sim FILE --exit-when-done`
// with an analytics endpoint plays the scripted headset through the real
// HID host and hidtel: DeviceAdded for the Blackwire, OtherDeviceAdded for
// the ThingM device, and CallEnded with 3 mutes, 2 volume up, 1 volume down and
// 12 s = 0.2 min; --hid-trace holds the input reports.
func TestServiceHIDScenario(t *testing.T) {
	var mu sync.Mutex
	var events []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev map[string]any
		if json.Unmarshal(body, &ev) == nil {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	scenario, trace := filepath.Join(dir, "hid-desk.json"), filepath.Join(dir, "trace.jsonl")
	if err := os.WriteFile(scenario, []byte(hidDesk), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := self(t, "service", "--sim", scenario, "--exit-when-done", "--wait", "30s", "--data", filepath.Join(dir, "data"), "--hid-trace", trace)
	cmd.Env = append(cmd.Env, "EARSHOT_ANALYTICSENDPOINT="+srv.URL+"/ev")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	find := func(typ, status string) map[string]any {
		for _, ev := range events {
			if ev["EventType"] == typ && (status == "" || ev["CallStatus"] == status) {
				return ev
			}
		}
		t.Fatalf("no %s %s event among %v", typ, status, events)
		return nil
	}
	if ev := find("DeviceAdded", ""); ev["DeviceName"] != "Plantronics Blackwire 3220 Series" || ev["ESN"] != "BW-CLI-1" {
		t.Errorf("DeviceAdded %v", ev)
	}
	if ev := find("OtherDeviceAdded", ""); ev["DeviceName"] != "ThingM prototype" || ev["VendorId"] != "27B8" {
		t.Errorf("OtherDeviceAdded %v", ev)
	}
	ended := find("CallStatus", "CallEnded")
	for k, v := range map[string]float64{"TimesMuteButtonPressedDuringCall": 3, "TimesVolumeUpButtonPressedDuringCall": 2,
		"TimesVolumeDownButtonPressedDuringCall": 1} {
		if ended[k] != v {
			t.Errorf("CallEnded %s = %v, want %v", k, ended[k], v)
		}
	}
	if m, _ := ended["CallDurationMinutes"].(float64); math.Abs(m-0.2) > 0.011 {
		t.Errorf("CallDurationMinutes = %v, want 0.2", ended["CallDurationMinutes"])
	}

	raw, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	var ins []string
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var l struct{ T, VendorID, ProductID, Path, Dir, Report string }
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("trace line %q: %v", line, err)
		}
		if l.T == "" || l.Path != "sim:bw/0" || l.VendorID != "047F" {
			t.Errorf("trace line %s", line)
		}
		if l.Dir == "in" {
			ins = append(ins, l.Report)
		}
	}
	if got := strings.Join(ins, ","); got != "0802,0803,0802,0803,0802,0803,0802,0101,0100,0101,0100,0102,0100,0800" {
		t.Errorf("traced input reports %s", got)
	}
}

func TestHIDCommands(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "hid-desk.json")
	if err := os.WriteFile(scenario, []byte(hidDesk), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		env    []string
		code   int
		stdout []string // substrings
		stderr string
	}{
		{name: "udev rules", args: []string{"udev-rules"}, stdout: []string{
			`SUBSYSTEM=="hidraw", KERNEL=="hidraw*", ATTRS{idVendor}=="0b0e", TAG+="uaccess"`,
			`ATTRS{idVendor}=="04d8", ATTRS{idProduct}=="f372|f848", TAG+="uaccess"`, `LABEL="earshot_end"`}},
		{name: "udev rules take no arguments", args: []string{"udev-rules", "x"}, code: 2, stderr: "unexpected arguments: x"},
		{name: "hid list of a scenario", args: []string{"hid", "list", "--sim", scenario}, stdout: []string{
			"PATH", "sim:bw/0", "047F:C056", "Plantronics Blackwire 3220 Series", "hidtel", "sim:b1/0", "(other device)"}},
		{name: "hid list json", args: []string{"hid", "list", "--json", "--sim", scenario}, stdout: []string{
			`"Path": "sim:bw/0"`, `"Driver": "hidtel"`, `"Interface": 3`, `"Driver": "other"`, `"Openable": true`}},
		{name: "hid list in German", args: []string{"hid", "list", "--sim", scenario}, env: []string{"EARSHOT_LANGUAGE=de"},
			stdout: []string{"PFAD", "TREIBER", "(sonstiges Gerät)"}},
		{name: "devices of a scenario with scripted HID devices", args: []string{"devices", "--sim", scenario, "--json"},
			stdout: []string{`"DeviceName": "Plantronics Blackwire 3220 Series"`, `"Kind": "headset"`, `"DeviceName": "ThingM prototype"`, `"Kind": "other"`}},
		{name: "hid without a subcommand", args: []string{"hid"}, code: 2, stderr: "usage: earshot hid list"},
		{name: "hid unknown subcommand", args: []string{"hid", "sniff"}, code: 2, stderr: "usage: earshot hid list"},
		{name: "record without --out", args: []string{"hid", "record", "047f:c056"}, code: 2, stderr: "--out FILE is required"},
		{name: "record bad seconds", args: []string{"hid", "record", "047f:c056", "--out", "x.json", "--seconds", "0"}, code: 2,
			stderr: "--seconds 0: give a whole number of seconds from 1 to 3600"},
		{name: "record a scenario", args: []string{"hid", "record", "bw", "--out", "x.json", "--sim", scenario}, code: 2,
			stderr: "does not take --sim or --demo"},
		{name: "record an unknown device", args: []string{"hid", "record", "ffff:0001", "--out", filepath.Join(dir, "x.json")}, code: 1,
			stderr: "no HID interface ffff:0001"},
		{name: "help lists hid and udev-rules", args: []string{"--help"}, stdout: []string{"earshot hid list|record …", "earshot udev-rules", "--hid-trace FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			env := append([]string{"EARSHOT_LANGUAGE=en"}, tt.env...)
			args := append(tt.args, "--data", filepath.Join(dir, "data-"+strings.ReplaceAll(tt.name, " ", "-")))
			if tt.name == "help lists hid and udev-rules" {
				args = tt.args
			}
			if code := run(args, &stdout, &stderr, env); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, stderr.String())
			}
			for _, s := range tt.stdout {
				mustContain(t, stdout.String(), s)
			}
			if tt.stderr != "" {
				mustContain(t, stderr.String(), tt.stderr)
			}
		})
	}
}

// TestHIDListWithoutDevices: on a machine without HID interfaces (such as
// this one) hid list says so in one line; where interfaces exist it prints
// the table.
func TestHIDListOnThisMachine(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"hid", "list", "--data", t.TempDir()}, &stdout, &stderr, []string{"EARSHOT_LANGUAGE=en"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "no HID interfaces found") && !strings.HasPrefix(out, "PATH") {
		t.Errorf("output %q", out)
	}
}

// TestHIDListShowsTheHint: an interface Earshot may not open is listed,
// marked, and followed by the translated udev hint; its JSON carries it.
func TestHIDListShowsTheHint(t *testing.T) {
	in := hid.Info{Path: "/dev/hidraw7", VendorID: 0x047f, ProductID: 0xc056, Product: "Plantronics Blackwire 3220 Series", Interface: 3, UsagePage: 0x0B, Usage: 5}
	hint := hid.PermissionHint(in)
	ifaces := []hidhost.Interface{{Info: in, Reason: "permission denied", Hint: &hint, Listed: true}}
	for _, tt := range []struct {
		lang, json string
		want       []string
	}{
		{"en", "", []string{"/dev/hidraw7", "(other device)", "no (see below)", "Earshot may not open /dev/hidraw7", "earshot udev-rules"}},
		{"fr", "", []string{"non (voir ci-dessous)", "Earshot n’a pas le droit d’ouvrir /dev/hidraw7"}},
		{"en", "json", []string{`"Openable": false`, `"Hint": "Earshot may not open /dev/hidraw7`, `"Driver": "other"`}},
	} {
		var out bytes.Buffer
		e := &env{stdout: &out, t: translations.New(tt.lang), o: options{json: tt.json != ""}}
		if err := printHIDList(e, ifaces); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			mustContain(t, out.String(), w)
		}
	}
}
