package cli

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// partnerDefinitions and partnerMapping are catalog files written by someone
// else in the seed's format, with attributes and elements the seed does not
// show, a namespace, and non-ASCII text.
const partnerDefinitions = `<?xml version="1.0" encoding="utf-8"?>
<SettingsDefinitions xmlns="urn:partner:catalog" Release="2026.3" GeneratedBy="Partner Catalog Tool 4.1">
  <Header><Copyright>© 2026 Partner A/S</Copyright><Generated>2026-11-01T08:00:00Z</Generated></Header>
  <!-- audio -->
  <SettingDefinition Target="Jabra" Name="ECHO_CANCELLATION" UserFriendlyName="Ekkodæmpning" ValueType="String" ValueConstraintType="Enumeration" DefaultValue="1" RequiresReboot="false" AllowsNull="false" Owner="audio-team" Since="1.4">
    <Description>Echo cancellation strength.</Description>
    <UserFriendlyDescription>Dæmper ekko i mødelokaler — «Stærk» i rum med glasvægge.</UserFriendlyDescription>
    <Tags><Tag>audio</Tag><Tag>meeting room</Tag></Tags>
    <SupportedValues Sorted="true">
      <SupportedValue Value="0" UserFriendlyValue="Fra" Order="1" />
      <SupportedValue Value="1" UserFriendlyValue="Normal" Order="2" />
      <SupportedValue Value="2" UserFriendlyValue="Stærk" Order="3"><Note>kräver firmware ≥ 2.0</Note></SupportedValue>
    </SupportedValues>
  </SettingDefinition>
  <SettingDefinition Target="Jabra" Name="HOLD_MUSIC" UserFriendlyName="Ventemusik" ValueType="Boolean" ValueConstraintType="None" DefaultValue="True" RequiresReboot="1" AllowsNull="0">
    <Description>Music while a call is on hold.</Description>
  </SettingDefinition>
</SettingsDefinitions>
`

const partnerMapping = `<?xml version="1.0" encoding="utf-8"?>
<devices release="2026.3">
  <device name="Jabra Evolve 75" family="Evolve" discontinued="false">
    <variants>
      <variant vid="2830" pid="9317" variantType="01-3D" firmwareChannel="stable" />
      <variant vid="2830" pid="9318" variantType="01-3D" />
    </variants>
    <settings>
      <setting name="ECHO_CANCELLATION" />
      <setting name="HOLD_MUSIC" />
      <setting name="WIRELESS_RANGE" />
    </settings>
    <accessories><accessory name="Charging stand" /></accessories>
  </device>
</devices>
`

// partnerScenario has a headset the embedded catalog does not know and the
// partner mapping names by vid 0x0B0E, pid 0x2465 (9317) and variant 01-3D.
const partnerScenario = `{"devices": [
  {"id": "e75", "kind": "headset", "name": "Jabra Evolve 75", "vendorId": "0B0E", "productId": "2465",
   "variant": "01-3D", "esn": "501AA5D6337F", "firmware": "2.0.0", "connection": "Bluetooth",
   "settings": {"ECHO_CANCELLATION": "2"}},
  {"id": "hs1", "kind": "headset", "name": "Jabra Evolve2 85", "vendorId": "0B0E", "productId": "30A4",
   "variant": "01-96", "esn": "0000AAAA0001", "connection": "USB", "settings": {"WIRELESS_RANGE": "1"}},
  {"id": "bl", "kind": "busylight", "name": "kuando Busylight Omega", "vendorId": "27BB", "productId": "3BCD"}],
 "timeline": []}`

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// runEarshot runs the command line in-process with LANG pinned and the
// given environment added.
func runEarshot(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut, append([]string{"LANG=en_US.UTF-8"}, env...))
	return code, out.String(), errOut.String()
}

