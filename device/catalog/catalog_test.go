package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/spf13/afero"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// seedDefinition is the SettingDefinition example of the seed, verbatim.
const seedDefinition = `<SettingDefinition Target="Jabra" Name="WIRELESS_RANGE" UserFriendlyName="Wireless signal range" ValueType="String" ValueConstraintType="Enumeration" DefaultValue="1" RequiresReboot="true" AllowsNull="false">
    <Description>Select the wireless range between the headset and base. If you experience signal interference from other wireless devices, select Medium or Short.</Description>
    <UserFriendlyDescription>Select the wireless range between the headset and base. If you experience signal interference from other wireless devices, select Medium or Short.</UserFriendlyDescription>
    <SupportedValues>
        <SupportedValue Value="1" UserFriendlyValue="Long" />
        <SupportedValue Value="2" UserFriendlyValue="Medium" />
        <SupportedValue Value="3" UserFriendlyValue="Short" />
    </SupportedValues>
</SettingDefinition>`

// seedMapping is the Mapping example of the seed, verbatim.
const seedMapping = `<device name="Jabra Evolve 30 II Stereo">
  <variants>
    <variant vid="2830" pid="42249" variantType="01-40" />
    <variant vid="2830" pid="786" variantType="01-40" />
    <variant vid="2830" pid="787" variantType="01-40" />
  </variants>
  <settings>
    <setting name="AUDIO_PROTECTION_1" />
    <setting name="RINGTONE_IN_HEADSET_SOFTPHONE" />
  </settings>
</device>`

// seedResources is the resource-mapping example of the seed, verbatim.
const seedResources = `<device name="Jabra Engage 50 Stereo" imageUrl="https://sdkbackend.jabra.com/v4/product/PID_4006/image?type=01-4E" thumbnailUrl="https://sdkbackend.jabra.com/v4/product/PID_4006/thumbnail80?type=01-4E">
  <variants>
    <variant vid="2830" pid="16385" variantType="01-4E" />
    <variant vid="2830" pid="16386" variantType="01-4E" />
    <variant vid="2830" pid="16390" variantType="01-4E" />
  </variants>
  <fwVersions>
    <fwVersion version="1.22.0" firmwareFile="https://sdkbackend.jabra.com/v3/download/4006/1.22.0">
      <releaseNote />
    </fwVersion>
    <fwVersion version="1.24.0" firmwareFile="https://sdkbackend.jabra.com/v3/download/4006/1.24.0">
      <releaseNote>• New feature: Stereo in conversation mode\*
• New feature: Balanced voice
• Updated: Busylight function can be customized using Jabra SDK
• Updated: Sidetone adjustments
• Performance and stability improvements

*Dependent on softphone support
      </releaseNote>
    </fwVersion>
  </fwVersions>
</device>`

func problemsText(probs []Problem) string {
	var s []string
	for _, p := range probs {
		s = append(s, p.Error())
	}
	return strings.Join(s, "\n")
}

func TestParseSeedExamples(t *testing.T) {
	defs, probs := ParseDefinitions("SettingsDefinition-Jabra.xml", []byte(seedDefinition))
	if len(probs) > 0 || len(defs) != 1 {
		t.Fatalf("definitions %d, problems:\n%s", len(defs), problemsText(probs))
	}
	d := defs[0]
	if d.Name != "WIRELESS_RANGE" || d.Label() != "Wireless signal range" || d.Kind() != KindChoice ||
		d.Default != "1" || !d.RequiresReboot || d.AllowsNull || len(d.Values) != 3 ||
		d.Values[1] != (SupportedValue{"2", "Medium"}) || !strings.HasPrefix(d.Help(), "Select the wireless range") ||
		d.Pos.Line != 1 {
		t.Errorf("definition = %+v", d)
	}

	models, probs := ParseMapping("Mapping.xml", []byte(seedMapping))
	if len(probs) > 0 || len(models) != 1 {
		t.Fatalf("models %d, problems:\n%s", len(models), problemsText(probs))
	}
	m := models[0]
	if m.Name != "Jabra Evolve 30 II Stereo" || len(m.Variants) != 3 ||
		m.Variants[1] != (Variant{VendorID: 0x0B0E, ProductID: 786, Type: "01-40", Pos: Position{"Mapping.xml", 4}}) ||
		!reflect.DeepEqual(m.Settings, []string{"AUDIO_PROTECTION_1", "RINGTONE_IN_HEADSET_SOFTPHONE"}) {
		t.Errorf("model = %+v", m)
	}

	res, probs := ParseResources("resource-mapping.xml", []byte(seedResources))
	if len(probs) > 0 || len(res) != 1 {
		t.Fatalf("resources %d, problems:\n%s", len(res), problemsText(probs))
	}
	r := res[0]
	if r.Name != "Jabra Engage 50 Stereo" || !strings.HasSuffix(r.ImageURL, "image?type=01-4E") || len(r.Variants) != 3 || len(r.Firmware) != 2 {
		t.Fatalf("resources = %+v", r)
	}
	if r.Firmware[0].ReleaseNote != "" || r.Firmware[1].Version != "1.24.0" || r.Firmware[1].Pos.Line != 11 ||
		!strings.HasPrefix(r.Firmware[1].ReleaseNote, "• New feature: Stereo in conversation mode\\*\n• New feature: Balanced voice") ||
		!strings.HasSuffix(r.Firmware[1].ReleaseNote, "\n\n*Dependent on softphone support") {
		t.Errorf("firmware = %+v", r.Firmware)
	}
	if latest, _ := r.Latest(); latest.Version != "1.24.0" {
		t.Errorf("latest = %s", latest.Version)
	}
}

