package descriptor

import "fmt"

// globals is the global item state, saved by Push and restored by Pop.
type globals struct {
	page       uint16
	logMin     int32
	logMax     int32
	logMaxSize int // data bytes of the Logical Maximum item
	size       int
	count      int
	reportID   byte
}

// locals is the local item state, cleared by every main item.
type locals struct {
	usages   []Usage
	min, max Usage
	minSet   bool
	maxSet   bool
	// sizes of the usage items: a 4-byte usage carries its own page.
	extended []bool
	minExt   bool
	maxExt   bool
}

// Parse parses a report descriptor. On an error it returns what was parsed
// before the bad item together with an error naming the item's offset, so a
// truncated dump still yields its complete fields.
func Parse(b []byte) (*Descriptor, error) {
	d := &Descriptor{bits: map[reportKey]int{}}
	if len(b) > MaxSize {
		return d, fmt.Errorf("report descriptor is %d bytes, more than %d", len(b), MaxSize)
	}
	var (
		g     globals
		l     locals
		stack []globals
		open  []int // indexes of open collections
	)
	for off := 0; off < len(b); {
		prefix := b[off]
		if prefix == 0xFE { // long item: size, tag, data; no defined meaning
			if off+2 >= len(b) {
				return d, fmt.Errorf("descriptor byte 0x%03X: long item cut off", off)
			}
			n := int(b[off+1])
			if off+3+n > len(b) {
				return d, fmt.Errorf("descriptor byte 0x%03X: long item of %d bytes cut off", off, n)
			}
			off += 3 + n
			continue
		}
		size := int(prefix & 3)
		if size == 3 {
			size = 4
		}
		typ := prefix >> 2 & 3
		tag := prefix >> 4
		if off+1+size > len(b) {
			return d, fmt.Errorf("descriptor byte 0x%03X: item %02X needs %d data bytes, %d left", off, prefix, size, len(b)-off-1)
		}
		data := b[off+1 : off+1+size]
		u := unsigned(data)
		at := off
		off += 1 + size
		switch typ {
		case 0: // main
			switch tag {
			case 0x8, 0x9, 0xB:
				kind := map[byte]Kind{0x8: Input, 0x9: Output, 0xB: Feature}[tag]
				if err := d.addField(at, kind, Flags(u), &g, &l, open); err != nil {
					return d, err
				}
			case 0xA:
				if len(open) >= MaxDepth {
					return d, fmt.Errorf("descriptor byte 0x%03X: collections nested deeper than %d", at, MaxDepth)
				}
				parent := -1
				if len(open) > 0 {
					parent = open[len(open)-1]
				}
				var usage Usage
				if len(l.usages) > 0 {
					usage = resolve(l.usages[0], l.extended[0], g.page)
				} else if l.minSet {
					usage = resolve(l.min, l.minExt, g.page)
				}
				d.Collections = append(d.Collections, Collection{Type: uint8(u), Usage: usage, Parent: parent, Depth: len(open), Offset: at})
				open = append(open, len(d.Collections)-1)
			case 0xC:
				if len(open) == 0 {
					return d, fmt.Errorf("descriptor byte 0x%03X: End Collection without a collection", at)
				}
				open = open[:len(open)-1]
			default:
				return d, fmt.Errorf("descriptor byte 0x%03X: unknown main item %02X", at, prefix)
			}
			l = locals{}
		case 1: // global
			switch tag {
			case 0x0:
				g.page = uint16(u)
			case 0x1:
				g.logMin = signed(data)
			case 0x2:
				g.logMax = signed(data)
				g.logMaxSize = size
			case 0x3, 0x4, 0x5, 0x6: // physical min/max, unit exponent, unit
			case 0x7:
				if u > MaxReportBit {
					return d, fmt.Errorf("descriptor byte 0x%03X: Report Size %d is more than %d bits", at, u, MaxReportBit)
				}
				g.size = int(u)
			case 0x8:
				if u == 0 || u > 0xFF {
					return d, fmt.Errorf("descriptor byte 0x%03X: Report ID %d is not 1…255", at, u)
				}
				g.reportID = byte(u)
				d.Numbered = true
			case 0x9:
				if u > MaxCount {
					return d, fmt.Errorf("descriptor byte 0x%03X: Report Count %d is more than %d", at, u, MaxCount)
				}
				g.count = int(u)
			case 0xA:
				if len(stack) >= MaxStack {
					return d, fmt.Errorf("descriptor byte 0x%03X: more than %d Push items", at, MaxStack)
				}
				stack = append(stack, g)
			case 0xB:
				if len(stack) == 0 {
					return d, fmt.Errorf("descriptor byte 0x%03X: Pop without Push", at)
				}
				g = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			default:
				return d, fmt.Errorf("descriptor byte 0x%03X: unknown global item %02X", at, prefix)
			}
		case 2: // local
			switch tag {
			case 0x0:
				if len(l.usages) >= MaxUsages {
					return d, fmt.Errorf("descriptor byte 0x%03X: more than %d usages for one item", at, MaxUsages)
				}
				l.usages = append(l.usages, Usage(u))
				l.extended = append(l.extended, size == 4)
			case 0x1:
				l.min, l.minSet, l.minExt = Usage(u), true, size == 4
			case 0x2:
				l.max, l.maxSet, l.maxExt = Usage(u), true, size == 4
			default: // designators, strings, delimiters: nothing Earshot reads
			}
		default:
			return d, fmt.Errorf("descriptor byte 0x%03X: reserved item type in %02X", at, prefix)
		}
	}
	if len(open) > 0 {
		return d, fmt.Errorf("descriptor ends inside the collection at byte 0x%03X", d.Collections[open[len(open)-1]].Offset)
	}
	return d, nil
}

