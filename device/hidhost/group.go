package hidhost

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/earshot-app/earshot/device/hid"
)

// colSuffix is the part of a hidapi Windows path that names one top-level
// collection of an interface ("…&col02#…").
var colSuffix = regexp.MustCompile(`&col[0-9a-f]{2}`)

// groupKey names the physical interface an enumerated path belongs to. The
// OS may list the top-level collections of one USB interface apart (hidapi
// on Windows, scripted devices with several "hid" objects of one interface);
// they share vendor, product, serial number and interface number. Without a
// serial number, the path without its collection suffix. On hidraw each
// node is one USB interface, so every node is its own group.
func groupKey(in hid.Info) string {
	if in.Serial != "" {
		return fmt.Sprintf("%04x:%04x:%s:%d", in.VendorID, in.ProductID, in.Serial, in.Interface)
	}
	return colSuffix.ReplaceAllString(strings.ToLower(in.Path), "")
}

// group splits infos into the groups of groupKey, each sorted by path, in
// the order of their first path.
func group(infos []hid.Info) [][]hid.Info {
	byKey := map[string][]hid.Info{}
	var keys []string
	for _, in := range infos {
		k := groupKey(in)
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], in)
	}
	out := make([][]hid.Info, 0, len(keys))
	for _, k := range keys {
		g := byKey[k]
		slices.SortFunc(g, func(a, b hid.Info) int { return cmp.Compare(a.Path, b.Path) })
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b []hid.Info) int { return cmp.Compare(a[0].Path, b[0].Path) })
	return out
}