func TestSettingsCommands(t *testing.T) {
	dir := t.TempDir()
	catDir := filepath.Join(dir, "catalog")
	if err := os.Mkdir(catDir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, catDir, map[string]string{"SettingsDefinition-Partner.xml": partnerDefinitions, "Mapping-Partner.xml": partnerMapping})
	scenario := filepath.Join(dir, "desk.json")
	writeFiles(t, dir, map[string]string{"desk.json": partnerScenario,
		"good.json": `{"firmware": {}, "settings": {"SIDETONE": "0", "EVENT_CALL_STATUS": "0"}}`,
		"bad.json":  `{"firmware": {}, "settings": {"SIDETONE": "0", "WIRELESS_RANGE": "7"}}`,
		"fw.json":   `{"firmware": {"version": "1.27.0", "downloadUrl": "Firmware/x.zip"}, "settings": {"SIDETONE": "3"}}`,
		"junk.json": `{"firmware": {}}`})
	env := []string{"EARSHOT_CATALOGDIR=" + catDir}
	file := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings
		stderr string   // substring; stderr must then be one line
	}{
		{name: "the partner's settings appear for the device its mapping names",
			args: []string{"settings", "--sim", scenario, "show", "Jabra Evolve 75"}, code: 0,
			stdout: []string{"ECHO_CANCELLATION", "2 (Stærk)", "1 (Normal)", "0 (Fra), 1 (Normal), 2 (Stærk)",
				"HOLD_MUSIC", "True (On)", "true (On), false (Off)", "restart required", "WIRELESS_RANGE", "1 (Long)"}},
		{name: "show as JSON, --json after the device",
			args: []string{"settings", "--demo", "show", "Jabra Evolve2", "--json"}, code: 0,
			stdout: []string{`"Name": "SIDETONE"`, `"Label": "Sidetone"`, `"Kind": "choice"`, `"RequiresReboot": true`,
				`"Code": "notWritable"`, `"Detail": "only while the headset is connected by USB cable"`}},
		{name: "a device without settings",
			args: []string{"settings", "--sim", scenario, "show", "kuando"}, code: 0,
			stdout: []string{"The catalog lists no settings for kuando Busylight Omega."}},
		{name: "a value outside the enumeration lists the allowed values",
			args: []string{"settings", "--demo", "set", "Jabra Evolve2", "WIRELESS_RANGE=9", "SIDETONE=0"}, code: 1,
			stderr: `nothing changed on Jabra Evolve2 85: WIRELESS_RANGE: “9” is not allowed; choose one of 1 (Long), 2 (Medium), 3 (Short).`},
		{name: "an unknown setting",
			args: []string{"settings", "--demo", "set", "Jabra Evolve2", "BOGUS=1"}, code: 1,
			stderr: "BOGUS: BOGUS is not a setting in the catalog."},
		{name: "a setting the model does not support",
			args: []string{"settings", "--demo", "set", "Jabra Evolve2", "FIELD_OF_VIEW=90"}, code: 1,
			stderr: "FIELD_OF_VIEW: Jabra Evolve2 85 does not support this setting."},
		{name: "a setting the driver cannot write",
			args: []string{"settings", "--demo", "set", "Jabra Evolve2", "BLUETOOTH_MULTIPOINT=false"}, code: 1,
			stderr: "Cannot be changed here: only while the headset is connected by USB cable."},
		{name: "a range out of bounds",
			args: []string{"settings", "--demo", "set", "Jabra Evolve2", "AUTO_OFF=500"}, code: 1,
			stderr: "AUTO_OFF: 500 is outside 0–480."},
		{name: "valid values are applied",
			args: []string{"settings", "--demo", "set", "Jabra Evolve2", "SIDETONE=0", "WIRELESS_RANGE=2", "DEVICE_NAME=Skrivebord 7"}, code: 0,
			stdout: []string{"Changed 3 settings on Jabra Evolve2 85: DEVICE_NAME, SIDETONE, WIRELESS_RANGE", "Restart Jabra Evolve2 85"}},
		{name: "nothing to change",
			args: []string{"settings", "--demo", "set", "Jabra Evolve2", "WIRELESS_RANGE=1"}, code: 0,
			stdout: []string{"Nothing to change: Jabra Evolve2 85 already has these values."}},
		{name: "export", args: []string{"settings", "--demo", "export", "501AA5D6337F"}, code: 0,
			stdout: []string{`"firmware": {}`, `"AUDIO_PROTECTION": "5"`, `"PREFERRED_SOFTPHONE": null`, `"EVENT_CALL_STATUS": "1"`}},
		{name: "import", args: []string{"settings", "--demo", "import", "Jabra Evolve2", file("good.json")}, code: 0,
			stdout: []string{"Changed 2 settings on Jabra Evolve2 85: EVENT_CALL_STATUS, SIDETONE"}},
		{name: "a refused import changes nothing", args: []string{"settings", "--demo", "import", "Jabra Evolve2", file("bad.json")}, code: 1,
			stderr: "nothing changed on Jabra Evolve2 85: WIRELESS_RANGE: “7” is not allowed"},
		{name: "an import naming firmware", args: []string{"settings", "--demo", "import", "Jabra Evolve2", file("fw.json")}, code: 0,
			stdout: []string{"Changed 1 setting", "note: the file also asks for firmware"}},
		{name: "an import that is no configuration", args: []string{"settings", "--demo", "import", "Jabra Evolve2", file("junk.json")}, code: 1,
			stderr: `cannot import ` + file("junk.json") + `: configuration: "settings" is required`},
		{name: "an import file that is missing", args: []string{"settings", "--demo", "import", "Jabra Evolve2", file("none.json")}, code: 1,
			stderr: "cannot read " + file("none.json")},
		{name: "an unknown device", args: []string{"settings", "--demo", "show", "Plantronics"}, code: 1,
			stderr: `no attached device has the ESN or a name starting with "Plantronics"`},
		{name: "no arguments", args: []string{"settings"}, code: 2, stderr: "usage: earshot settings"},
		{name: "an unknown subcommand", args: []string{"settings", "frob", "x"}, code: 2, stderr: `unknown settings command "frob"`},
		{name: "set without values", args: []string{"settings", "set", "x"}, code: 2, stderr: "usage: earshot settings"},
		{name: "a pair without =", args: []string{"settings", "--demo", "set", "Jabra Evolve2", "SIDETONE"}, code: 2, stderr: "SIDETONE: want NAME=VALUE"},
		{name: "a setting twice", args: []string{"settings", "--demo", "set", "Jabra Evolve2", "SIDETONE=1", "SIDETONE=2"}, code: 2,
			stderr: "SIDETONE is given twice"},
		{name: "import without a file", args: []string{"settings", "import", "x"}, code: 2, stderr: "usage: earshot settings"},
		{name: "help lists the commands", args: []string{"--help"}, code: 0,
			stdout: []string{"earshot settings history DEVICE [--json]", "earshot catalog check FILE|DIR… [--json]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runEarshot(t, env, append([]string{"--data", t.TempDir()}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			for _, want := range tt.stdout {
				mustContain(t, stdout, want)
			}
			if tt.stderr != "" {
				mustContain(t, stderr, tt.stderr)
				if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
					t.Errorf("stderr has %d lines, want one: %q", n+1, stderr)
				}
			}
		})
	}
}