// addField turns one Input/Output/Feature item into a field.
func (d *Descriptor) addField(at int, kind Kind, flags Flags, g *globals, l *locals, open []int) error {
	if len(d.Fields) >= MaxFields {
		return fmt.Errorf("descriptor byte 0x%03X: more than %d fields", at, MaxFields)
	}
	key := reportKey{kind, g.reportID}
	offset := d.bits[key]
	bits := g.size * g.count
	if 1+(offset+bits+7)/8 > MaxReportLen {
		return fmt.Errorf("descriptor byte 0x%03X: %s report %d is longer than %d bytes", at, kind, g.reportID, MaxReportLen)
	}
	f := Field{
		Kind:       kind,
		ReportID:   g.reportID,
		UsagePage:  g.page,
		BitOffset:  offset,
		Size:       g.size,
		Count:      g.count,
		LogicalMin: g.logMin,
		LogicalMax: g.logMax,
		Flags:      flags,
		Collection: -1,
		Offset:     at,
	}
	// A Logical Maximum read as negative above a non-negative minimum is
	// an unsigned value in practice (26 FF 00 is common, 25 FF is not rare).
	if f.LogicalMin >= 0 && f.LogicalMax < f.LogicalMin && g.logMaxSize > 0 && g.logMaxSize < 4 {
		f.LogicalMax = int32(uint32(f.LogicalMax) & (1<<(8*g.logMaxSize) - 1))
	}
	if len(open) > 0 {
		f.Collection = open[len(open)-1]
	}
	for i, u := range l.usages {
		f.Usages = append(f.Usages, resolve(u, l.extended[i], g.page))
	}
	if l.minSet && l.maxSet && len(l.usages) == 0 {
		f.HasRange = true
		f.UsageMin = resolve(l.min, l.minExt, g.page)
		f.UsageMax = resolve(l.max, l.maxExt, g.page)
		if f.UsageMax < f.UsageMin {
			f.UsageMin, f.UsageMax = f.UsageMax, f.UsageMin
		}
	}
	d.Fields = append(d.Fields, f)
	d.bits[key] = offset + bits
	return nil
}

// resolve gives a usage its page: a 4-byte usage item carries its own, a
// shorter one takes the usage page current at the main item.
func resolve(u Usage, extended bool, page uint16) Usage {
	if extended {
		return u
	}
	return U(page, uint16(u))
}

func unsigned(data []byte) uint32 {
	var v uint32
	for i, x := range data {
		v |= uint32(x) << (8 * i)
	}
	return v
}

func signed(data []byte) int32 {
	v := unsigned(data)
	switch len(data) {
	case 1:
		return int32(int8(v))
	case 2:
		return int32(int16(v))
	}
	return int32(v)
}
