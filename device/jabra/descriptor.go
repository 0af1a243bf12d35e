package jabra

import (
	"github.com/earshot-app/earshot/device/hid/descriptor"
)

// FindLayout finds the GN collection in a raw report descriptor and sizes
// its frames from report 5's output and input items there. A descriptor
// that breaks off after the GN collection (a truncated dump) still counts:
// the parser returns the fields read before the bad item.
func FindLayout(desc []byte) (Layout, error) {
	d, _ := descriptor.Parse(desc)
	if d == nil {
		return Layout{}, ErrNoGN
	}
	return layoutOf(fieldsOf(d))
}

// fieldsOf lists the descriptor's input and output items with the usage
// page of the top-level collection each sits in.
func fieldsOf(d *descriptor.Descriptor) []reportField {
	var out []reportField
	for _, f := range d.Fields {
		if f.Kind != descriptor.Input && f.Kind != descriptor.Output {
			continue
		}
		out = append(out, reportField{
			output:   f.Kind == descriptor.Output,
			reportID: f.ReportID,
			page:     topPage(d, f.Collection),
			bits:     f.Size * f.Count,
		})
	}
	return out
}

// topPage is the usage page of the top-level collection that holds
// collection c (0 outside any).
func topPage(d *descriptor.Descriptor, c int) uint16 {
	for steps := 0; c >= 0 && c < len(d.Collections) && steps <= descriptor.MaxDepth; steps++ {
		if d.Collections[c].Parent < 0 {
			return d.Collections[c].UsagePage()
		}
		c = d.Collections[c].Parent
	}
	return 0
}
