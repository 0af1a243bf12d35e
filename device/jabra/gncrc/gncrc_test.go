package gncrc

import (
	"strings"
	"testing"
)

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestChecksum(t *testing.T) {
	for _, tc := range []struct {
		name  string
		image []byte
		want  uint32
	}{
		{"empty image", nil, 0xFFFFFFFF},
		{"ASCII 12345678", []byte("12345678"), 0xB5018E55},
		{"bytes 00..33", seq(52), 0x96EE4177},
		{"one zero byte (odd length)", []byte{0}, 0x0F958F26},
		{"ASCII 123456789 (odd length)", []byte("123456789"), 0x15F56281},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Checksum(tc.image); got != tc.want {
				t.Errorf("Checksum = %08X, want %08X", got, tc.want)
			}
		})
	}
}

// An odd image must not read outside its slice: give it one whose
// capacity goes on, with bytes that would change the sum if read.
func TestChecksumOddLengthStaysInside(t *testing.T) {
	backing := []byte("123456789XYZ")
	if got, want := Checksum(backing[:9]), Checksum([]byte("123456789")); got != want {
		t.Errorf("Checksum of a sub-slice = %08X, want %08X", got, want)
	}
}

func TestTableGenerator(t *testing.T) {
	if table[1] != Generator || table[0] != 0 {
		t.Errorf("table[1] = %08X, want the generator", table[1])
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    uint32
		wantErr bool
	}{
		{"0x96EE4177", 0x96EE4177, false},
		{" 0Xb5018e55 ", 0xB5018E55, false},
		{"4294967295", 0xFFFFFFFF, false},
		{"4294967296", 0, true},
		{"", 0, true},
		{"0x", 0, true},
		{"abc", 0, true},
		{"-1", 0, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("Parse(%q) = %08X, %v", tc.in, got, err)
			}
			if err != nil && !strings.Contains(err.Error(), "crc") {
				t.Errorf("error %q does not name the crc", err)
			}
		})
	}
	if Format(0x1A) != "0x0000001A" {
		t.Error(Format(0x1A))
	}
}

func BenchmarkChecksum1MiB(b *testing.B) {
	img := seq(1 << 20)
	b.SetBytes(int64(len(img)))
	for b.Loop() {
		Checksum(img)
	}
}
