// Package descriptor parses HID report descriptors (HID 1.11 §6.2.2) into
// collections, fields and report lengths. It keeps every field, including
// those flagged Constant: Jabra flags live buttons constant (docs/hardware.md
// §1.2), so a parser that drops constant fields loses them.
//
// Bit offsets follow the HID specification: a field's BitOffset counts from
// the first byte after the report ID. Reports as the transport (device/hid)
// carries them start with the report ID byte (0x00 for a descriptor without
// report IDs), so Length includes that byte and ReportBit adds it.
package descriptor

import (
	"fmt"
	"sort"
)

// Bounds of what Parse accepts; a descriptor beyond them is refused with an
// error, never parsed for long. Every item takes at least one byte, so
// MaxSize also bounds the items (and the collections) to 4096; Parse makes
// one pass over them.
const (
	MaxSize      = 4096  // bytes of descriptor (the kernel's HID_MAX_DESCRIPTOR_SIZE)
	MaxDepth     = 32    // nested collections
	MaxFields    = 1024  // main items Input/Output/Feature
	MaxUsages    = 1024  // local usages before one main item
	MaxStack     = 16    // Push without Pop
	MaxReportLen = 16384 // bytes of one report (the kernel's HID_MAX_BUFFER_SIZE)
	MaxReportBit = 256   // bits of one Report Size
	MaxCount     = 12288 // Report Count (the kernel's HID_MAX_USAGES)
)

// Kind is the kind of a report: input, output or feature.
type Kind uint8

// The three kinds of reports.
const (
	Input Kind = iota + 1
	Output
	Feature
)

