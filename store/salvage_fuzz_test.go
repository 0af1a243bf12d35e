package store

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// leafPage builds a leaf page id of ps bytes holding kvs (bucket elements
// when a value is marked by a nil key before it is not supported: plain
// values only), for the fuzz seeds and the scan's own tests.
func leafPage(id uint64, ps int, flags uint16, kvs ...[]byte) []byte {
	page := make([]byte, ps)
	le := binary.LittleEndian
	le.PutUint64(page, id)
	le.PutUint16(page[8:], flags)
	n := len(kvs) / 2
	le.PutUint16(page[10:], uint16(n))
	data := pageHeaderSize + n*leafElemSize
	for i := range n {
		k, v := kvs[2*i], kvs[2*i+1]
		el := page[pageHeaderSize+i*leafElemSize:]
		le.PutUint32(el[4:], uint32(data-(pageHeaderSize+i*leafElemSize)))
		le.PutUint32(el[8:], uint32(len(k)))
		le.PutUint32(el[12:], uint32(len(v)))
		data += copy(page[data:], k)
		data += copy(page[data:], v)
	}
	return page
}

// FuzzSalvage: whatever bytes a damaged file holds, the raw scan never
// panics, stays within the file, and hands on only values whose seal is
// sound and names the bucket they are handed on for. The corpus
// (testdata/fuzz/FuzzSalvage) holds real store files written by the
// store, cut and damaged, and hand-made hostile pages.
func FuzzSalvage(f *testing.F) {
	packed, _ := packEvent(event(1))
	f.Add(append(make([]byte, 2*4096), leafPage(2, 4096, pageLeaf, sequenceKey(1), packed)...))
	huge := leafPage(2, 4096, pageLeaf, sequenceKey(1), packed)
	binary.LittleEndian.PutUint32(huge[12:], 1<<31) // an overflow far past the end
	binary.LittleEndian.PutUint16(huge[10:], 0xFFFF)
	f.Add(append(make([]byte, 2*4096), huge...))
	f.Fuzz(func(t *testing.T, data []byte) {
		rf := openRaw(bytes.NewReader(data), int64(len(data)))
		walk := newTreeWalk()
		walk.whole = true
		n := 0
		scanSalvage(rf, walk, func(v salvagedValue) bool {
			n++
			body, tg, err := openSeal(v.val)
			if err != nil || tg != v.t || !bytes.Equal(body, v.body) {
				t.Fatalf("handed on a value that does not open as its tag: %v", err)
			}
			if back, ok := tagFor(v.path); !ok || back != v.t {
				t.Fatalf("path %q does not match tag %+v", v.path, v.t)
			}
			if len(v.key) == 0 || len(v.val) > len(data) {
				t.Fatalf("a key of %d bytes, a value of %d from a file of %d", len(v.key), len(v.val), len(data))
			}
			return true
		})
		if n > len(data)/leafElemSize {
			t.Fatalf("%d values from %d bytes", n, len(data))
		}
	})
}

// TestRawScan: what the raw scan finds on hand-made pages.
func TestRawScan(t *testing.T) {
	const ps = 4096
	packed, _ := packEvent(event(1))
	dev := seal(tagOf(kindDevices), []byte(`{"name":"Jabra","lastSeen":"2026-01-02T03:04:05Z"}`))
	file := func(pages ...[]byte) []byte { return bytes.Join(append([][]byte{make([]byte, 2*ps)}, pages...), nil) }
	inline := func(k, v []byte) []byte {
		inner := leafPage(0, pageHeaderSize+leafElemSize+len(k)+len(v), pageLeaf, k, v)
		return append(make([]byte, bucketHdrSize), inner...) // root 0, sequence 0: inlined
	}
	nested := leafPage(2, ps, pageLeaf, []byte("events"), inline(sequenceKey(7), packed))
	binary.LittleEndian.PutUint32(nested[pageHeaderSize:], leafBucketFlag)
	badPos := leafPage(2, ps, pageLeaf, sequenceKey(1), packed)
	binary.LittleEndian.PutUint32(badPos[pageHeaderSize+4:], ps) // the key past the page
	wrongID := leafPage(9, ps, pageLeaf, sequenceKey(1), packed)
	branch := leafPage(2, ps, pageBranch, sequenceKey(1), packed)
	flipped := leafPage(2, ps, pageLeaf, sequenceKey(1), packed)
	flipped[pageHeaderSize+leafElemSize+8+3] ^= 1
	for _, tt := range []struct {
		name string
		data []byte
		want []string // tag paths of the values found
	}{
		{"an event", file(leafPage(2, ps, pageLeaf, sequenceKey(1), packed)), []string{"outbox/events"}},
		{"an event and a device", file(leafPage(2, ps, pageLeaf, sequenceKey(1), packed), leafPage(3, ps, pageLeaf, []byte("HS1"), dev)),
			[]string{"outbox/events", "devices"}},
		{"an inline bucket", file(nested), []string{"outbox/events"}},
		{"an element pointing past the page", file(badPos), nil},
		{"a page naming another id", file(wrongID), nil},
		{"a branch page", file(branch), nil},
		{"a flipped byte in the value", file(flipped), nil},
		{"an event under a key of the wrong shape", file(leafPage(2, ps, pageLeaf, []byte("k"), packed)), nil},
		{"a device record on a page cut short", file(leafPage(2, ps, pageLeaf, []byte("HS1"), dev))[:2*ps+100], nil},
		{"empty", nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			walk := newTreeWalk()
			walk.whole = true
			var got []string
			scanSalvage(openRaw(bytes.NewReader(tt.data), int64(len(tt.data))), walk, func(v salvagedValue) bool {
				got = append(got, printablePath(v.path))
				return true
			})
			if len(got) != len(tt.want) {
				t.Fatalf("found %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("found %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// FuzzRepairFile: whatever a damaged file holds, a repair never panics,
// and what it leaves is a sound store.
func FuzzRepairFile(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.db")
	s, err := Open(path, Options{})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a")); err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 40; i += 10 {
		var evs []OutboxEvent
		for j := i; j < i+10; j++ {
			evs = append(evs, event(j+1))
		}
		enqueue(f, s, evs...)
	}
	if err := s.SaveCall(endedCall("c1", "HS1", t0, time.Minute, 2)); err != nil {
		f.Fatal(err)
	}
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	if h, ok := readHeader(bytes.NewReader(raw), int64(len(raw))); ok {
		raw = raw[:int(h.pgid)*int(h.pageSize)]
	}
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add(raw[:len(raw)/3+100])
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "earshot.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := RepairFile(path, t0); err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("the repaired file does not open: %v", err)
		}
		defer s.Close()
		if rep, err := s.Verify(); err != nil || !rep.OK() {
			t.Fatalf("the repaired file is not sound: %+v, %v", rep, err)
		}
	})
}