func TestBrokenCatalogFileIsSkipped(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Mapping-Partner.xml":            partnerMapping,
		"SettingsDefinition-Partner.xml": partnerDefinitions,
		"Broken.xml":                     "<devices>\n<device name=\"X\">\n</devics>\n",
		"desk.json":                      partnerScenario,
	})
	env := []string{"EARSHOT_CATALOGDIR=" + dir}
	code, stdout, stderr := runEarshot(t, env, "--data", t.TempDir(), "settings", "--sim", filepath.Join(dir, "desk.json"), "show", "Jabra Evolve 75")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	mustContain(t, stderr, "earshot: warning: catalog: "+filepath.Join(dir, "Broken.xml")+":3: malformed XML: element <device> closed by </devics>")
	mustContain(t, stdout, "ECHO_CANCELLATION") // the rest loaded

	// The owner starts with it too.
	cmd := self(t, "service", "--data", t.TempDir(), "--sim", filepath.Join(dir, "desk.json"), "--exit-when-done")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("service with a broken catalog file: %v: %s", err, out)
	}
	mustContain(t, string(out), "Broken.xml:3: malformed XML")
}

// TestSettingsThroughTheOwner changes settings of a running service: a
// refused set exits 1 and leaves the device as it was; a valid one changes
// it, and the history says who did.
func TestSettingsThroughTheOwner(t *testing.T) {
	data := t.TempDir()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"desk.json": thirdParty,
		"bad.json": `{"firmware": {}, "settings": {"SIDETONE": "0", "WIRELESS_RANGE": "7"}}`})
	owner := self(t, "service", "--data", data, "--sim", filepath.Join(dir, "desk.json"))
	var ownerErr bytes.Buffer
	owner.Stderr = &ownerErr
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = owner.Process.Kill(); _ = owner.Wait() })
	waitForSocket(t, data)
	// The owner reports its devices as its driver attaches them.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, stdout, _ := runEarshot(t, nil, "--data", data, "devices")
		if strings.Contains(stdout, "Jabra Evolve2 85") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the owner never listed the headset: %s", ownerErr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	show := func() map[string]string {
		t.Helper()
		code, stdout, stderr := runEarshot(t, nil, "--data", data, "settings", "show", "Jabra Evolve2", "--json")
		if code != 0 {
			t.Fatalf("show: exit %d: %s", code, stderr)
		}
		var form struct {
			Fields []struct{ Name, Value string }
		}
		mustDecode(t, stdout, &form)
		if strings.Contains(stdout, `"DeviceID"`) || strings.Contains(stdout, `"DeviceKey"`) {
			t.Errorf("show through the owner names the device by an inner id: %.200s", stdout)
		}
		out := map[string]string{}
		for _, f := range form.Fields {
			out[f.Name] = f.Value
		}
		return out
	}
	before := show()
	if before["WIRELESS_RANGE"] != "1" || before["SIDETONE"] != "2" {
		t.Fatalf("before: %v", before)
	}
	for _, args := range [][]string{
		{"set", "Jabra Evolve2", "SIDETONE=0", "WIRELESS_RANGE=9"},
		{"set", "Jabra Evolve2", "SIDETONE=0", "NOT_A_SETTING=1"},
		{"set", "Jabra Evolve2", "SIDETONE=0", "FIELD_OF_VIEW=90"},
		{"import", "Jabra Evolve2", filepath.Join(dir, "bad.json")},
	} {
		code, _, stderr := runEarshot(t, nil, append([]string{"--data", data, "settings"}, args...)...)
		if code != 1 || !strings.Contains(stderr, "nothing changed on Jabra Evolve2 85") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	if after := show(); after["SIDETONE"] != "2" || after["WIRELESS_RANGE"] != "1" {
		t.Fatalf("refusals changed the device: %v", after)
	}
	if code, _, stderr := runEarshot(t, nil, "--data", data, "settings", "set", "Jabra Evolve2", "SIDETONE=0", "WIRELESS_RANGE=3"); code != 0 {
		t.Fatalf("set: exit %d: %s", code, stderr)
	}
	if after := show(); after["SIDETONE"] != "0" || after["WIRELESS_RANGE"] != "3" {
		t.Fatalf("after set: %v", after)
	}
	code, stdout, stderr := runEarshot(t, nil, "--data", data, "settings", "history", "Jabra Evolve2", "--json")
	if code != 0 {
		t.Fatalf("history: exit %d: %s", code, stderr)
	}
	var hist []struct{ Name, Old, New, Source, Label, NewLabel string }
	mustDecode(t, stdout, &hist)
	if len(hist) != 2 || hist[0].Source != "user" || hist[1].Name != "SIDETONE" && hist[0].Name != "SIDETONE" {
		t.Errorf("history = %+v", hist)
	}
	for _, h := range hist {
		if h.Name == "WIRELESS_RANGE" && (h.Old != "1" || h.New != "3" || h.NewLabel != "Short") {
			t.Errorf("WIRELESS_RANGE history = %+v", h)
		}
	}
	code, stdout, _ = runEarshot(t, nil, "--data", data, "settings", "export", "Jabra Evolve2")
	var cfg struct{ Settings map[string]*string }
	mustDecode(t, stdout, &cfg)
	if code != 0 || cfg.Settings["WIRELESS_RANGE"] == nil || *cfg.Settings["WIRELESS_RANGE"] != "3" {
		t.Errorf("export after set: %s", stdout)
	}
}