func (k Kind) String() string {
	switch k {
	case Input:
		return "input"
	case Output:
		return "output"
	case Feature:
		return "feature"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Usage is an extended usage: page in the high 16 bits, ID in the low 16.
type Usage uint32

// U builds a usage from its page and ID.
func U(page, id uint16) Usage { return Usage(page)<<16 | Usage(id) }

// Page returns the usage page.
func (u Usage) Page() uint16 { return uint16(u >> 16) }

// ID returns the usage ID within its page.
func (u Usage) ID() uint16 { return uint16(u) }

func (u Usage) String() string { return fmt.Sprintf("%04X:%04X", u.Page(), u.ID()) }

// Flags are the data bits of an Input, Output or Feature item.
type Flags uint16

// The flag bits (a cleared bit means Data, Array, Absolute, …).
const (
	Constant      Flags = 1 << 0
	Variable      Flags = 1 << 1
	Relative      Flags = 1 << 2
	Wrap          Flags = 1 << 3
	NonLinear     Flags = 1 << 4
	NoPreferred   Flags = 1 << 5
	NullState     Flags = 1 << 6
	Volatile      Flags = 1 << 7
	BufferedBytes Flags = 1 << 8
)

// Constant tells whether the Constant bit is set (the field may still carry
// live data; see the package comment).
func (f Flags) Constant() bool { return f&Constant != 0 }

// Variable tells whether each element is a value of its own usage (else the
// field is an array of usage indexes).
func (f Flags) Variable() bool { return f&Variable != 0 }

// Relative tells whether values are changes rather than levels.
func (f Flags) Relative() bool { return f&Relative != 0 }

// Array is the opposite of Variable.
func (f Flags) Array() bool { return f&Variable == 0 }

// Collection is one Collection item with the usage it was opened with.
type Collection struct {
	Type   uint8 // 0 physical, 1 application, 2 logical, 3 report, …
	Usage  Usage
	Parent int // index in Descriptor.Collections, -1 for a top-level one
	Depth  int // 0 for a top-level collection
	Offset int // byte offset of the item in the descriptor
}

// UsagePage returns the collection's usage page.
func (c Collection) UsagePage() uint16 { return c.Usage.Page() }

// Field is one Input, Output or Feature item.
type Field struct {
	Kind     Kind
	ReportID byte // 0 when the descriptor has no report IDs
	// UsagePage is the global usage page when the item was read.
	UsagePage uint16
	// Usages lists the item's usages in order; for a usage range it is
	// empty and UsageMin/UsageMax hold the range.
	Usages             []Usage
	UsageMin, UsageMax Usage
	HasRange           bool
	BitOffset          int // from the first byte after the report ID
	Size               int // bits per element
	Count              int // elements
	LogicalMin         int32
	LogicalMax         int32
	Flags              Flags
	Collection         int // index in Descriptor.Collections, -1 outside any
	Offset             int // byte offset of the item in the descriptor
}

// Usage returns the usage of element i (HID 1.11 §6.2.2.8: past the end of
// the list the last usage repeats; a range counts up from UsageMin and stops
// at UsageMax). It returns 0 for a field without usages (padding).
func (f Field) Usage(i int) Usage {
	switch {
	case f.HasRange:
		u := f.UsageMin + Usage(i)
		if i < 0 || u > f.UsageMax || u < f.UsageMin {
			return f.UsageMax
		}
		return u
	case len(f.Usages) == 0:
		return 0
	case i >= len(f.Usages):
		return f.Usages[len(f.Usages)-1]
	case i < 0:
		return f.Usages[0]
	}
	return f.Usages[i]
}

// ReportBit returns the bit where element i starts in a report as the
// transport carries it (report ID byte first).
func (f Field) ReportBit(i int) int { return 8 + f.BitOffset + i*f.Size }

// Value reads element i from a report as the transport carries it (report ID
// byte first), sign-extended when LogicalMin is negative. It returns false
// when the report is too short or the element is wider than 32 bits.
func (f Field) Value(report []byte, i int) (int32, bool) {
	if i < 0 || i >= f.Count || f.Size <= 0 || f.Size > 32 {
		return 0, false
	}
	start := f.ReportBit(i)
	if (start+f.Size+7)/8 > len(report) {
		return 0, false
	}
	var v uint32
	for b := 0; b < f.Size; b++ {
		bit := start + b
		if report[bit/8]>>(bit%8)&1 != 0 {
			v |= 1 << b
		}
	}
	if f.LogicalMin < 0 && f.Size < 32 && v&(1<<(f.Size-1)) != 0 {
		v |= ^uint32(0) << f.Size
	}
	return int32(v), true
}

// Descriptor is a parsed report descriptor.
type Descriptor struct {
	Collections []Collection
	Fields      []Field
	// Numbered tells whether the descriptor declares report IDs.
	Numbered bool
	bits     map[reportKey]int
}

type reportKey struct {
	kind Kind
	id   byte
}

// Report is one report's kind, ID and length.
type Report struct {
	Kind   Kind
	ID     byte
	Bits   int // data bits after the report ID
	Length int // bytes, report ID byte included
}

// Length returns the length in bytes of the report of that kind and ID,
// including the report ID byte; 0 when the descriptor declares no such report.
func (d *Descriptor) Length(k Kind, id byte) int {
	bits, ok := d.bits[reportKey{k, id}]
	if !ok {
		return 0
	}
	return 1 + (bits+7)/8
}

// Reports lists every declared report, by kind then ID.
func (d *Descriptor) Reports() []Report {
	out := make([]Report, 0, len(d.bits))
	for k, bits := range d.bits {
		out = append(out, Report{Kind: k.kind, ID: k.id, Bits: bits, Length: 1 + (bits+7)/8})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// TopLevel returns the top-level collections in order.
func (d *Descriptor) TopLevel() []Collection {
	var out []Collection
	for _, c := range d.Collections {
		if c.Parent < 0 {
			out = append(out, c)
		}
	}
	return out
}

// Location is where one usage sits in a report.
type Location struct {
	Field   int // index in Descriptor.Fields
	Element int // element of the field
}

// Find returns every place where usage u is reported in reports of kind k:
// for a variable field the element whose usage it is, for an array field the
// field itself (element -1: the usage appears as a value in any element).
func (d *Descriptor) Find(k Kind, u Usage) []Location {
	var out []Location
	for i, f := range d.Fields {
		if f.Kind != k {
			continue
		}
		if f.Flags.Array() {
			if f.HasRange && u >= f.UsageMin && u <= f.UsageMax || contains(f.Usages, u) {
				out = append(out, Location{Field: i, Element: -1})
			}
			continue
		}
		if f.HasRange {
			if u >= f.UsageMin && u <= f.UsageMax && int(u-f.UsageMin) < f.Count {
				out = append(out, Location{Field: i, Element: int(u - f.UsageMin)})
			}
			continue
		}
		// The last usage repeats for the remaining elements; name only the
		// first element that carries it.
		for e := 0; e < len(f.Usages) && e < f.Count; e++ {
			if f.Usages[e] == u {
				out = append(out, Location{Field: i, Element: e})
				break
			}
		}
	}
	return out
}

func contains(us []Usage, u Usage) bool {
	for _, x := range us {
		if x == u {
			return true
		}
	}
	return false
}
