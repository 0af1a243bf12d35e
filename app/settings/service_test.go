package settings

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/catalog"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/sim"
	"github.com/earshot-app/earshot/store"
)

// fakeDevices is a Devices that remembers what it was asked to write.
type fakeDevices struct {
	mu       sync.Mutex
	devs     map[string]device.Device
	written  []map[string]string          // each WriteSettings call
	fail     map[string]error             // settings whose write fails
	readOnly map[string]map[string]string // id → setting → reason
}

func newFakeDevices(devs ...device.Device) *fakeDevices {
	f := &fakeDevices{devs: map[string]device.Device{}, fail: map[string]error{}, readOnly: map[string]map[string]string{}}
	for _, d := range devs {
		f.devs[d.ID] = d.Clone()
	}
	return f
}

func (f *fakeDevices) Device(id string) (device.Device, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.devs[id]
	return d.Clone(), ok
}

func (f *fakeDevices) WriteSettings(_ context.Context, id string, values map[string]string) map[string]error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.written = append(f.written, maps.Clone(values))
	errs := map[string]error{}
	d := f.devs[id]
	if d.Settings == nil {
		d.Settings = map[string]string{}
	}
	for k, v := range values {
		if err := f.fail[k]; err != nil {
			errs[k] = err
			continue
		}
		d.Settings[k] = v
	}
	f.devs[id] = d
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func (f *fakeDevices) CanWriteSetting(id, name string) error {
	if r, ok := f.readOnly[id][name]; ok {
		return fmt.Errorf("%s: %w", r, device.ErrNotWritable)
	}
	return nil
}

func (f *fakeDevices) writes() []map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.written)
}

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// embeddedCatalog is Earshot's own catalog; it must load without a problem.
func embeddedCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, probs := catalog.Load(assets.Catalog(), afero.NewMemMapFs(), "")
	if len(probs) > 0 {
		t.Fatalf("embedded catalog: %v", probs)
	}
	return c
}

