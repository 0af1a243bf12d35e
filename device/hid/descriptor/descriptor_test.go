package descriptor

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func load(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// fact is one thing docs/hardware.md §1 states about a real descriptor: where a
// usage sits and how it is flagged.
type fact struct {
	kind     Kind
	usage    Usage
	reportID byte
	bit      int // payload bit offset of the element
	size     int
	flags    Flags
	array    bool // the usage is one value of an array field
}

type length struct {
	kind  Kind
	id    byte
	bytes int
}

var realDescriptors = []struct {
	file     string
	err      string // the truncated dump ends in an error
	top      []Usage
	numbered bool
	facts    []fact
	lengths  []length
}{
	{
		file:     "047F_C056_0005_000B.hex",
		top:      []Usage{U(0x0B, 0x05)},
		numbered: true,
		facts: []fact{
			// Report 8: Phone Mute is a relative one-shot, Hook Switch a level.
			{Input, U(0x0B, 0x2F), 8, 0, 1, Variable | Relative, false},
			{Input, U(0x0B, 0x20), 8, 1, 1, Variable | NoPreferred, false},
			{Input, U(0x0B, 0x21), 8, 2, 1, Variable | NoPreferred, false},
			// One output report per LED, report id = LED usage.
			{Output, U(0x08, 0x09), 0x09, 0, 1, Variable | NoPreferred, false},
			{Output, U(0x08, 0x17), 0x17, 0, 1, Variable | NoPreferred, false},
			{Output, U(0x08, 0x18), 0x18, 0, 1, Variable | NoPreferred, false},
			{Output, U(0x08, 0x1E), 0x1E, 0, 1, Variable | NoPreferred, false},
			{Output, U(0x08, 0x20), 0x20, 0, 1, Variable | NoPreferred, false},
			{Output, U(0x08, 0x2A), 0x2A, 0, 1, Variable | NoPreferred, false},
		},
		lengths: []length{
			{Input, 8, 2}, {Output, 0x09, 2}, {Output, 0x17, 2}, {Output, 0x18, 2},
			{Output, 0x1E, 2}, {Output, 0x20, 2}, {Output, 0x2A, 2}, {Input, 9, 0}, {Feature, 8, 0},
		},
	},
	{
		file:     "047F_C056_0001_000C.hex",
		top:      []Usage{U(0x0C, 0x01)},
		numbered: true,
		facts: []fact{
			{Input, U(0x0C, 0xE9), 1, 0, 1, Variable | Relative, false},
			{Input, U(0x0C, 0xEA), 1, 1, 1, Variable | Relative, false},
		},
		lengths: []length{
			{Input, 1, 2}, {Input, 2, 3}, {Output, 4, 37}, {Input, 5, 33}, {Output, 6, 37}, {Input, 7, 33},
		},
	},
	{
		file:     "047F_C056_0003_FFA0.hex",
		top:      []Usage{U(0xFFA0, 0x03)},
		numbered: true,
		facts: []fact{
			{Output, U(0xFFA0, 0x30), 3, 0, 8, Variable, false},
			{Input, U(0xFFA0, 0x30), 3, 0, 8, Variable, false},
			{Input, U(0xFFA0, 0x8C), 0x15, 0, 16, Variable | NoPreferred, false},
			{Feature, U(0xFFA0, 0xDE), 0x1B, 2, 1, Constant | Variable | NoPreferred, false},
			{Input, U(0xFFA0, 0x9C), 0x1F, 0, 1, Variable | Relative, false},
		},
		lengths: []length{
			{Output, 3, 33}, {Input, 3, 33}, {Input, 0x14, 2}, {Input, 0x15, 3}, {Output, 0x19, 2},
			{Output, 0x1A, 2}, {Feature, 0x1B, 3}, {Input, 0x1F, 2},
		},
	},
	{
		file:     "0B0E_speak510_partial.hex",
		err:      "descriptor byte 0x14C: item 25 needs 1 data bytes, 0 left",
		top:      []Usage{U(0x0C, 0x01), U(0xFF00, 0x01), U(0x0B, 0x05)},
		numbered: true,
		facts: []fact{
			{Input, U(0x0C, 0xEA), 1, 0, 1, Variable, false},
			{Input, U(0x0C, 0xB4), 1, 7, 1, Variable, false},
			// The older vendor channel: report 2, 32 buffered bytes each way.
			{Output, U(0xFF00, 0x01), 2, 0, 8, Variable | BufferedBytes, false},
			{Input, U(0xFF00, 0x01), 2, 0, 8, Variable | BufferedBytes, false},
			// Report 5 on page FF20: live buttons flagged Constant (kept).
			{Input, U(0xFF20, 0xEA), 5, 0, 1, Constant | Variable | Relative, false},
			{Input, U(0xFF20, 0xE2), 5, 2, 1, Constant | Variable | Relative, false},
			{Output, U(0xFF20, 0xFFFA), 5, 1, 1, Variable | Relative, false},
			{Feature, U(0xFF20, 0xFFFF), 5, 0, 1, Variable | NoPreferred, false},
			// Report 4: Jabra's vendor mirror of Telephony, constant again.
			{Input, U(0xFF30, 0x20), 4, 0, 1, Constant | Variable | NoPreferred, false},
			{Input, U(0xFF30, 0x2F), 4, 4, 1, Constant | Variable | Relative, false},
			{Input, U(0xFF30, 0xB5), 4, 10, 4, NullState, true}, // keypad B0–BB array
			{Output, U(0xFF40, 0x17), 4, 0, 1, Variable | NoPreferred, false},
			{Output, U(0xFF30, 0x9E), 4, 7, 1, Variable | NoPreferred, false},
			// Report 3, Telephony: Phone Mute at payload bit 4 (jabridge).
			{Input, U(0x0B, 0x2F), 3, 4, 1, Constant | Variable | Relative, false},
			{Input, U(0x0B, 0x20), 3, 0, 1, Constant | Variable | NoPreferred, false},
		},
		lengths: []length{
			{Input, 1, 2}, {Output, 2, 33}, {Input, 2, 33},
			{Input, 5, 3}, {Output, 5, 2}, {Feature, 5, 2},
			{Input, 4, 3}, {Feature, 4, 2}, {Output, 4, 3},
		},
	},
	{
		file:     "27B8_01ED_blink1.hex",
		top:      []Usage{U(0xFF00, 0x01)},
		numbered: true,
		facts: []fact{
			{Feature, U(0xFF00, 0x00), 1, 0, 8, Variable | BufferedBytes, false},
		},
		lengths: []length{{Feature, 1, 9}, {Input, 1, 0}, {Output, 1, 0}},
	},
}

func TestRealDescriptors(t *testing.T) {
	for _, tc := range realDescriptors {
		t.Run(tc.file, func(t *testing.T) {
			d, err := Parse(load(t, tc.file))
			if tc.err == "" && err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tc.err != "" && (err == nil || err.Error() != tc.err) {
				t.Fatalf("Parse error %v, want %q", err, tc.err)
			}
			var top []Usage
			for _, c := range d.TopLevel() {
				if c.Type != 1 {
					t.Errorf("top-level collection %s is of type %d, not application", c.Usage, c.Type)
				}
				top = append(top, c.Usage)
			}
			if len(top) != len(tc.top) {
				t.Fatalf("top-level collections %v, want %v", top, tc.top)
			}
			for i := range top {
				if top[i] != tc.top[i] {
					t.Fatalf("top-level collections %v, want %v", top, tc.top)
				}
			}
			if d.Numbered != tc.numbered {
				t.Errorf("Numbered = %v", d.Numbered)
			}
			for _, f := range tc.facts {
				locs := d.Find(f.kind, f.usage)
				if len(locs) != 1 {
					t.Errorf("%s %s found %d times", f.kind, f.usage, len(locs))
					continue
				}
				fld := d.Fields[locs[0].Field]
				bit := fld.BitOffset
				if locs[0].Element > 0 {
					bit += locs[0].Element * fld.Size
				}
				if fld.ReportID != f.reportID || bit != f.bit || fld.Size != f.size || fld.Flags&0x1FF != f.flags || fld.Flags.Array() != f.array {
					t.Errorf("%s %s: report %d bit %d size %d flags %03X array %v; want report %d bit %d size %d flags %03X array %v",
						f.kind, f.usage, fld.ReportID, bit, fld.Size, uint16(fld.Flags), fld.Flags.Array(), f.reportID, f.bit, f.size, uint16(f.flags), f.array)
				}
				if fld.Collection < 0 || d.Collections[fld.Collection].Offset > fld.Offset {
					t.Errorf("%s %s is not inside its collection", f.kind, f.usage)
				}
			}
			for _, l := range tc.lengths {
				if got := d.Length(l.kind, l.id); got != l.bytes {
					t.Errorf("%s report %d is %d bytes, want %d", l.kind, l.id, got, l.bytes)
				}
			}
		})
	}
}

// Every field of Blackwire's Telephony collection, with padding, in order.
func TestBlackwireTelephonyFields(t *testing.T) {
	d, err := Parse(load(t, "047F_C056_0005_000B.hex"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range d.Fields {
		got = append(got, strings.Join([]string{f.Kind.String(), hex.EncodeToString([]byte{f.ReportID}), f.Usage(0).String(), itoa(f.BitOffset), itoa(f.Size), itoa(f.Count), itoa(int(f.LogicalMin)), itoa(int(f.LogicalMax))}, " "))
	}
	want := []string{
		"input 08 000B:002F 0 1 1 0 1",
		"input 08 000B:0020 1 1 2 0 1",
		"input 08 0000:0000 3 1 5 0 1", // constant padding is kept
		"output 09 0008:0009 0 1 1 0 1",
		"output 09 0000:0000 1 1 7 0 1",
		"output 17 0008:0017 0 1 1 0 1",
		"output 17 0000:0000 1 1 7 0 1",
		"output 18 0008:0018 0 1 1 0 1",
		"output 18 0000:0000 1 1 7 0 1",
		"output 1e 0008:001E 0 1 1 0 1",
		"output 1e 0000:0000 1 1 7 0 1",
		"output 20 0008:0020 0 1 1 0 1",
		"output 20 0000:0000 1 1 7 0 1",
		"output 2a 0008:002A 0 1 1 0 1",
		"output 2a 0000:0000 1 1 7 0 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("fields:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d.Fields[2].Flags != Constant {
		t.Fatalf("padding flags %03X", uint16(d.Fields[2].Flags))
	}
	if d.Fields[1].Usage(1) != U(0x0B, 0x21) {
		t.Fatalf("second usage of the hook field is %s", d.Fields[1].Usage(1))
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