func TestCatalogCheck(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"SettingsDefinition-Partner.xml": partnerDefinitions,
		"Mapping-Partner.xml":            partnerMapping,
		"resource-mapping.xml": `<devices><device name="Jabra Evolve 75" imageUrl="https://example.invalid/e75.png">
<variants><variant vid="2830" pid="9317" variantType="01-3D"/></variants>
<fwVersions><fwVersion version="2.0.0" firmwareFile="f.zip"><releaseNote>• Først</releaseNote></fwVersion><fwVersion version="2.1.0"/></fwVersions></device></devices>`,
	})
	bad := t.TempDir()
	writeFiles(t, bad, map[string]string{
		"dup.xml":    "<d>\n<SettingDefinition Name=\"A\"/>\n<SettingDefinition Name=\"A\"/>\n</d>",
		"orphan.xml": "<devices><device name=\"D\"><variants><variant vid=\"1\" pid=\"2\"/></variants>\n<settings><setting name=\"NOWHERE\"/></settings></device></devices>",
	})
	broken := filepath.Join(t.TempDir(), "broken.xml")
	writeFiles(t, filepath.Dir(broken), map[string]string{"broken.xml": "<d>\n<SettingDefinition Name=\"A\"\n</d>\n"})
	empty := t.TempDir()
	// What a check of files must never say: it is about starting Earshot.
	loadTalk := []string{"the rest of the catalog loads", "0 files"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
		absent []string // in neither stdout nor stderr
	}{
		{name: "a broken file: its place, and that it cannot be used", args: []string{"catalog", "check", broken}, code: 1,
			stdout: []string{broken + ":3: malformed XML"}, stderr: broken + " cannot be used as a catalog file", absent: loadTalk},
		{name: "a broken file beside good ones", args: []string{"catalog", "check", dir, broken}, code: 1,
			stdout: []string{broken + ":3: malformed XML", "3 files: 2 definitions"}, stderr: broken + " cannot be used as a catalog file",
			absent: loadTalk},
		{name: "a broken file as JSON", args: []string{"catalog", "check", "--json", broken}, code: 1,
			stdout: []string{`"Unusable": [`, `"Files": []`, `"Line": 3`}, absent: []string{"the rest of the catalog loads"}},
		{name: "a folder without XML", args: []string{"catalog", "check", empty}, code: 1,
			stdout: []string{empty + ": no catalog file (*.xml) in this folder"}, stderr: "1 error in " + empty, absent: loadTalk},
		{name: "a good folder", args: []string{"catalog", "check", dir}, code: 0,
			stdout: []string{"3 files: 2 definitions, 1 models, 2 variants, 2 firmware versions"}},
		{name: "JSON counts", args: []string{"catalog", "check", "--json", dir}, code: 0,
			stdout: []string{`"Definitions": 2`, `"Models": 1`, `"Variants": 2`, `"FirmwareVersions": 2`, `"Problems": []`}},
		{name: "errors name file and line", args: []string{"catalog", "check", bad}, code: 1,
			stdout: []string{filepath.Join(bad, "dup.xml") + ":3: setting A is defined twice (first at line 2)",
				filepath.Join(bad, "orphan.xml") + `:2: device "D" names setting NOWHERE, which no SettingsDefinition defines`},
			stderr: "2 errors in " + bad},
		{name: "problems as JSON", args: []string{"catalog", "check", filepath.Join(bad, "orphan.xml"), "--json"}, code: 1,
			stdout: []string{`"File": "` + filepath.Join(bad, "orphan.xml") + `"`, `"Line": 2`, `"Severity": "error"`},
			stderr: "1 error in"},
		{name: "a missing file", args: []string{"catalog", "check", filepath.Join(dir, "nope.xml")}, code: 1,
			stdout: []string{filepath.Join(dir, "nope.xml") + ": no such file or folder"}, stderr: "1 error in", absent: append(loadTalk, "stat ")},
		{name: "no files", args: []string{"catalog", "check"}, code: 2, stderr: "usage: earshot catalog check"},
		{name: "no subcommand", args: []string{"catalog"}, code: 2, stderr: "usage: earshot catalog check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runEarshot(t, nil, append([]string{"--data", t.TempDir()}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			for _, want := range tt.stdout {
				mustContain(t, stdout, want)
			}
			if tt.stderr != "" {
				mustContain(t, stderr, tt.stderr)
			}
			for _, no := range tt.absent {
				if strings.Contains(stdout+stderr, no) {
					t.Errorf("output says %q:\nstdout: %s\nstderr: %s", no, stdout, stderr)
				}
			}
		})
	}
}

