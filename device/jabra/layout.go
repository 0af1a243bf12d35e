package jabra

import (
	"errors"
	"fmt"
)

// GNPage is the vendor usage page of the top-level collection that carries
// GN frames (docs/hardware.md §2.1; its usage differs by model: 0x05 on the Link
// 390 and PRO 930, 0x01 on the Evolve2 65 Flex, so only the page counts).
const GNPage = 0xFF00

// minReport is the smallest report 5 that carries GN frames: a header and
// a few payload bytes. The older Speak 510 has a report 5 of one byte in
// the same collection, with its buttons; that is not a GN channel.
const minReport = 16

// maxReport bounds a report's size.
const maxReport = 4096

// Layout is the size in bytes, report ID included, of the GN output and
// input reports, as the report descriptor declares them (jabridge's tests
// see 63 and 64; docs/hardware.md §2.1).
type Layout struct {
	Out, In int
}

// ErrNoGN: the interface has no GN collection.
var ErrNoGN = errors.New("no GN protocol collection (usage page FF00, report 5)")

// reportField is one main item of the descriptor, as the report-descriptor
// parser gives it.
type reportField struct {
	output   bool // else input; feature items do not carry frames
	reportID byte
	page     uint16 // usage page of the top-level collection it is in
	bits     int    // report size × report count
}

// layoutOf sums report 5's output and input items inside top-level
// collections of page FF00 into report sizes.
func layoutOf(fields []reportField) (Layout, error) {
	var outBits, inBits int
	for _, f := range fields {
		if f.reportID != ReportID || f.page != GNPage {
			continue
		}
		if f.output {
			outBits += f.bits
		} else {
			inBits += f.bits
		}
	}
	l := Layout{Out: 1 + (outBits+7)/8, In: 1 + (inBits+7)/8}
	switch {
	case outBits == 0:
		return Layout{}, ErrNoGN
	case l.Out < minReport:
		return Layout{}, fmt.Errorf("%w: its report 5 output has %d bytes, too few for GN frames", ErrNoGN, l.Out)
	case l.Out > maxReport || l.In > maxReport:
		return Layout{}, fmt.Errorf("%w: its report 5 of %d/%d bytes is larger than any HID report Earshot reads", ErrNoGN, l.Out, l.In)
	}
	if inBits == 0 {
		l.In = l.Out // replies come in the same size
	}
	return l, nil
}
