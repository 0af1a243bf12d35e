package hid

import "sort"

// diffInfos returns the changes that turn the known set into now: removals
// first, then arrivals, each in path order. An interface whose Info changed
// under the same path (another device got its node) is a removal and an
// arrival.
func diffInfos(known map[string]Info, now []Info) []Change {
	seen := make(map[string]Info, len(now))
	for _, i := range now {
		seen[i.Path] = i
	}
	var gone, added []Change
	for p, old := range known {
		if cur, ok := seen[p]; !ok || cur != old {
			gone = append(gone, Change{Added: false, Info: old})
		}
	}
	for _, i := range now {
		if seen[i.Path] != i {
			continue // listed twice: the last listing counts
		}
		if old, ok := known[i.Path]; !ok || old != i {
			added = append(added, Change{Added: true, Info: i})
		}
		delete(seen, i.Path)
	}
	sort.Slice(gone, func(a, b int) bool { return gone[a].Info.Path < gone[b].Info.Path })
	return append(gone, added...)
}
