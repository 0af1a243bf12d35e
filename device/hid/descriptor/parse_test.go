package descriptor

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("A1 00 ", MaxDepth+1)
	pushes := strings.Repeat("A4 ", MaxStack+1)
	cases := []struct {
		name, desc, err string
	}{
		{"cut data", "05 0C 26 FF", "descriptor byte 0x002: item 26 needs 2 data bytes, 1 left"},
		{"pop without push", "B4", "descriptor byte 0x000: Pop without Push"},
		{"end without collection", "C0", "descriptor byte 0x000: End Collection without a collection"},
		{"unknown main", "D0", "descriptor byte 0x000: unknown main item D0"},
		{"unknown global", "C4", "descriptor byte 0x000: unknown global item C4"},
		{"reserved type", "0C", "descriptor byte 0x000: reserved item type in 0C"},
		{"report id 0", "85 00", "descriptor byte 0x000: Report ID 0 is not 1…255"},
		{"report size too large", "76 01 02", "Report Size 513 is more than 256 bits"},
		{"report count too large", "96 01 40", "Report Count 16385 is more than 12288"},
		{"report too long", "75 80 96 00 30 81 02", "input report 0 is longer than 16384 bytes"},
		{"unclosed", "05 01 09 02 A1 01 A1 00", "descriptor ends inside the collection at byte 0x006"},
		{"too deep", deep, "collections nested deeper than 32"},
		{"too many pushes", pushes, "more than 16 Push items"},
		{"long item cut", "FE 05 10 00", "long item of 5 bytes cut off"},
		{"long item header cut", "FE 05", "long item cut off"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(hx(t, tc.desc))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
	if _, err := Parse(make([]byte, MaxSize+1)); err == nil || !strings.Contains(err.Error(), "more than 4096") {
		t.Fatalf("oversize: %v", err)
	}
	many := bytes.Repeat([]byte{0x81, 0x00}, MaxFields+1)
	if _, err := Parse(many); err == nil || !strings.Contains(err.Error(), "more than 1024 fields") {
		t.Fatalf("many fields: %v", err)
	}
}

func TestParseSemantics(t *testing.T) {
	cases := []struct {
		name  string
		desc  string
		check func(t *testing.T, d *Descriptor)
	}{
		{
			name: "push and pop restore globals",
			// page 0C, size 8 count 1; push; page FF00 size 1 count 3 input; pop; input.
			desc: "05 0C 75 08 95 01 A4 06 00 FF 75 01 95 03 09 01 81 02 B4 09 E9 81 02",
			check: func(t *testing.T, d *Descriptor) {
				if len(d.Fields) != 2 {
					t.Fatalf("%d fields", len(d.Fields))
				}
				f0, f1 := d.Fields[0], d.Fields[1]
				if f0.Usage(0) != U(0xFF00, 1) || f0.Size != 1 || f0.Count != 3 {
					t.Fatalf("pushed field %+v", f0)
				}
				if f1.Usage(0) != U(0x0C, 0xE9) || f1.Size != 8 || f1.Count != 1 || f1.BitOffset != 3 {
					t.Fatalf("popped field %+v", f1)
				}
				if d.Numbered || d.Length(Input, 0) != 3 {
					t.Fatalf("unnumbered length %d", d.Length(Input, 0))
				}
			},
		},
		{
			name: "extended usage keeps its own page, short ones take the page at the main item",
			desc: "05 01 0B 20 00 0B 00 09 2F 05 0B 75 01 95 02 81 06",
			check: func(t *testing.T, d *Descriptor) {
				f := d.Fields[0]
				if f.Usage(0) != U(0x0B, 0x20) || f.Usage(1) != U(0x0B, 0x2F) {
					t.Fatalf("usages %v", f.Usages)
				}
			},
		},
		{
			name: "usage range and array lookup",
			desc: "05 07 19 E0 29 E7 15 00 25 01 75 01 95 08 81 02 19 00 29 65 15 00 25 65 75 08 95 06 81 00",
			check: func(t *testing.T, d *Descriptor) {
				mods := d.Fields[0]
				if !mods.HasRange || mods.Usage(0) != U(7, 0xE0) || mods.Usage(7) != U(7, 0xE7) || mods.Usage(9) != U(7, 0xE7) {
					t.Fatalf("range %+v", mods)
				}
				if l := d.Find(Input, U(7, 0xE3)); len(l) != 1 || l[0].Field != 0 || l[0].Element != 3 {
					t.Fatalf("Find variable %+v", l)
				}
				if l := d.Find(Input, U(7, 0x04)); len(l) != 1 || l[0].Field != 1 || l[0].Element != -1 {
					t.Fatalf("Find array %+v", l)
				}
				if l := d.Find(Output, U(7, 0x04)); len(l) != 0 {
					t.Fatalf("Find output %+v", l)
				}
				if d.Length(Input, 0) != 8 {
					t.Fatalf("length %d", d.Length(Input, 0))
				}
			},
		},
		{
			name: "signed logical minimum and unsigned-looking maximum",
			desc: "15 81 25 7F 75 08 95 01 81 02 15 00 25 FF 81 02 16 00 80 26 FF 7F 75 10 81 02",
			check: func(t *testing.T, d *Descriptor) {
				if d.Fields[0].LogicalMin != -127 || d.Fields[0].LogicalMax != 127 {
					t.Fatalf("signed %+v", d.Fields[0])
				}
				if d.Fields[1].LogicalMin != 0 || d.Fields[1].LogicalMax != 255 {
					t.Fatalf("25 FF read as %d", d.Fields[1].LogicalMax)
				}
				if d.Fields[2].LogicalMin != -32768 || d.Fields[2].LogicalMax != 32767 {
					t.Fatalf("16-bit %+v", d.Fields[2])
				}
			},
		},
		{
			name: "collections nest and carry their usage",
			desc: "05 0B 09 05 A1 01 09 06 A1 02 19 B0 29 BB 75 04 95 01 81 40 C0 C0 06 00 FF 09 01 A1 01 C0",
			check: func(t *testing.T, d *Descriptor) {
				if len(d.Collections) != 3 {
					t.Fatalf("%d collections", len(d.Collections))
				}
				c := d.Collections
				if c[0].Usage != U(0x0B, 5) || c[0].Parent != -1 || c[1].Usage != U(0x0B, 6) || c[1].Parent != 0 || c[1].Depth != 1 || c[1].Type != 2 || c[2].Parent != -1 {
					t.Fatalf("collections %+v", c)
				}
				if d.Fields[0].Collection != 1 {
					t.Fatalf("field in collection %d", d.Fields[0].Collection)
				}
				if top := d.TopLevel(); len(top) != 2 || top[1].UsagePage() != 0xFF00 {
					t.Fatalf("top %+v", top)
				}
			},
		},
		{
			name: "long items and local strings are skipped",
			desc: "FE 02 10 AA BB 79 01 09 01 75 08 95 01 81 02",
			check: func(t *testing.T, d *Descriptor) {
				if len(d.Fields) != 1 || d.Fields[0].Usage(0) != U(0, 1) {
					t.Fatalf("%+v", d.Fields)
				}
			},
		},
		{
			name: "reports listed by kind and id",
			desc: "85 02 75 08 95 02 91 02 85 01 81 02 B1 02",
			check: func(t *testing.T, d *Descriptor) {
				got := d.Reports()
				want := []Report{{Input, 1, 16, 3}, {Output, 2, 16, 3}, {Feature, 1, 16, 3}}
				if len(got) != len(want) {
					t.Fatalf("%+v", got)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%+v, want %+v", got, want)
					}
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(hx(t, tc.desc))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, d)
		})
	}
}

