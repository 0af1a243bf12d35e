package prefault

import (
	"reflect"
	"strings"
	"testing"
)

const mapsStatic = `00400000-00a13000 r-xp 00000000 fe:00 10028224                           /usr/bin/earshotd
00a13000-010c4000 r--p 00613000 fe:00 10028224                           /usr/bin/earshotd
010c4000-0113b000 rw-p 00cc4000 fe:00 10028224                           /usr/bin/earshotd
0113b000-0317f000 rw-p 00000000 00:00 0
c000000000-c004000000 rw-p 00000000 00:00 0
`

// A path with spaces, a cgo program's extra mappings and then another file.
const mapsSpaces = `5581a0000000-5581a0100000 r--p 00000000 fe:00 77   /opt/my tools/earshotd
5581a0100000-5581a0900000 r-xp 00100000 fe:00 77   /opt/my tools/earshotd
5581a0900000-5581a0a00000 r--p 00900000 fe:00 77   /opt/my tools/earshotd
5581a0a00000-5581a0a10000 rw-p 00a00000 fe:00 77   /opt/my tools/earshotd
7f0000000000-7f0000100000 r-xp 00000000 fe:00 88   /usr/lib/x86_64-linux-gnu/libc.so.6
`

// sp is a span from 64-bit values (a constant above 4 GiB does not convert
// to a 32-bit uintptr).
func sp(lo, hi uint64) span { return span{uintptr(lo), uintptr(hi)} }

func TestProgramRanges(t *testing.T) {
	for _, tc := range []struct {
		name, maps string
		want       []span
	}{
		{"static", mapsStatic, []span{{0x400000, 0xa13000}}},
		{"spaces and a library after", mapsSpaces, []span{sp(0x5581a0100000, 0x5581a0900000)}},
		{"cut line", mapsStatic[:150], []span{{0x400000, 0xa13000}}},
		{"empty", "", nil},
		{"bad address", "zz-10 r-xp 0 0:0 1 /x\n", nil},
		{"reversed", "2000-1000 r-xp 0 0:0 1 /x\n", nil},
		{"too long", "11112222333344445-11112222333344446 r-xp 0 0:0 1 /x\n", nil},
		{"no path", "1000-2000 r-xp 0 0:0 1\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ^uintptr(0)>>32 == 0 && strings.Contains(tc.maps, "5581a0") {
				t.Skip("64-bit addresses on a 32-bit system")
			}
			if got := programRanges([]byte(tc.maps)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("programRanges = %x, want %x", got, tc.want)
			}
		})
	}
}

// FuzzProgramRanges: whatever the text, no panic, at most maxSpans ranges,
// each non-empty.
func FuzzProgramRanges(f *testing.F) {
	f.Add([]byte(mapsStatic))
	f.Add([]byte(mapsSpaces))
	f.Add([]byte("1-2 r-xp\n"))
	f.Fuzz(func(t *testing.T, maps []byte) {
		got := programRanges(maps)
		if len(got) > maxSpans {
			t.Fatalf("%d ranges", len(got))
		}
		for _, r := range got {
			if r.start >= r.end {
				t.Fatalf("empty range %x", r)
			}
		}
	})
}