// TestSettingsShowJSONNamesTheDeviceAsUsersKnowIt: the form names the device
// by name and ESN, as `earshot devices` does, never by the id the simulator
// or the owner gives it inside.
func TestSettingsShowJSONNamesTheDeviceAsUsersKnowIt(t *testing.T) {
	tests := []struct {
		name, device, wantName, wantESN string
	}{
		{name: "a speakerphone of the demo", device: "Jabra Speak2", wantName: "Jabra Speak2 75", wantESN: "30F2E1A4B7C9"},
		{name: "a headset of the demo", device: "Jabra Evolve2 85", wantName: "Jabra Evolve2 85", wantESN: "501AA5D6337F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runEarshot(t, nil, "--data", t.TempDir(), "--demo", "settings", "show", tt.device, "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var top map[string]json.RawMessage
			mustDecode(t, stdout, &top)
			keys := slices.Sorted(maps.Keys(top))
			if want := []string{"DeviceName", "ESN", "Fields", "Model"}; !slices.Equal(keys, want) {
				t.Errorf("keys %v, want %v", keys, want)
			}
			var form struct{ DeviceName, ESN string }
			mustDecode(t, stdout, &form)
			if form.DeviceName != tt.wantName || (tt.wantESN != "" && form.ESN != tt.wantESN) || form.ESN == "" {
				t.Errorf("device %q ESN %q, want %q %q", form.DeviceName, form.ESN, tt.wantName, tt.wantESN)
			}
		})
	}
}