func TestFieldValue(t *testing.T) {
	cases := []struct {
		name   string
		field  Field
		report string
		elem   int
		want   int32
		ok     bool
	}{
		{"hook bit", Field{BitOffset: 1, Size: 1, Count: 2}, "08 02", 0, 1, true},
		{"flash bit clear", Field{BitOffset: 1, Size: 1, Count: 2}, "08 02", 1, 0, true},
		{"nibble across bytes", Field{BitOffset: 6, Size: 4, Count: 1}, "04 C0 03", 0, 0xF, true},
		{"signed", Field{BitOffset: 0, Size: 8, Count: 1, LogicalMin: -127}, "01 FE", 0, -2, true},
		{"unsigned", Field{BitOffset: 0, Size: 8, Count: 1}, "01 FE", 0, 254, true},
		{"16 bit little endian", Field{BitOffset: 0, Size: 16, Count: 1}, "15 34 12", 0, 0x1234, true},
		{"short report", Field{BitOffset: 8, Size: 8, Count: 1}, "01 00", 0, 0, false},
		{"element out of range", Field{BitOffset: 0, Size: 1, Count: 1}, "01 FF", 1, 0, false},
		{"too wide", Field{BitOffset: 0, Size: 40, Count: 1}, "01 FF FF FF FF FF", 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.field.Value(hx(t, tc.report), tc.elem)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("Value = %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range realDescriptors {
		f.Add(load(f, tc.file), []byte{8, 3, 0})
	}
	f.Add(hx(f, "05 0C 75 08 95 01 A4 06 00 FF 75 01 95 03 09 01 81 02 B4 09 E9 81 02"), []byte{0, 0xFF})
	f.Add(hx(f, "FE 02 10 AA BB 79 01 09 01 75 08 95 01 81 02"), []byte{0})
	f.Add(hx(f, "15 81 25 7F 75 08 95 01 81 02"), []byte{0, 0x80})
	f.Fuzz(func(t *testing.T, desc, report []byte) {
		d, err := Parse(desc)
		if d == nil {
			t.Fatalf("nil descriptor (err %v)", err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("error spans lines: %q", err)
		}
		if len(d.Fields) > MaxFields || len(d.Collections) > MaxSize {
			t.Fatalf("%d fields, %d collections", len(d.Fields), len(d.Collections))
		}
		for i, fl := range d.Fields {
			end := fl.BitOffset + fl.Size*fl.Count
			if n := d.Length(fl.Kind, fl.ReportID); n < 1 || n > MaxReportLen || 8*(n-1) < end {
				t.Fatalf("field %d ends at bit %d, report %s %d is %d bytes", i, end, fl.Kind, fl.ReportID, n)
			}
			if fl.Collection >= len(d.Collections) {
				t.Fatalf("field %d in collection %d of %d", i, fl.Collection, len(d.Collections))
			}
			for e := 0; e < fl.Count && e < 4; e++ {
				fl.Value(report, e)
				fl.Usage(e)
			}
			for _, l := range d.Find(fl.Kind, fl.Usage(0)) {
				if l.Field < 0 || l.Field >= len(d.Fields) {
					t.Fatalf("Find gave field %d", l.Field)
				}
			}
		}
		for _, c := range d.Collections {
			if c.Depth >= MaxDepth || c.Parent >= len(d.Collections) {
				t.Fatalf("collection %+v", c)
			}
		}
	})
}