// demoDevice returns a device of the embedded demo by ID, as it stands at
// time zero.
func demoDevice(t testing.TB, id string) device.Device {
	t.Helper()
	s, err := sim.ParseScenario(assets.DemoScenario())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range s.AtZero() {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("no demo device %s at time zero", id)
	return device.Device{}
}

func newTestSettings(t *testing.T, devs *fakeDevices) (*Service, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(Params{Catalog: embeddedCatalog(t), Devices: devs, Store: st, Clock: clock.NewFake(t0)}), st
}

func TestEmbeddedCatalogCoversTheDemo(t *testing.T) {
	c := embeddedCatalog(t)
	s, err := sim.ParseScenario(assets.DemoScenario())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[catalog.Kind]int{}
	var reboot, null, client int
	for _, d := range c.Definitions() {
		kinds[d.Kind()]++
		if d.RequiresReboot {
			reboot++
		}
		if d.AllowsNull {
			null++
		}
		if d.ClientSide() {
			client++
		}
		if d.Category == "" {
			t.Errorf("%s has no category", d.Name)
		}
	}
	if kinds[catalog.KindChoice] == 0 || kinds[catalog.KindBool] == 0 || kinds[catalog.KindRange] == 0 || kinds[catalog.KindText] == 0 ||
		reboot == 0 || null == 0 || client != 6 {
		t.Errorf("kinds %v, %d RequiresReboot, %d AllowsNull, %d client-side", kinds, reboot, null, client)
	}
	// The settings the jabra driver writes (docs/devices-and-drivers.md).
	for _, name := range []string{"SIDETONE", "HEADSET_BUSYLIGHT", "VOICE_PROMPTS", "AUTO_OFF", "VOLUME_LIMITER"} {
		if _, ok := c.Definition(name); !ok {
			t.Errorf("no definition of %s", name)
		}
	}
	// Every Jabra device of the demo has settings, resources and a firmware
	// entry for the version it runs, and its scenario settings are valid.
	for _, d := range s.AtZero() {
		if d.VendorID != 0x0B0E {
			continue
		}
		m, ok := c.Model(d.VendorID, d.ProductID, d.Variant)
		if !ok || len(m.Settings) == 0 {
			t.Errorf("%s: no model with settings", d.Name)
			continue
		}
		r, ok := c.Resources(d.VendorID, d.ProductID, d.Variant)
		if !ok || r.ImageURL == "" {
			t.Errorf("%s: no resources", d.Name)
		} else if _, ok := r.Version(d.Firmware); !ok {
			t.Errorf("%s: no firmware entry for %s", d.Name, d.Firmware)
		}
		for name, v := range d.Settings {
			def, ok := c.Definition(name)
			if !ok || !m.Supports(name) {
				t.Errorf("%s: scenario setting %s is not in its model", d.Name, name)
				continue
			}
			if _, err := def.Check(v); err != nil {
				t.Errorf("%s: scenario value %s=%q: %v", d.Name, name, v, err)
			}
		}
	}
}

func TestForm(t *testing.T) {
	hs := demoDevice(t, "hs1")
	devs := newFakeDevices(hs)
	devs.readOnly["hs1"] = map[string]string{"BLUETOOTH_MULTIPOINT": "only while the headset is connected by USB cable"}
	s, _ := newTestSettings(t, devs)
	form, err := s.Form("hs1")
	if err != nil {
		t.Fatal(err)
	}
	if form.Model != "Jabra Evolve2 85" || form.DeviceKey != hs.ESN || len(form.Fields) != 20 || form.Fields[0].Name != "SIDETONE" {
		t.Fatalf("form = %s, %s, %d fields", form.Model, form.DeviceKey, len(form.Fields))
	}
	for _, tt := range []struct {
		name     string
		check    func(f Field) bool
		describe string
	}{
		{"WIRELESS_RANGE", func(f Field) bool {
			return f.Kind == catalog.KindChoice && f.Value == "1" && f.Reported && f.RequiresReboot && f.ValueLabel("3") == "Short"
		}, "a reported choice that needs a restart"},
		{"AUDIO_PROTECTION", func(f Field) bool { return f.Value == "5" && f.Reported }, "the scenario's value"},
		{"SIDETONE", func(f Field) bool { return f.Value == "1" && f.Reported && f.Default == "2" }, "reported, not the default"},
		{"ANC_MODE", func(f Field) bool { return f.Value == "1" && !f.Reported && f.Default == "1" }, "the default when not reported"},
		{"VOLUME_LIMITER", func(f Field) bool {
			return f.Kind == catalog.KindBool && reflect.DeepEqual(f.Choices, []Choice{{"true", "true"}, {"false", "false"}})
		}, "a check"},
		{"AUTO_OFF", func(f Field) bool {
			return f.Kind == catalog.KindRange && f.Min == 0 && f.Max == 480 && f.Step == 15 && f.Integer
		}, "a range"},
		{"DEVICE_NAME", func(f Field) bool {
			return f.Kind == catalog.KindText && f.AllowsNull && f.MaxLength == 32 && f.Value == ""
		}, "free text that may be unset"},
		{"BLUETOOTH_MULTIPOINT", func(f Field) bool {
			return f.Disabled != nil && f.Disabled.Code == RefusalNotWritable && f.Disabled.Detail == "only while the headset is connected by USB cable"
		}, "disabled with the driver's reason"},
		{"VOICE_ANNOUNCEMENTS_LANGUAGE_1", func(f Field) bool {
			return f.Disabled != nil && f.Disabled.Code == RefusalNeedsFirmware
		}, "disabled: needs firmware"},
		{"EVENT_CALL_STATUS", func(f Field) bool {
			return f.ClientSide && f.Value == "1" && f.Disabled == nil && f.Category == "Earshot on this computer"
		}, "client-side, on by default"},
	} {
		f, ok := form.Field(tt.name)
		if !ok || !tt.check(f) {
			t.Errorf("%s is not %s: %+v", tt.name, tt.describe, f)
		}
	}
	if !s.HasSettings("hs1") || s.HasSettings("nope") {
		t.Error("HasSettings is wrong")
	}
	if _, err := s.Form("nope"); !errors.Is(err, ErrNoDevice) {
		t.Errorf("Form of an unknown device: %v", err)
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name        string
		values      map[string]string
		all         bool
		fail        map[string]error
		wantWritten []map[string]string // what the device was asked to write
		wantApplied []string
		wantRefused map[string]string // name → code
		wantRestart bool
	}{
		{name: "only what changed is written",
			values:      map[string]string{"WIRELESS_RANGE": "3", "AUDIO_PROTECTION": "5", "SIDETONE": "1"},
			wantWritten: []map[string]string{{"WIRELESS_RANGE": "3"}},
			wantApplied: []string{"WIRELESS_RANGE"}, wantRestart: true},
		{name: "values are normalised",
			values:      map[string]string{"VOLUME_LIMITER": "yes", "AUTO_OFF": " 90.0 ", "PREFERRED_SOFTPHONE": "teams"},
			wantWritten: []map[string]string{{"VOLUME_LIMITER": "true", "AUTO_OFF": "90", "PREFERRED_SOFTPHONE": "TEAMS"}},
			wantApplied: []string{"AUTO_OFF", "PREFERRED_SOFTPHONE", "VOLUME_LIMITER"}},
		{name: "each refusal stands alone",
			values: map[string]string{"WIRELESS_RANGE": "9", "NO_SUCH": "1", "FIELD_OF_VIEW": "90", "SIDETONE": "3",
				"BLUETOOTH_MULTIPOINT": "false", "VOICE_ANNOUNCEMENTS_LANGUAGE_1": "de-DE", "AUTO_OFF": "50"},
			wantWritten: []map[string]string{{"SIDETONE": "3"}},
			wantApplied: []string{"SIDETONE"},
			wantRefused: map[string]string{"WIRELESS_RANGE": RefusalInvalid, "NO_SUCH": RefusalUnknown, "FIELD_OF_VIEW": RefusalUnsupported,
				"BLUETOOTH_MULTIPOINT": RefusalNotWritable, "VOICE_ANNOUNCEMENTS_LANGUAGE_1": RefusalNeedsFirmware, "AUTO_OFF": RefusalInvalid}},
		{name: "all or nothing writes nothing",
			values: map[string]string{"SIDETONE": "3", "WIRELESS_RANGE": "9"}, all: true,
			wantRefused: map[string]string{"WIRELESS_RANGE": RefusalInvalid}},
		{name: "an unchanged read-only setting is no refusal",
			values: map[string]string{"BLUETOOTH_MULTIPOINT": "true"}, all: true},
		{name: "a failed write keeps the others",
			values: map[string]string{"SIDETONE": "3", "ANC_MODE": "2"}, fail: map[string]error{"ANC_MODE": errors.New("HID timeout")},
			wantWritten: []map[string]string{{"SIDETONE": "3", "ANC_MODE": "2"}},
			wantApplied: []string{"SIDETONE"}, wantRefused: map[string]string{"ANC_MODE": RefusalWriteFailed}},
		{name: "client-side settings go to the store, not the device",
			values:      map[string]string{"EVENT_CALL_STATUS": "0", "ALLOW_DOWNGRADE": "true", "EVENT_PEOPLE_COUNT": "0"},
			wantApplied: []string{"ALLOW_DOWNGRADE", "EVENT_CALL_STATUS", "EVENT_PEOPLE_COUNT"}},
		{name: "unset a setting that allows it",
			values:      map[string]string{"DEVICE_NAME": "", "PREFERRED_SOFTPHONE": ""},
			wantApplied: nil},
		{name: "free text",
			values:      map[string]string{"DEVICE_NAME": "  Zoë’s headset  "},
			wantWritten: []map[string]string{{"DEVICE_NAME": "Zoë’s headset"}},
			wantApplied: []string{"DEVICE_NAME"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			devs := newFakeDevices(demoDevice(t, "hs1"))
			devs.readOnly["hs1"] = map[string]string{"BLUETOOTH_MULTIPOINT": "only by USB cable"}
			maps.Copy(devs.fail, tt.fail)
			s, st := newTestSettings(t, devs)
			res, err := s.Apply(context.Background(), "hs1", tt.values, ApplyOptions{Source: store.SourceUser, AllOrNothing: tt.all})
			if err != nil {
				t.Fatal(err)
			}
			if got := devs.writes(); !reflect.DeepEqual(got, tt.wantWritten) {
				t.Errorf("written %v, want %v", got, tt.wantWritten)
			}
			if !slices.Equal(res.Applied, tt.wantApplied) || res.RestartNeeded != tt.wantRestart {
				t.Errorf("applied %v restart %v, want %v %v", res.Applied, res.RestartNeeded, tt.wantApplied, tt.wantRestart)
			}
			codes := map[string]string{}
			for n, r := range res.Refused {
				codes[n] = r.Code
			}
			if len(codes) != len(tt.wantRefused) || (len(codes) > 0 && !reflect.DeepEqual(codes, tt.wantRefused)) {
				t.Errorf("refused %v, want %v (%v)", codes, tt.wantRefused, res.Err())
			}
			hist, err := st.SettingChanges("501AA5D6337F", 0)
			if err != nil || len(hist) != len(tt.wantApplied) {
				t.Fatalf("history %v, %v; want %d entries", hist, err, len(tt.wantApplied))
			}
			for _, h := range hist {
				if h.Source != store.SourceUser || !h.At.Equal(t0) {
					t.Errorf("history entry %+v", h)
				}
			}
		})
	}
}

func TestRefusalMessages(t *testing.T) {
	s, _ := newTestSettings(t, newFakeDevices(demoDevice(t, "hs1")))
	res, err := s.Apply(context.Background(), "hs1", map[string]string{"WIRELESS_RANGE": "9", "FIELD_OF_VIEW": "90", "BOGUS": "1", "AUTO_OFF": "999"},
		ApplyOptions{AllOrNothing: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `AUTO_OFF: 999 is outside 0–480; BOGUS: no setting of that name is in the catalog; ` +
		`FIELD_OF_VIEW: Jabra Evolve2 85 does not support this setting; ` +
		`WIRELESS_RANGE: "9" is not one of the allowed values: 1 (Long), 2 (Medium), 3 (Short)`
	if got := res.Err(); got == nil || got.Error() != want {
		t.Errorf("Err() =\n%v\nwant\n%s", got, want)
	}
}

func TestClientSideSettings(t *testing.T) {
	s, st := newTestSettings(t, newFakeDevices(demoDevice(t, "cam1"), demoDevice(t, "hs1")))
	ctx := context.Background()
	if _, err := s.Apply(ctx, "cam1", map[string]string{"EVENT_PEOPLE_COUNT": "0", "ALLOW_DOWNGRADE": "1"}, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	toggles, err := st.EventToggles("0850C3F21A6D")
	if err != nil || !reflect.DeepEqual(toggles, map[string]bool{"EVENT_PEOPLE_COUNT": false}) {
		t.Errorf("toggles = %v, %v", toggles, err)
	}
	if v := s.ClientValue("0850C3F21A6D", "ALLOW_DOWNGRADE"); v != "1" {
		t.Errorf("ALLOW_DOWNGRADE = %q", v)
	}
	if v := s.ClientValue("501AA5D6337F", "ALLOW_DOWNGRADE"); v != "0" {
		t.Errorf("ALLOW_DOWNGRADE of another device = %q, want the default 0", v)
	}
	form, _ := s.Form("cam1")
	if f, _ := form.Field("EVENT_PEOPLE_COUNT"); f.Value != "0" || !f.Reported {
		t.Errorf("form shows %+v", f)
	}
	// Back on: the toggle is stored as on.
	if _, err := s.Apply(ctx, "cam1", map[string]string{"EVENT_PEOPLE_COUNT": "1"}, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if toggles, _ := st.EventToggles("0850C3F21A6D"); !toggles["EVENT_PEOPLE_COUNT"] {
		t.Errorf("toggles = %v", toggles)
	}
}

func TestHistoryLabels(t *testing.T) {
	s, _ := newTestSettings(t, newFakeDevices(demoDevice(t, "hs1")))
	ctx := context.Background()
	s.Apply(ctx, "hs1", map[string]string{"WIRELESS_RANGE": "2"}, ApplyOptions{Source: store.SourceUser})
	s.Apply(ctx, "hs1", map[string]string{"WIRELESS_RANGE": "3"}, ApplyOptions{Source: store.SourceManagement})
	h, err := s.History("hs1", 10)
	if err != nil || len(h) != 2 {
		t.Fatalf("history %v, %v", h, err)
	}
	if h[0].Label != "Wireless signal range" || h[0].OldLabel != "Medium" || h[0].NewLabel != "Short" || h[0].Source != store.SourceManagement ||
		h[1].OldLabel != "Long" || h[1].Source != store.SourceUser {
		t.Errorf("history = %+v", h)
	}
}

func TestExportImport(t *testing.T) {
	hs := demoDevice(t, "hs1")
	other := hs.Clone()
	other.ID, other.ESN, other.Settings = "hs9", "501AA5D60000", nil
	devs := newFakeDevices(hs, other)
	s, st := newTestSettings(t, devs)
	ctx := context.Background()
	if _, err := s.Apply(ctx, "hs1", map[string]string{"SIDETONE": "0", "EVENT_CALL_STATUS": "0", "DEVICE_NAME": "Desk 7"}, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Export("hs1")
	if err != nil {
		t.Fatal(err)
	}
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{`"firmware": {}`, `"SIDETONE": "0"`, `"WIRELESS_RANGE": "1"`, `"AUDIO_PROTECTION": "5"`,
		`"EVENT_CALL_STATUS": "0"`, `"PREFERRED_SOFTPHONE": null`, `"DEVICE_NAME": "Desk 7"`} {
		if !strings.Contains(text, want) {
			t.Errorf("export lacks %s:\n%s", want, text)
		}
	}
	if strings.Contains(text, "VOICE_ANNOUNCEMENTS_LANGUAGE_1") {
		t.Error("export holds a setting that needs firmware")
	}
	// The export configures another headset of the model.
	res, err := s.Import(ctx, "hs9", data)
	if err != nil || res.Err() != nil || res.FirmwareIgnored {
		t.Fatalf("import: %+v, %v", res, err)
	}
	form, _ := s.Form("hs9")
	for _, name := range []string{"SIDETONE", "AUDIO_PROTECTION", "DEVICE_NAME", "EVENT_CALL_STATUS"} {
		want, _ := form.Field(name)
		src, _ := s.mustForm(t, "hs1").Field(name)
		if want.Value != src.Value {
			t.Errorf("%s: %q after import, want %q", name, want.Value, src.Value)
		}
	}
	hist, _ := st.SettingChanges("501AA5D60000", 0)
	if len(hist) == 0 || hist[0].Source != store.SourceImport {
		t.Errorf("history of the import: %+v", hist)
	}
	// A refused import changes nothing.
	before := len(devs.writes())
	res, err = s.Import(ctx, "hs9", []byte(`{"firmware":{"version":"2.0.0","downloadUrl":"x.zip"},"settings":{"SIDETONE":"1","WIRELESS_RANGE":"7"}}`))
	if err != nil || res.Err() == nil || !res.FirmwareIgnored || len(devs.writes()) != before {
		t.Errorf("refused import: %+v, %v, writes %d → %d", res, err, before, len(devs.writes()))
	}
}

func (s *Service) mustForm(t *testing.T, id string) Form {
	t.Helper()
	f, err := s.Form(id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var configCases = []struct {
	name, json, err string
	want            map[string]string
}{
	{name: "the seed's example", json: `{ "firmware": { "version": "2.0.0", "downloadUrl": "Firmware/Jabra-Evolve-75-2.0.0.zip" },
  "settings": { "AUDIO_PROTECTION": "5", "WIRELESS_RANGE": "3" } }`, want: map[string]string{"AUDIO_PROTECTION": "5", "WIRELESS_RANGE": "3"}},
	{name: "empty objects", json: `{"firmware":{},"settings":{}}`, want: map[string]string{}},
	{name: "null, numbers and booleans", json: `{"firmware":{},"settings":{"A":null,"B":2,"C":true,"D":1.50}, "extra":[1]}`,
		want: map[string]string{"A": "", "B": "2", "C": "true", "D": "1.50"}},
	{name: "settings missing", json: `{"firmware":{}}`, err: `configuration: "settings" is required`},
	{name: "firmware null", json: `{"firmware":null,"settings":{}}`, err: `configuration: "firmware" is required`},
	{name: "settings not an object", json: `{"firmware":{},"settings":[]}`, err: "configuration: settings: want an object"},
	{name: "a value that is an object", json: `{"firmware":{},"settings":{"A":{"b":1}}}`, err: "configuration: settings.A: want a string"},
	{name: "syntax error names the line", json: "{\n\"firmware\":{},\n\"settings\":{,}}", err: "configuration: line 3:"},
	{name: "not an object", json: `[1]`, err: "configuration: want an object with firmware and settings, got array"},
	{name: "trailing data", json: `{"firmware":{},"settings":{}} {}`, err: "unexpected data after"},
	{name: "empty", json: ``, err: "configuration: empty"},
	{name: "null", json: `null`, err: "got null"},
}

func TestParseManagementConfig(t *testing.T) {
	for _, tt := range configCases {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseManagementConfig([]byte(tt.json))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(c.Values(), tt.want) {
				t.Fatalf("values %v, %v; want %v", c.Values(), err, tt.want)
			}
		})
	}
}

func FuzzParseManagementConfig(f *testing.F) {
	for _, tt := range configCases {
		f.Add([]byte(tt.json))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseManagementConfig(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		// What parses, marshals and parses again to the same values.
		out, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseManagementConfig(out)
		if err != nil || !reflect.DeepEqual(again.Values(), c.Values()) || again.Firmware != c.Firmware {
			t.Fatalf("round trip: %v\n%s", err, out)
		}
	})
}

// TestThirdPartyCatalogReachesTheForm loads catalog files someone else wrote
// in the seed's format (extra attributes and elements, a namespace,
// non-ASCII text) from a CATALOGDIR, and finds their settings in the form of
// a simulated headset whose vid, pid and variant the mapping names.
func TestThirdPartyCatalogReachesTheForm(t *testing.T) {
	fs := afero.NewMemMapFs()
	files := map[string]string{
		"/cat/SettingsDefinition-Partner.xml": `<?xml version="1.0" encoding="utf-8"?>
<SettingsDefinitions xmlns="urn:partner" Release="7"><Meta Author="Søren Ærø"/>
  <SettingDefinition Target="Jabra" Name="ECHO_CANCELLATION" UserFriendlyName="Ekkodæmpning" ValueType="String" ValueConstraintType="Enumeration" DefaultValue="1" RequiresReboot="false" AllowsNull="false" Owner="audio">
    <Description>Echo cancellation.</Description>
    <UserFriendlyDescription>Dæmper ekko — «Stærk» i rum med glasvægge.</UserFriendlyDescription>
    <SupportedValues><SupportedValue Value="0" UserFriendlyValue="Fra" Order="1"/><SupportedValue Value="2" UserFriendlyValue="Stærk" Order="2"/><SupportedValue Value="1" UserFriendlyValue="Normal"/></SupportedValues>
  </SettingDefinition>
</SettingsDefinitions>`,
		"/cat/Mapping-Partner.xml": `<devices generated="2026-11-01"><device name="Jabra Evolve 75" family="Evolve">
  <variants><variant vid="2830" pid="9317" variantType="01-3D" channel="stable"/></variants>
  <settings><setting name="ECHO_CANCELLATION" since="1.2"/><setting name="WIRELESS_RANGE"/></settings>
  <accessories><accessory name="Stand"/></accessories></device></devices>`,
	}
	for name, content := range files {
		if err := afero.WriteFile(fs, name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cat, probs := catalog.Load(assets.Catalog(), fs, "/cat")
	if len(probs) > 0 {
		t.Fatalf("problems: %v", probs)
	}
	e75 := device.Device{Info: device.Info{ID: "e75", Kind: device.KindHeadset, Name: "Jabra Evolve 75",
		VendorID: 0x0B0E, ProductID: 0x2465, Variant: "01-3D", ESN: "E75"}, Settings: map[string]string{"ECHO_CANCELLATION": "2"}}
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(Params{Catalog: cat, Devices: newFakeDevices(e75), Store: st})
	form, err := s.Form("e75")
	if err != nil {
		t.Fatal(err)
	}
	if form.Model != "Jabra Evolve 75" || len(form.Fields) != 2 {
		t.Fatalf("form = %+v", form)
	}
	f := form.Fields[0]
	if f.Label != "Ekkodæmpning" || f.Help != "Dæmper ekko — «Stærk» i rum med glasvægge." || f.Value != "2" ||
		f.ValueLabel("2") != "Stærk" || len(f.Choices) != 3 || f.Kind != KindChoice {
		t.Errorf("partner field = %+v", f)
	}
	if f := form.Fields[1]; f.Name != "WIRELESS_RANGE" || f.Label != "Wireless signal range" {
		t.Errorf("the embedded definition the partner mapping names: %+v", f)
	}
}
