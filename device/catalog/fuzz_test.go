package catalog

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are the files of the parse table and the seed's examples.
func fuzzSeeds(f *testing.F, extra ...string) {
	for _, tc := range parseCases {
		f.Add([]byte(tc.xml))
	}
	for _, s := range append([]string{seedDefinition, seedMapping, seedResources}, extra...) {
		f.Add([]byte(s))
	}
}

// checkProblems holds for every parse: problems name the file and a line
// inside it (or none, for the file as a whole).
func checkProblems(t *testing.T, data []byte, probs []Problem) {
	lines := strings.Count(string(data), "\n") + 1
	for _, p := range probs {
		if p.Pos.File != "f.xml" || p.Pos.Line < 0 || p.Pos.Line > lines+1 {
			t.Fatalf("problem %q has position %v (file of %d lines)", p.Msg, p.Pos, lines)
		}
		if p.Severity != Error && p.Severity != Warning {
			t.Fatalf("problem %q has severity %q", p.Msg, p.Severity)
		}
		if !utf8.ValidString(p.Error()) && utf8.Valid(data) {
			t.Fatalf("problem is not UTF-8: %q", p.Error())
		}
	}
}

func FuzzParseDefinitions(f *testing.F) {
	fuzzSeeds(f, `<d><SettingDefinition Name="R" ValueType="Integer" ValueConstraintType="Range" MinValue="-5" MaxValue="5" Step="2.5" DefaultValue="0"/>
<SettingDefinition Name="B" ValueType="Boolean"><SupportedValues><SupportedValue Value="1" UserFriendlyValue="On"/><SupportedValue Value="0"/></SupportedValues></SettingDefinition></d>`)
	f.Fuzz(func(t *testing.T, data []byte) {
		defs, probs := ParseDefinitions("f.xml", data)
		checkProblems(t, data, probs)
		names := map[string]bool{}
		for _, d := range defs {
			if d.Name == "" || names[d.Name] {
				t.Fatalf("definition with empty or repeated name %q", d.Name)
			}
			names[d.Name] = true
			if d.Pos.Line < 1 {
				t.Fatalf("definition %s has no line", d.Name)
			}
			switch d.Kind() {
			case KindChoice:
				if len(d.Values) == 0 {
					t.Fatalf("choice %s without values", d.Name)
				}
				for _, v := range d.Values {
					if got, err := d.Check(v.Value); err != nil && strings.TrimSpace(v.Value) == v.Value && v.Value != "" {
						t.Fatalf("%s refuses its own value %q: %v", d.Name, v.Value, err)
					} else if err == nil && got == "" && v.Value != "" {
						t.Fatalf("%s turns %q into not set", d.Name, v.Value)
					}
				}
			case KindBool:
				on, off := d.BoolValues()
				if on == off {
					t.Fatalf("boolean %s has on == off == %q", d.Name, on)
				}
				for _, v := range []string{on, off} {
					if got, err := d.Check(v); err != nil || got != v {
						t.Fatalf("boolean %s: Check(%q) = %q, %v", d.Name, v, got, err)
					}
				}
			case KindRange:
				if d.Min > d.Max || d.Step < 0 {
					t.Fatalf("range %s: %v–%v step %v", d.Name, d.Min, d.Max, d.Step)
				}
				if got, err := d.Check(FormatNumber(d.Min)); err != nil && !(d.Integer() && d.Min != float64(int64(d.Min))) {
					t.Fatalf("range %s refuses its minimum: %q %v", d.Name, got, err)
				}
			}
			// A checked value checks again to itself.
			for _, in := range []string{d.Default, "1", "true", " x ", "0.5"} {
				if got, err := d.Check(in); err == nil {
					if again, err := d.Check(got); err != nil || again != got {
						t.Fatalf("%s: Check(%q) = %q, but Check(%q) = %q, %v", d.Name, in, got, got, again, err)
					}
				}
			}
		}
	})
}

func FuzzParseMapping(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		models, probs := ParseMapping("f.xml", data)
		checkProblems(t, data, probs)
		for _, m := range models {
			if len(m.Settings) != len(m.settingPos) {
				t.Fatalf("model %q: %d settings, %d positions", m.Name, len(m.Settings), len(m.settingPos))
			}
			for _, v := range m.Variants {
				if v.Type != NormalizeVariant(v.Type) {
					t.Fatalf("variant type %q not normalised", v.Type)
				}
			}
		}
		// The merged catalog answers for every variant it read.
		var b Builder
		b.Add("f.xml", data)
		c, _ := b.Build()
		if !HasErrors(probs) {
			for _, m := range models {
				for _, v := range m.Variants {
					if _, ok := c.Model(v.VendorID, v.ProductID, v.Type); !ok {
						t.Fatalf("no model for %v", v)
					}
				}
			}
		}
	})
}

func FuzzParseResources(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, probs := ParseResources("f.xml", data)
		checkProblems(t, data, probs)
		for _, r := range res {
			for _, fw := range r.Firmware {
				if fw.Version == "" {
					t.Fatalf("firmware without version in %q", r.Name)
				}
				if fw.ReleaseNote != strings.TrimSpace(fw.ReleaseNote) {
					t.Fatalf("release note not trimmed: %q", fw.ReleaseNote)
				}
			}
			if latest, ok := r.Latest(); ok != (len(r.Firmware) > 0) || (ok && latest.Version == "") {
				t.Fatalf("latest = %+v, %v", latest, ok)
			}
		}
	})
}