func def(attrs, body string) string {
	return `<SettingsDefinition><SettingDefinition Name="S" ` + attrs + `>` + body + `</SettingDefinition></SettingsDefinition>`
}

// parseCase is one file Parse reads, with what it should make of it. The
// fuzz tests start from these.
type parseCase struct {
	name  string
	xml   string
	check func(t *testing.T, f *File)
	probs []string // substrings, in order
}

var parseCases = []parseCase{
	{name: "unknown elements and attributes are ignored",
		xml: `<?xml version="1.0"?><Root xmlns:x="urn:x" Version="9"><Header><Generated>today</Generated></Header>
<SettingDefinition Name="A" Owner="me" x:Extra="1" ValueType="String" ValueConstraintType="Enumeration">
<Notes>ignored</Notes><SupportedValues><Comment/><SupportedValue Value="a" Colour="red"/></SupportedValues></SettingDefinition></Root>`,
		check: func(t *testing.T, f *File) {
			if len(f.Definitions) != 1 || f.Definitions[0].Kind() != KindChoice || f.Definitions[0].Pos.Line != 2 {
				t.Errorf("definitions = %+v", f.Definitions)
			}
		}},
	{name: "names in any case, values trimmed, booleans as 1",
		xml: `<settingdefinitions><settingdefinition name=" B " valuetype="boolean" defaultvalue=" 1 " requiresreboot="1" allowsnull="True"/></settingdefinitions>`,
		check: func(t *testing.T, f *File) {
			d := f.Definitions[0]
			on, off := d.BoolValues()
			if d.Name != "B" || d.Kind() != KindBool || d.Default != "1" || !d.RequiresReboot || !d.AllowsNull || on != "1" || off != "0" {
				t.Errorf("definition = %+v on=%s off=%s", d, on, off)
			}
		}},
	{name: "a boolean with two values keeps them",
		xml: def(`ValueType="Boolean" ValueConstraintType="Enumeration" DefaultValue="On"`,
			`<SupportedValues><SupportedValue Value="Off" UserFriendlyValue="Disabled"/><SupportedValue Value="On" UserFriendlyValue="Enabled"/></SupportedValues>`),
		check: func(t *testing.T, f *File) {
			on, off := f.Definitions[0].BoolValues()
			if f.Definitions[0].Kind() != KindBool || on != "On" || off != "Off" {
				t.Errorf("kind %s on %s off %s", f.Definitions[0].Kind(), on, off)
			}
		}},
	{name: "range with MinValue, MaxValue and Step",
		xml: def(`ValueType="Integer" ValueConstraintType="Range" MinValue="0" MaxValue="480" Step="15" DefaultValue="60"`, ""),
		check: func(t *testing.T, f *File) {
			d := f.Definitions[0]
			if d.Kind() != KindRange || d.Min != 0 || d.Max != 480 || d.Step != 15 || !d.Integer() {
				t.Errorf("definition = %+v", d)
			}
		}},
	{name: "range without bounds falls back to text",
		xml: def(`ValueType="Integer" ValueConstraintType="Range"`, ""),
		check: func(t *testing.T, f *File) {
			if f.Definitions[0].Kind() != KindText {
				t.Errorf("kind = %s", f.Definitions[0].Kind())
			}
		},
		probs: []string{"x.xml:1: warning: setting S: a Range needs MinValue ≤ MaxValue"}},
	{name: "enumeration without values falls back to text",
		xml:   def(`ValueConstraintType="Enumeration"`, ""),
		probs: []string{"warning: setting S: Enumeration without SupportedValues"}},
	{name: "default outside the values is a warning",
		xml:   def(`ValueConstraintType="Enumeration" DefaultValue="9"`, `<SupportedValues><SupportedValue Value="1"/></SupportedValues>`),
		probs: []string{`x.xml:1: warning: setting S: DefaultValue: "9" is not one of the allowed values: 1`}},
	{name: "a non-boolean flag is a warning",
		xml:   def(`RequiresReboot="maybe"`, ""),
		probs: []string{`warning: RequiresReboot="maybe" is not a boolean`}},
	{name: "non-ASCII text and Latin-1 encoding",
		xml: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<d><SettingDefinition Name=\"S\" UserFriendlyName=\"Lautst\xe4rke\"/></d>",
		check: func(t *testing.T, f *File) {
			if f.Definitions[0].FriendlyName != "Lautstärke" {
				t.Errorf("name = %q", f.Definitions[0].FriendlyName)
			}
		}},
	{name: "UTF-8 byte-order mark",
		xml: "\xEF\xBB\xBF<d><SettingDefinition Name=\"日本\"/></d>",
		check: func(t *testing.T, f *File) {
			if f.Definitions[0].Name != "日本" {
				t.Errorf("name = %q", f.Definitions[0].Name)
			}
		}},
	{name: "vid and pid in decimal and hex",
		xml: `<devices><device name="D"><variants>
<variant vid="2830" pid="0x30A4" variantType=" 01-96 "/><variant vid="0B0E" pid="30a4"/><variant vid="0x0b0e" pid="42249" variantType="01-4e"/>
</variants><settings><setting name="A"/></settings></device></devices>`,
		check: func(t *testing.T, f *File) {
			want := []Variant{{0x0B0E, 0x30A4, "01-96", Position{"x.xml", 2}}, {0x0B0E, 0x30A4, "", Position{"x.xml", 2}}, {0x0B0E, 42249, "01-4E", Position{"x.xml", 2}}}
			if !reflect.DeepEqual(f.Models[0].Variants, want) {
				t.Errorf("variants = %+v", f.Models[0].Variants)
			}
		}},
	{name: "a device with settings and resources is both",
		xml: `<devices><device name="D" imageUrl="i.png"><variants><variant vid="1" pid="2"/></variants><settings/><fwVersions><fwVersion version="1.0"/></fwVersions></device></devices>`,
		check: func(t *testing.T, f *File) {
			if len(f.Models) != 1 || len(f.Resources) != 1 || f.Resources[0].ImageURL != "i.png" {
				t.Errorf("models %d resources %d", len(f.Models), len(f.Resources))
			}
		}},
	{name: "malformed XML names the line",
		xml:   "<SettingsDefinition>\n<SettingDefinition Name=\"A\">\n</SettingsDefinition>\n",
		probs: []string{"x.xml:3: malformed XML: element <SettingDefinition> closed by </SettingsDefinition>"}},
	{name: "unclosed document",
		xml:   "<a>\n<b>",
		probs: []string{"x.xml:2: malformed XML: unexpected EOF"}},
	{name: "empty file",
		xml:   "",
		probs: []string{"x.xml:1: malformed XML: no root element"}},
	{name: "two roots",
		xml:   "<a/>\n<b/>",
		probs: []string{"x.xml:2: malformed XML: a second root element <b>"}},
	{name: "duplicate setting name",
		xml:   "<d>\n<SettingDefinition Name=\"A\"/>\n<SettingDefinition Name=\"A\"/>\n</d>",
		probs: []string{"x.xml:3: setting A is defined twice (first at line 2)"}},
	{name: "SupportedValue without Value",
		xml:   "<d><SettingDefinition Name=\"A\" ValueConstraintType=\"Enumeration\"><SupportedValues>\n<SupportedValue UserFriendlyValue=\"Long\"/>\n</SupportedValues></SettingDefinition></d>",
		probs: []string{"x.xml:2: SupportedValue without Value in setting A"}},
	{name: "definition without name",
		xml:   "<d>\n\n<SettingDefinition UserFriendlyName=\"x\"/></d>",
		probs: []string{"x.xml:3: SettingDefinition without Name"}},
	{name: "unreadable vid",
		xml:   "<devices>\n<device name=\"D\"><variants><variant vid=\"jabra\" pid=\"1\"/></variants></device></devices>",
		probs: []string{`x.xml:2: device "D": variant vid: "jabra" is not a USB id`}},
	{name: "pid out of range",
		xml:   "<devices><device name=\"D\"><variant vid=\"1\" pid=\"70000\"/></device></devices>",
		probs: []string{`variant pid: "70000" is not a USB id`}},
	{name: "missing pid",
		xml:   "<devices><device name=\"D\"><variant vid=\"1\"/></device></devices>",
		probs: []string{`variant pid: missing`}},
	{name: "device without variants",
		xml:   "<devices><device name=\"D\"><settings/></device></devices>",
		probs: []string{`device "D" has no variants`}},
	{name: "fwVersion without version",
		xml:   "<devices><device name=\"D\"><variant vid=\"1\" pid=\"2\"/><fwVersions>\n<fwVersion firmwareFile=\"f\"/></fwVersions></device></devices>",
		probs: []string{`x.xml:2: fwVersion without a version in device "D"`}},
	{name: "unsupported encoding",
		xml:   `<?xml version="1.0" encoding="EBCDIC"?><a/>`,
		probs: []string{`unsupported encoding "EBCDIC"`}},
	{name: "deep nesting is refused",
		xml:   strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100),
		probs: []string{"elements nest deeper than 64 levels"}},
}

