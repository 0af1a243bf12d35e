package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/earshot-app/earshot/app/localapi"
	"github.com/earshot-app/earshot/translations/translationstest"
)

// TestMain lets a test run this binary's main in a subprocess: with
// EARSHOT_TEST_MAIN=1 the test binary is earshot.
func TestMain(m *testing.M) {
	if os.Getenv("EARSHOT_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Environ()))
	}
	os.Exit(m.Run())
}

// thirdParty is a scenario written from docs/simulator.md alone, the way someone else
// would: a dongle with a headset behind it, a camera attached later, a
// busylight that is never attached explicitly (so present from the start),
// and a device that leaves at time zero.
const thirdParty = `{
  "speed": 60,
  "devices": [
    { "id": "dg1", "kind": "dongle", "name": "Jabra Link 380", "vendorId": "0b0e", "productId": "3053",
      "variant": "04-5A", "esn": "70BF92A0C1D2", "firmware": "2.12.0", "connection": "USB" },
    { "id": "hs1", "kind": "headset", "name": "Jabra Evolve2 85", "vendorId": "0B0E", "productId": "30A4",
      "variant": "01-96", "esn": "501AA5D6337F", "firmware": "1.2.0", "connection": "Bluetooth", "parent": "dg1",
      "battery": { "level": 80, "charging": false }, "settings": { "WIRELESS_RANGE": "1" },
      "firmwareUpdate": { "result": "Success", "seconds": 30 } },
    { "id": "cam1", "kind": "camera", "name": "Jabra PanaCast 50", "vendorId": "0B0E", "productId": "3011",
      "esn": "C0FFEE000001", "firmware": "6.0.1" },
    { "id": "bl", "kind": "busylight", "name": "kuando Busylight Omega", "vendorId": "27BB", "productId": "3BCD" },
    { "id": "gone", "kind": "speakerphone", "name": "Jabra Speak 510", "vendorId": "0B0E", "productId": "0420",
      "battery": { "level": 5, "charging": false } }
  ],
  "timeline": [
    { "at": "0s",   "do": "attach",    "device": "dg1" },
    { "at": "0s",   "do": "attach",    "device": "hs1" },
    { "at": "0s",   "do": "attach",    "device": "gone" },
    { "at": "0s",   "do": "battery",   "device": "hs1", "level": 12, "charging": false },
    { "at": "0s",   "do": "detach",    "device": "gone" },
    { "at": "5s",   "do": "callStart", "device": "hs1" },
    { "at": "140s", "do": "attach",    "device": "cam1" },
    { "at": "200s", "do": "detach",    "device": "hs1" }
  ]
}`

type devicesJSON []map[string]any

