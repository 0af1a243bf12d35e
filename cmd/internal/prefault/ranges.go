package prefault

// span is one mapping, [start, end).
type span struct{ start, end uintptr }

// maxSpans bounds what programRanges returns: a Go program has one text and
// one read-only data mapping, and a cgo one a few more.
const maxSpans = 8

// programRanges reads the start of /proc/self/maps and returns the
// program's code: the lines from the first on that name the same file as
// the first, keeping those whose permissions are r-xp. (Populating the
// read-only and the initialised data too cost as much as the faults it
// saved, once the program is installed; see docs/PERFORMANCE.md.) The
// program's own file is mapped lowest, so it comes first. A line it cannot
// read ends the list; what it returns is bounded by maxSpans and by the
// text given.
func programRanges(maps []byte) []span {
	var out []span
	var first []byte
	for len(maps) > 0 && len(out) < maxSpans {
		line := maps
		i := indexByte(maps, '\n')
		if i < 0 {
			break // a line cut by the read: its path may be cut too
		}
		line, maps = maps[:i], maps[i+1:]
		// 00400000-00a13000 r-xp 00000000 fe:00 1234   /usr/bin/earshotd
		f := fields(line, 6)
		if len(f) < 6 {
			break
		}
		if first == nil {
			first = f[5]
		} else if string(f[5]) != string(first) {
			break
		}
		lo, hi, ok := addresses(f[0])
		if !ok {
			break
		}
		if perm := string(f[1]); perm == "r-xp" {
			out = append(out, span{lo, hi})
		}
	}
	return out
}

// addresses reads "start-end" in hexadecimal.
func addresses(b []byte) (lo, hi uintptr, ok bool) {
	i := indexByte(b, '-')
	if i <= 0 || i == len(b)-1 {
		return 0, 0, false
	}
	lo, ok1 := hex(b[:i])
	hi, ok2 := hex(b[i+1:])
	return lo, hi, ok1 && ok2 && lo < hi
}

// maxHexDigits is how many hexadecimal digits a uintptr holds: 16, or 8 on
// a 32-bit system.
const maxHexDigits = 2 * (4 << (^uintptr(0) >> 63))

func hex(b []byte) (uintptr, bool) {
	if len(b) == 0 || len(b) > maxHexDigits {
		return 0, false
	}
	var v uintptr
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uintptr(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uintptr(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// fields splits on runs of spaces into at most n fields, the last taking
// the rest of the line (a path may hold spaces).
func fields(line []byte, n int) [][]byte {
	var out [][]byte
	for len(out) < n-1 {
		for len(line) > 0 && line[0] == ' ' {
			line = line[1:]
		}
		if len(line) == 0 {
			return out
		}
		i := indexByte(line, ' ')
		if i < 0 {
			return append(out, line)
		}
		out = append(out, line[:i])
		line = line[i:]
	}
	for len(line) > 0 && line[0] == ' ' {
		line = line[1:]
	}
	if len(line) > 0 {
		out = append(out, line)
	}
	return out
}

// indexByte is bytes.IndexByte: this package imports nothing, so that it is
// initialised first (prefault_linux.go).
func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
