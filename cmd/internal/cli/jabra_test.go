package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/device/hid/replay"
)

// jabraScenario is a Link 390 with an Evolve2 65 behind it, written from
// docs/hardware.md §2 in the simulator's format of scripted HID devices (its
// replies only; the driver finds everything else).
const jabraScenario = "../../../device/jabra/testdata/link390-evolve2-65.json"

// `earshot devices --sim FILE --json` lists the dongle and the headset
// behind it with its parent, name, firmware and battery, read over the GN
// protocol; `earshot settings set` writes the frame docs/hardware.md §2.6
// predicts, and --hid-trace shows it.
func TestJabraScenario(t *testing.T) {
	dir := t.TempDir()
	run1 := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr, []string{"EARSHOT_LANGUAGE=en"}); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		return stdout.String()
	}
	if err := os.MkdirAll(filepath.Join(dir, "d1"), 0o700); err != nil {
		t.Fatal(err)
	}
	out := run1("devices", "--sim", jabraScenario, "--json", "--data", filepath.Join(dir, "d1"))
	var devs []map[string]any
	mustDecode(t, out, &devs)
	byName := map[string]map[string]any{}
	for _, d := range devs {
		byName[d["DeviceName"].(string)] = d
	}
	dongle, headset := byName["Jabra Link 390"], byName["Jabra Evolve2 65"]
	if len(devs) != 2 || dongle == nil || headset == nil {
		t.Fatalf("devices: %s", out)
	}
	for k, want := range map[string]any{"Kind": "dongle", "FirmwareVersion": "3.1.0", "ProductId": "2E57", "ESN": "LINK-ESN-7"} {
		if dongle[k] != want {
			t.Errorf("dongle %s = %v, want %v", k, dongle[k], want)
		}
	}
	for k, want := range map[string]any{"Kind": "headset", "Parent": "Jabra Link 390", "FirmwareVersion": "2.5.1",
		"ESN": "HS-ESN-7", "BatteryLevel": 72.0, "BatteryCharging": false, "ConnectionType": "Bluetooth", "VariantType": "01-5C"} {
		if headset[k] != want {
			t.Errorf("headset %s = %v, want %v", k, headset[k], want)
		}
	}

	trace := filepath.Join(dir, "trace.jsonl")
	out = run1("settings", "set", "HS-ESN-7", "AUTO_OFF=30", "--sim", jabraScenario, "--hid-trace", trace, "--data", filepath.Join(dir, "d2"))
	mustContain(t, out, "AUTO_OFF")
	raw, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	var sets [][]byte
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var l struct{ Dir, Report, ProductID string }
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("trace line %q: %v", line, err)
		}
		b, err := replay.ParseHex(l.Report)
		if err != nil {
			t.Fatalf("trace report %q: %v", l.Report, err)
		}
		// 05 04 00 <seq> 87 13 90 06: SET (type 2, length 7), auto-off 6 × 5 min, to the headset at 04.
		if l.Dir == "out" && len(b) > 7 && bytes.Equal(b[:3], []byte{0x05, 0x04, 0x00}) && bytes.Equal(b[4:7], []byte{0x87, 0x13, 0x90}) {
			sets = append(sets, b)
		}
	}
	want := append([]byte{0x87, 0x13, 0x90, 0x06}, make([]byte, 64-8)...)
	if len(sets) != 1 || len(sets[0]) != 64 || !bytes.Equal(sets[0][4:], want) {
		t.Errorf("auto-off SETs in the trace: % X", sets)
	}
}
