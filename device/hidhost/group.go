package hidhost

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/earshot-app/earshot/device/hid"
)

// dropColSuffixes removes from a lower-case path every part that names one
// top-level collection of an interface on a hidapi Windows path ("…&col02#…":
// "&col" and two hexadecimal digits). A plain scan, not a regular expression
// compiled at package initialisation, which every command would pay for.
func dropColSuffixes(p string) string {
	const tag = "&col"
	var b strings.Builder
	for {
		i := strings.Index(p, tag)
		if i < 0 {
			break
		}
		end := i + len(tag) + 2
		if end > len(p) || !isLowerHex(p[end-2]) || !isLowerHex(p[end-1]) {
			b.WriteString(p[:i+1])
			p = p[i+1:]
			continue
		}
		b.WriteString(p[:i])
		p = p[end:]
	}
	if b.Len() == 0 {
		return p
	}
	b.WriteString(p)
	return b.String()
}

func isLowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

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
	return dropColSuffixes(strings.ToLower(in.Path))
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