func TestParse(t *testing.T) {
	for _, tt := range parseCases {
		t.Run(tt.name, func(t *testing.T) {
			f, probs := Parse("x.xml", []byte(tt.xml))
			got := problemsText(probs)
			if len(probs) != len(tt.probs) {
				t.Fatalf("problems:\n%s\nwant %d: %q", got, len(tt.probs), tt.probs)
			}
			for i, want := range tt.probs {
				if !strings.Contains(probs[i].Error(), want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, probs[i].Error(), want)
				}
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

func TestUTF16(t *testing.T) {
	src := "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<d><SettingDefinition Name=\"S\" UserFriendlyName=\"Français\"/></d>"
	for _, e := range []unicode.Endianness{unicode.LittleEndian, unicode.BigEndian} {
		data, _, err := transform.Bytes(unicode.UTF16(e, unicode.UseBOM).NewEncoder(), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		defs, probs := ParseDefinitions("w.xml", data)
		if len(probs) > 0 || len(defs) != 1 || defs[0].FriendlyName != "Français" || defs[0].Pos.Line != 2 {
			t.Errorf("%v: defs %+v problems %s", e, defs, problemsText(probs))
		}
	}
}

func TestCheck(t *testing.T) {
	defs, probs := ParseDefinitions("d.xml", []byte(`<d>`+seedDefinition+`
<SettingDefinition Name="BOOL" ValueType="Boolean" DefaultValue="false"/>
<SettingDefinition Name="BOOL01" ValueType="Boolean" DefaultValue="0"/>
<SettingDefinition Name="OFF" ValueType="Integer" ValueConstraintType="Range" MinValue="0" MaxValue="480" Step="15" DefaultValue="60"/>
<SettingDefinition Name="GAIN" ValueType="Double" ValueConstraintType="Range" MinValue="-1.5" MaxValue="1.5" Step="0.5" DefaultValue="0"/>
<SettingDefinition Name="NAME" ValueType="String" MaxLength="8" AllowsNull="true"/>
<SettingDefinition Name="LABEL" ValueType="String" DefaultValue="x"/>
<SettingDefinition Name="COUNT" ValueType="Integer" DefaultValue="1"/>
<SettingDefinition Name="PICK" ValueConstraintType="Enumeration" AllowsNull="true"><SupportedValues><SupportedValue Value="TEAMS"/></SupportedValues></SettingDefinition>
</d>`))
	if len(probs) > 0 {
		t.Fatal(problemsText(probs))
	}
	by := map[string]*Definition{}
	for _, d := range defs {
		by[d.Name] = d
	}
	tests := []struct {
		setting, in, want, reason string
	}{
		{"WIRELESS_RANGE", "2", "2", ""},
		{"WIRELESS_RANGE", " 3 ", "3", ""},
		{"WIRELESS_RANGE", "9", "", ReasonNotAllowed},
		{"WIRELESS_RANGE", "Long", "", ReasonNotAllowed},
		{"WIRELESS_RANGE", "", "", ReasonRequired},
		{"PICK", "teams", "TEAMS", ""},
		{"PICK", "", "", ""},
		{"BOOL", "1", "true", ""},
		{"BOOL", "No", "false", ""},
		{"BOOL", "maybe", "", ReasonNotBool},
		{"BOOL01", "true", "1", ""},
		{"BOOL01", "0", "0", ""},
		{"OFF", "45", "45", ""},
		{"OFF", "45.0", "45", ""},
		{"OFF", "50", "", ReasonOffStep},
		{"OFF", "495", "", ReasonOutOfRange},
		{"OFF", "-15", "", ReasonOutOfRange},
		{"OFF", "7.5", "", ReasonNotInteger},
		{"OFF", "soon", "", ReasonNotNumber},
		{"OFF", "NaN", "", ReasonNotNumber},
		{"GAIN", "-1.0", "-1", ""},
		{"GAIN", "0.25", "", ReasonOffStep},
		{"NAME", "Ærøskøbing", "", ReasonTooLong},
		{"NAME", "Café 7", "Café 7", ""},
		{"NAME", "a\tb", "", ReasonBadText},
		{"NAME", "", "", ""},
		{"LABEL", "", "", ReasonRequired},
		{"COUNT", "12", "12", ""},
		{"COUNT", "1.5", "", ReasonNotInteger},
	}
	for _, tt := range tests {
		got, err := by[tt.setting].Check(tt.in)
		var ve *ValueError
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%s %q: %v", tt.setting, tt.in, err)
		case tt.reason != "" && (!errors.As(err, &ve) || ve.Reason != tt.reason):
			t.Errorf("%s %q: err %v, want reason %s", tt.setting, tt.in, err, tt.reason)
		case got != tt.want:
			t.Errorf("%s %q = %q, want %q", tt.setting, tt.in, got, tt.want)
		}
	}
	_, err := by["WIRELESS_RANGE"].Check("9")
	if want := `"9" is not one of the allowed values: 1 (Long), 2 (Medium), 3 (Short)`; err == nil || err.Error() != want {
		t.Errorf("message = %v, want %s", err, want)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"1.10.0", "1.9.2", 1}, {"2.0", "2.0.0", 0}, {"1.2.3", "1.2.4", -1}, {"1.2.beta", "1.2.3", 1}, {" 4.7.0", "4.7.0 ", 0},
	} {
		if got := CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestBuildMergesAndLooksUp(t *testing.T) {
	fs := afero.NewMemMapFs()
	write := func(name, s string) {
		if err := afero.WriteFile(fs, name, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("/cat/a-defs.xml", `<d><SettingDefinition Name="A" UserFriendlyName="Old A"/><SettingDefinition Name="B"/></d>`)
	write("/cat/b-map.xml", `<devices>
<device name="Engage Base"><variants><variant vid="2830" pid="2439" variantType="00-5A"/></variants><settings><setting name="A"/></settings></device>
<device name="Engage Headset"><variants><variant vid="2830" pid="2439" variantType="01-5B"/></variants><settings><setting name="B"/></settings></device>
<device name="Camera"><variants><variant vid="2830" pid="12305"/></variants><settings><setting name="A"/>
<setting name="NOWHERE"/></settings></device>
</devices>`)
	write("/cat/c-broken.xml", "<d>\n<SettingDefinition Name=\"Z\">\n</d>")
	write("/cat/d-more.xml", `<devices><SettingDefinition Name="A" UserFriendlyName="New A"/>
<device name="Engage Base v2"><variants><variant vid="0x0B0E" pid="0x0987" variantType="00-5a"/></variants><settings><setting name="B"/></settings></device>
<device name="Engage" imageUrl="later.png"><variants><variant vid="2830" pid="2439" variantType="00-5A"/></variants><fwVersions><fwVersion version="4.9.2"/></fwVersions></device>
</devices>`)
	write("/cat/e-res.xml", `<devices><device name="Engage" imageUrl="first.png"><variants><variant vid="2830" pid="2439" variantType="00-5A"/><variant vid="2830" pid="2439" variantType="01-5B"/></variants>
<fwVersions><fwVersion version="4.7.0"/><fwVersion version="4.9.2" firmwareFile="new.zip"/></fwVersions></device></devices>`)
	write("/cat/notes.txt", "not a catalog")

	var b Builder
	b.AddPath(fs, "/cat")
	c, probs := b.Build()
	got := problemsText(probs)
	for _, want := range []string{
		"/cat/b-map.xml:5: device \"Camera\" names setting NOWHERE, which no SettingsDefinition defines; it is left out",
		"/cat/c-broken.xml:3: malformed XML",
		"/cat/c-broken.xml: warning: file skipped because of the errors above",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	if d, _ := c.Definition("A"); d == nil || d.FriendlyName != "New A" {
		t.Errorf("A = %+v, want the later file's", d)
	}
	if _, ok := c.Definition("Z"); ok {
		t.Error("the broken file's definition loaded")
	}
	for _, tt := range []struct {
		vid, pid uint16
		variant  string
		name     string
		settings []string
	}{
		{0x0B0E, 0x0987, "00-5A", "Engage Base v2", []string{"A", "B"}},
		{0x0B0E, 0x0987, "01-5b", "Engage Headset", []string{"B"}},
		{0x0B0E, 0x0987, "", "Engage Base v2", []string{"A", "B"}}, // (vid, pid): the first variant mapped
		{0x0B0E, 0x3011, "08-01", "Camera", []string{"A"}},         // (vid, pid): no variant type in the file
	} {
		m, ok := c.Model(tt.vid, tt.pid, tt.variant)
		if !ok || m.Name != tt.name || !reflect.DeepEqual(m.Settings, tt.settings) {
			t.Errorf("Model(%04X, %04X, %q) = %+v, %v; want %s %v", tt.vid, tt.pid, tt.variant, m, ok, tt.name, tt.settings)
		}
	}
	if _, ok := c.Model(0x0B0E, 0x9999, "01-5B"); ok {
		t.Error("an unknown pid found a model")
	}
	r, ok := c.Resources(0x0B0E, 0x0987, "00-5A")
	if !ok || r.ImageURL != "first.png" || len(r.Firmware) != 2 || r.Firmware[1].File != "new.zip" {
		t.Errorf("resources = %+v", r)
	}
	if fw, ok := r.Latest(); !ok || fw.Version != "4.9.2" {
		t.Errorf("latest = %+v", fw)
	}
	if s := c.Stats(); s != (Stats{Definitions: 3, Models: 5, Variants: 3, FirmwareVersions: 3}) {
		t.Errorf("stats = %+v", s)
	}
}

func TestAddPathMissing(t *testing.T) {
	var b Builder
	b.AddPath(afero.NewMemMapFs(), "/nowhere")
	_, probs := b.Build()
	if len(probs) != 1 || !strings.HasPrefix(probs[0].Error(), "/nowhere: cannot read") {
		t.Errorf("problems = %s", problemsText(probs))
	}
}

// TestLargeFileLineNumbers checks that lines stay right deep into a file.
func TestLargeFileLineNumbers(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("<d>\n")
	for i := range 500 {
		fmt.Fprintf(&buf, "<SettingDefinition Name=\"S_%d\"/>\n", i)
	}
	buf.WriteString(`<SettingDefinition Name="S_0"/>` + "\n</d>")
	_, probs := Parse("big.xml", buf.Bytes())
	if len(probs) != 1 || probs[0].Pos.Line != 502 {
		t.Errorf("problems = %s", problemsText(probs))
	}
}

// TestBuiltinMarksOnlyEarshotsOwn checks that Load marks the definitions of
// the embedded files Builtin and those of CATALOGDIR not, even when a
// third-party file redefines one of Earshot's settings.
func TestBuiltinMarksOnlyEarshotsOwn(t *testing.T) {
	own := fstest.MapFS{"defs.xml": {Data: []byte(`<d><SettingDefinition Name="OWN" UserFriendlyName="Own"/>
<SettingDefinition Name="SHARED" UserFriendlyName="Ours"/></d>`)}}
	afs := afero.NewMemMapFs()
	if err := afero.WriteFile(afs, "/cat/third.xml", []byte(`<d><SettingDefinition Name="SHARED" UserFriendlyName="Theirs"/>
<SettingDefinition Name="THEIRS"/></d>`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, probs := Load(own, afs, "/cat")
	if len(probs) > 0 {
		t.Fatalf("problems: %s", problemsText(probs))
	}
	for _, tt := range []struct {
		name    string
		builtin bool
		label   string
	}{
		{"OWN", true, "Own"},
		{"SHARED", false, "Theirs"}, // the third-party file's definition replaces Earshot's
		{"THEIRS", false, "THEIRS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := c.Definition(tt.name)
			if !ok || d.Builtin != tt.builtin || d.Label() != tt.label {
				t.Errorf("%s = %+v, want Builtin %v and label %q", tt.name, d, tt.builtin, tt.label)
			}
		})
	}
}