func TestRun(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "desk.json")
	if err := os.WriteFile(scenario, []byte(thirdParty), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "broken.json")
	if err := os.WriteFile(broken, []byte(`{"devices":[{"id":"a","kind":"headset","name":"x","vendorId":"1","productId":"2","batery":{}}],"timeline":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout func(t *testing.T, out string)
		stderr string // substring
	}{
		{name: "version", args: []string{"version"}, code: 0,
			stdout: func(t *testing.T, out string) { mustContain(t, out, "earshot "+Version) }},
		{name: "version json", args: []string{"version", "--json"}, code: 0,
			stdout: func(t *testing.T, out string) {
				mustContain(t, out, `"Version": "`+Version+`"`)
				mustContain(t, out, `"Commit": "`+Commit+`"`)
				mustContain(t, out, `"BuildDate": "`+BuildDate+`"`)
			}},
		{name: "help", args: []string{"--help"}, code: 0,
			stdout: func(t *testing.T, out string) { mustContain(t, out, "earshot devices [--json]") }},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: `unknown command "frobnicate"`},
		{name: "unknown flag", args: []string{"devices", "--jsno"}, code: 2, stderr: "flag provided but not defined: -jsno"},
		{name: "flag of another command", args: []string{"--json"}, code: 2, stderr: "--json does not apply to earshot — see"},
		{name: "flag of another command after it", args: []string{"service", "--json"}, code: 2, stderr: "flag provided but not defined: -json"},
		{name: "common flag before the command", args: []string{"--demo", "devices", "--json"}, code: 0,
			stdout: func(t *testing.T, out string) { mustContain(t, out, `"DeviceName"`) }},
		{name: "demo and sim", args: []string{"devices", "--demo", "--sim", scenario}, code: 2, stderr: "--demo and --sim exclude each other"},
		{name: "extra argument", args: []string{"devices", "extra"}, code: 2, stderr: "unexpected arguments: extra"},
		{name: "missing scenario", args: []string{"devices", "--sim", "/nonexistent.json"}, code: 1, stderr: "cannot read the scenario /nonexistent.json"},
		{name: "broken scenario names the key", args: []string{"devices", "--sim", broken}, code: 1, stderr: `devices[0].batery`},
		{name: "demo devices", args: []string{"devices", "--demo", "--json"}, code: 0,
			stdout: func(t *testing.T, out string) {
				var devs devicesJSON
				mustDecode(t, out, &devs)
				kinds := map[any]bool{}
				withBattery := 0
				for _, d := range devs {
					kinds[d["Kind"]] = true
					if d["BatteryLevel"] != nil {
						withBattery++
					}
					for _, k := range []string{"DeviceName", "Kind", "VendorId", "ProductId", "VariantType", "ESN",
						"FirmwareVersion", "ConnectionType", "Parent", "BatteryLevel", "BatteryLow", "BatteryCharging"} {
						if _, ok := d[k]; !ok {
							t.Errorf("%v lacks key %s", d["DeviceName"], k)
						}
					}
				}
				if len(devs) < 6 || len(kinds) < 5 || withBattery < 3 {
					t.Errorf("demo lists %d devices of %d kinds, %d with a battery; want ≥6, ≥5, ≥3", len(devs), len(kinds), withBattery)
				}
			}},
		{name: "third-party scenario at time zero", args: []string{"devices", "--sim", scenario, "--json"}, code: 0,
			stdout: func(t *testing.T, out string) {
				var devs devicesJSON
				mustDecode(t, out, &devs)
				var names []string
				for _, d := range devs {
					names = append(names, d["DeviceName"].(string))
				}
				if got := strings.Join(names, ","); got != "Jabra Link 380,Jabra Evolve2 85,kuando Busylight Omega" {
					t.Fatalf("devices = %s", got)
				}
				hs := devs[1]
				for k, want := range map[string]any{"Parent": "Jabra Link 380", "BatteryLevel": 12.0, "BatteryLow": true,
					"BatteryCharging": false, "VendorId": "0B0E", "ProductId": "30A4", "VariantType": "01-96",
					"ConnectionType": "Bluetooth", "ESN": "501AA5D6337F", "FirmwareVersion": "1.2.0", "Kind": "headset"} {
					if hs[k] != want {
						t.Errorf("headset %s = %v, want %v", k, hs[k], want)
					}
				}
				if devs[2]["BatteryLevel"] != nil {
					t.Errorf("a wired busylight has BatteryLevel %v, want null", devs[2]["BatteryLevel"])
				}
			}},
		{name: "table output", args: []string{"devices", "--sim", scenario}, code: 0,
			stdout: func(t *testing.T, out string) {
				mustContain(t, out, "NAME")
				mustContain(t, out, "Bluetooth via Jabra Link 380")
				mustContain(t, out, "12 % low")
			}},
		{name: "no devices gives an empty array", args: []string{"devices", "--json"}, code: 0,
			stdout: func(t *testing.T, out string) { mustContain(t, out, "[]") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"--data", t.TempDir()}, tt.args...)
			code := run(args, &stdout, &stderr, []string{"LANG=en_US.UTF-8"})
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, stderr.String())
			}
			if tt.stdout != nil {
				tt.stdout(t, stdout.String())
			}
			if tt.stderr != "" {
				mustContain(t, stderr.String(), tt.stderr)
				if lines := strings.Count(strings.TrimSpace(stderr.String()), "\n"); lines != 0 {
					t.Errorf("stderr has %d lines, want one: %q", lines+1, stderr.String())
				}
			}
		})
	}
}

// TestOneOwner runs a real service in a subprocess, asks it for devices over
// the socket, refuses a second owner, and stops it with SIGTERM.
func TestOneOwner(t *testing.T) {
	data := t.TempDir()
	scenario := filepath.Join(t.TempDir(), "desk.json")
	if err := os.WriteFile(scenario, []byte(thirdParty), 0o600); err != nil {
		t.Fatal(err)
	}
	owner := self(t, "service", "--data", data, "--sim", scenario)
	var ownerErr bytes.Buffer
	owner.Stderr = &ownerErr
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = owner.Process.Kill(); _ = owner.Wait() })
	waitForSocket(t, data)

	// A subcommand asks the owner. The socket opens before the simulator's
	// first devices have arrived, so ask until they are there.
	var stdout, stderr bytes.Buffer
	var devs devicesJSON
	for deadline := time.Now().Add(20 * time.Second); len(devs) < 3 && time.Now().Before(deadline); {
		stdout.Reset()
		stderr.Reset()
		if code := run([]string{"devices", "--json", "--data", data}, &stdout, &stderr, nil); code != 0 {
			t.Fatalf("devices: exit %d: %s", code, stderr.String())
		}
		mustDecode(t, stdout.String(), &devs)
		if len(devs) < 3 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if len(devs) < 3 {
		t.Fatalf("owner reports %d devices, want ≥3", len(devs))
	}
	// The socket is owner-only.
	if st, err := os.Stat(localapi.SocketPath(data)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", st.Mode(), err)
	}
	// A command asking for other devices than the owner plays is refused.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"devices", "--demo", "--data", data}, &stdout, &stderr, nil); code != 1 {
		t.Fatalf("devices --demo against a sim owner: exit %d, want 1", code)
	}
	mustContain(t, stderr.String(), "plays sim:")

	// A second owner says so and exits 1.
	second := self(t, "service", "--data", data, "--demo")
	out, err := second.CombinedOutput()
	if code := exitCode(err); code != 1 {
		t.Fatalf("second owner exit %d, want 1: %s", code, out)
	}
	mustContain(t, string(out), "another Earshot is running")

	// SIGTERM stops the owner cleanly and removes the socket.
	if err := owner.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := owner.Wait(); err != nil {
		t.Fatalf("owner after SIGTERM: %v: %s", err, ownerErr.String())
	}
	if _, err := os.Stat(localapi.SocketPath(data)); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
}

func TestExitWhenDone(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "short.json")
	short := `{"speed": 100, "devices": [{"id":"h","kind":"headset","name":"H","vendorId":"0B0E","productId":"1"}],
	  "timeline": [{"at":"0s","do":"attach","device":"h"},{"at":"10s","do":"callStart","device":"h"},
	  {"at":"60s","do":"callEnd","device":"h"}]}`
	if err := os.WriteFile(scenario, []byte(short), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := self(t, "service", "--data", t.TempDir(), "--sim", scenario, "--exit-when-done")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("service --exit-when-done: %v: %s", err, out)
	}
	// 60 s of scenario at speed 100 is 0.6 s of real time.
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %v", took)
	}
}

func TestAppIDMatchesFyneAppToml(t *testing.T) {
	var meta struct {
		Details struct {
			ID, Name, Version string
		}
	}
	if _, err := toml.DecodeFile("../../../FyneApp.toml", &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Details.ID != AppID {
		t.Errorf("FyneApp.toml ID %q, code %q", meta.Details.ID, AppID)
	}
	// One version from one place: VERSION, which the build scripts stamp;
	// FyneApp.toml and the unstamped default must follow it.
	raw, err := os.ReadFile("../../../VERSION")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(string(raw))
	if meta.Details.Version != want {
		t.Errorf("FyneApp.toml Version %q, VERSION %q", meta.Details.Version, want)
	}
	if Version != want && Version != want+"-dev" {
		t.Errorf("cli.Version %q, VERSION %q (stamped) or %q (plain go build)", Version, want, want+"-dev")
	}
}

func self(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "EARSHOT_TEST_MAIN=1", "LANG=en_US.UTF-8")
	return cmd
}

func waitForSocket(t *testing.T, data string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := localapi.Dial(ctx, localapi.SocketPath(data))
		cancel()
		if err == nil && c != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the owner never opened its socket")
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

func mustContain(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%q does not contain %q", s, sub)
	}
}

func mustDecode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, s)
	}
}

func TestEveryKeyUsedExists(t *testing.T) {
	translationstest.UsedKeysExist(t, ".", 20)
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		name, args, positional string
		json, demo             bool
	}{
		{"flags after the arguments", "show Evolve --json", "show Evolve", true, false},
		{"flags between the arguments", "set --demo Evolve SIDETONE=1 --json", "set Evolve SIDETONE=1", true, true},
		{"double dash ends the flags", "set Evolve -- --json", "set Evolve --json", false, false},
		{"no arguments", "--json", "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o options
			fs := newFlagSet("x", &o, jsonFlag)
			got, err := parseInterspersed(fs, strings.Fields(tt.args))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != tt.positional || o.json != tt.json || o.demo != tt.demo {
				t.Errorf("positional %q json %v demo %v", got, o.json, o.demo)
			}
		})
	}
}
