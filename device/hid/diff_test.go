package hid

import (
	"reflect"
	"testing"
)

func TestDiffInfos(t *testing.T) {
	a := Info{Path: "/dev/hidraw0", VendorID: 0x047f}
	b := Info{Path: "/dev/hidraw1", VendorID: 0x0b0e}
	b2 := Info{Path: "/dev/hidraw1", VendorID: 0x27bb}
	c := Info{Path: "/dev/hidraw2", VendorID: 0x1395}
	cases := []struct {
		name  string
		known []Info
		now   []Info
		want  []Change
	}{
		{"nothing changed", []Info{a, b}, []Info{b, a}, nil},
		{"arrival", []Info{a}, []Info{a, c}, []Change{{Added: true, Info: c}}},
		{"removal", []Info{a, c}, []Info{c}, []Change{{Added: false, Info: a}}},
		{"another device on the same node", []Info{a, b}, []Info{a, b2}, []Change{{Added: false, Info: b}, {Added: true, Info: b2}}},
		{"removals first", []Info{c}, []Info{a}, []Change{{Added: false, Info: c}, {Added: true, Info: a}}},
		{"listed twice", nil, []Info{a, a}, []Change{{Added: true, Info: a}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			known := map[string]Info{}
			for _, i := range tc.known {
				known[i.Path] = i
			}
			if got := diffInfos(known, tc.now); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
