package jabra

import (
	"bytes"
	"testing"
)

// decodeSeeds are named frames of docs/hardware.md §2, and broken ones.
var decodeSeeds = []struct{ name, hex string }{
	{"battery reply", "05 00 08 06 CA 12 02 01 50 0F A0"},
	{"battery event", "05 00 04 00 0A 12 02 00 37 0F A0"},
	{"ACK without sub", "05 00 08 32 C5 FF"},
	{"NACK F4", "05 00 04 01 C6 FE F4"},
	{"chunk notice", "05 00 08 00 08 0F 1B 0A 00"},
	{"length past the end", "05 00 08 00 FF 12 02"},
	{"length under 5", "05 00 08 00 C3 12"},
	{"other report", "03 01"},
	{"empty", ""},
}

func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(mustHex(s.hex))
		f.Add(padded(mustHex(s.hex), 64))
	}
	f.Fuzz(func(t *testing.T, report []byte) {
		fr, err := Decode(report)
		if err != nil {
			return
		}
		n := 1 + fr.Len()
		if n > len(report) || len(fr.Payload) > len(report) {
			t.Fatalf("frame of %d bytes from a %d-byte report", n, len(report))
		}
		buf := make([]byte, len(report))
		if err := fr.Encode(buf); err != nil {
			t.Fatalf("a decoded frame does not encode: %v", err)
		}
		// Type and length are one byte; the rest of the header and the
		// payload come back as they were.
		if !bytes.Equal(buf[:n], report[:n]) {
			t.Fatalf("re-encoded % X, read % X", buf[:n], report[:n])
		}
	})
}

// FuzzPayloads feeds arbitrary frames to the parsers of what a device
// answers: battery, strings, variant and the settings' read-backs.
func FuzzPayloads(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(padded(mustHex(s.hex), 64))
	}
	f.Fuzz(func(t *testing.T, report []byte) {
		fr, err := Decode(report)
		if err != nil {
			return
		}
		if b, ok := parseBattery(fr.Payload); ok && (b.Level < 1 || b.Level > 100) {
			t.Fatalf("battery level %d", b.Level)
		}
		if s := lengthString(fr.Payload); len(s) > len(fr.Payload) {
			t.Fatalf("string %q longer than the payload", s)
		}
		if v := variant(fr.Payload); v != "" && len(v) != 5 {
			t.Fatalf("variant %q", v)
		}
		for _, st := range settingsTable {
			if v, err := st.decode(fr.Payload); err == nil {
				p, err := st.encode(v, fr.Payload)
				if err != nil {
					t.Fatalf("%s reads back %q, which it cannot write: %v", st.name, v, err)
				}
				if back, _ := st.decode(p); back != v {
					t.Fatalf("%s: %q writes % X, which reads %q", st.name, v, p, back)
				}
			}
		}
	})
}

// FuzzFindLayout: any descriptor gives a layout a GN frame fits, or none.
func FuzzFindLayout(f *testing.F) {
	f.Add(gnDescriptor)
	f.Add(mustHex("06 00 FF 09 01 A1 01 85 05 75 08 95 1F 91 02 95 1F 91 02 95 3E 81 02 C0"))
	f.Add(mustHex("06 00 FF 09 01 A1 01 85 05 06 20 FF 15 00 25 01 09 EA 75 01 95 03 81 07 C0"))
	f.Fuzz(func(t *testing.T, desc []byte) {
		l, err := FindLayout(desc)
		if err != nil {
			return
		}
		if l.Out < minReport || l.Out > maxReport || l.In < 1 || l.In > maxReport {
			t.Fatalf("layout %+v", l)
		}
		buf := make([]byte, l.Out)
		if err := (Frame{Dst: AddrUSB, Type: TypeGet, Cmd: 0x02, Sub: 0x00}).Encode(buf); err != nil {
			t.Fatalf("a GET does not fit layout %+v: %v", l, err)
		}
	})
}
