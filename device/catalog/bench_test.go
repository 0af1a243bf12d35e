package catalog

import (
	"bytes"
	"fmt"
	"testing"
)

// bigDefinitions is a SettingsDefinition of n definitions shaped like the
// seed's (an enumeration of three values with both descriptions).
func bigDefinitions(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<SettingsDefinition>\n")
	for i := range n {
		fmt.Fprintf(&b, `  <SettingDefinition Target="Jabra" Name="SETTING_%04d" UserFriendlyName="Wireless signal range %d" ValueType="String" ValueConstraintType="Enumeration" DefaultValue="1" RequiresReboot="true" AllowsNull="false" Category="Wireless">
    <Description>Select the wireless range between the headset and base. If you experience signal interference from other wireless devices, select Medium or Short.</Description>
    <UserFriendlyDescription>Select the wireless range between the headset and base. If you experience signal interference from other wireless devices, select Medium or Short.</UserFriendlyDescription>
    <SupportedValues>
      <SupportedValue Value="1" UserFriendlyValue="Long" />
      <SupportedValue Value="2" UserFriendlyValue="Medium" />
      <SupportedValue Value="3" UserFriendlyValue="Short" />
    </SupportedValues>
  </SettingDefinition>
`, i, i)
	}
	b.WriteString("</SettingsDefinition>\n")
	return b.Bytes()
}

// bigMapping is a Mapping of n models, each with three variants and twenty
// settings out of the first 2,000 of bigDefinitions.
func bigMapping(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<devices>\n")
	for i := range n {
		fmt.Fprintf(&b, "  <device name=\"Model %d\">\n    <variants>\n", i)
		for v := range 3 {
			fmt.Fprintf(&b, "      <variant vid=\"2830\" pid=\"%d\" variantType=\"01-%02X\" />\n", 1000+i, v)
		}
		b.WriteString("    </variants>\n    <settings>\n")
		for s := range 20 {
			fmt.Fprintf(&b, "      <setting name=\"SETTING_%04d\" />\n", (i*7+s*97)%2000)
		}
		b.WriteString("    </settings>\n  </device>\n")
	}
	b.WriteString("</devices>\n")
	return b.Bytes()
}

// BenchmarkParseCatalog parses and merges a SettingsDefinition of 2,000
// definitions and a Mapping of 1,000 models (goal: ≤ 100 ms per op).
func BenchmarkParseCatalog(b *testing.B) {
	defs, mapping := bigDefinitions(2000), bigMapping(1000)
	b.SetBytes(int64(len(defs) + len(mapping)))
	b.ReportAllocs()
	for b.Loop() {
		var bld Builder
		if !bld.Add("SettingsDefinition.xml", defs) || !bld.Add("Mapping.xml", mapping) {
			b.Fatal("refused")
		}
		c, probs := bld.Build()
		if len(probs) > 0 || len(c.Definitions()) != 2000 {
			b.Fatalf("%d definitions, problems %v", len(c.Definitions()), probs)
		}
	}
}

func TestBigCatalogLoads(t *testing.T) {
	var bld Builder
	bld.Add("d.xml", bigDefinitions(2000))
	bld.Add("m.xml", bigMapping(1000))
	c, probs := bld.Build()
	if len(probs) > 0 {
		t.Fatal(problemsText(probs[:1]))
	}
	if s := c.Stats(); s != (Stats{Definitions: 2000, Models: 1000, Variants: 3000}) {
		t.Errorf("stats = %+v", s)
	}
	if m, ok := c.Model(0x0B0E, 1999, "01-02"); !ok || m.Name != "Model 999" || len(m.Settings) != 20 {
		t.Errorf("model = %+v", m)
	}
}
