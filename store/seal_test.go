package store

import (
	"bytes"
	"errors"
	"testing"
)

func TestSeal(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    []byte
		ok   bool
	}{
		{"sealed", seal([]byte(`{"a":1}`)), true},
		{"sealed empty", seal(nil), true},
		{"a flipped bit", func() []byte { v := seal([]byte(`{"a":1}`)); v[2] ^= 4; return v }(), false},
		{"a flipped checksum", func() []byte { v := seal([]byte(`{"a":1}`)); v[len(v)-1] ^= 1; return v }(), false},
		{"unsealed", []byte(`{"a":1}`), false},
		{"too short", []byte{1, 2, 3}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body, err := unseal(tt.v)
			if (err == nil) != tt.ok {
				t.Fatalf("unseal: %v", err)
			}
			if err != nil && !errors.Is(err, ErrDamaged) {
				t.Errorf("error %v does not wrap ErrDamaged", err)
			}
			if err == nil && !bytes.Equal(seal(body), tt.v) {
				t.Error("sealing the body again differs")
			}
		})
	}
}

// FuzzUnseal: whatever a damaged file holds, opening a seal never panics,
// and what it accepts seals back to the same bytes.
func FuzzUnseal(f *testing.F) {
	f.Add(seal([]byte(`{"name":"Jabra"}`)))
	f.Add(seal(nil))
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{0xe3, 0x06, 0x9e, 0x83}) // four bytes: an empty value with some checksum
	f.Fuzz(func(t *testing.T, v []byte) {
		body, err := unseal(v)
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("error %v does not wrap ErrDamaged", err)
			}
			return
		}
		if !bytes.Equal(seal(body), v) {
			t.Fatalf("accepted %x, which does not seal back", v)
		}
	})
}
