package firmware

import (
	"fmt"
	"strconv"
	"strings"
)

// CompareVersions compares two dotted firmware versions numerically, part by
// part: "1.10.0" is newer than "1.9.2", and a missing part counts as 0, so
// "2.0" equals "2.0.0". A leading "v" is ignored. It returns -1, 0 or +1, or
// an error naming the part that is not a whole number.
func CompareVersions(a, b string) (int, error) {
	pa, err := versionParts(a)
	if err != nil {
		return 0, err
	}
	pb, err := versionParts(b)
	if err != nil {
		return 0, err
	}
	for i := range max(len(pa), len(pb)) {
		var x, y uint64
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		switch {
		case x < y:
			return -1, nil
		case x > y:
			return 1, nil
		}
	}
	return 0, nil
}

func versionParts(v string) ([]uint64, error) {
	s := strings.TrimPrefix(strings.TrimSpace(v), "v")
	if s == "" {
		return nil, fmt.Errorf("version %q is empty", v)
	}
	fields := strings.Split(s, ".")
	out := make([]uint64, len(fields))
	for i, f := range fields {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("version %q: part %d (%q) is not a whole number", v, i+1, f)
		}
		out[i] = n
	}
	return out, nil
}
