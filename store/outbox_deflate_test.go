package store

import (
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// inflate decodes a stream of the outbox encoder with compress/flate, as
// unpackEvent does.
func inflate(t testing.TB, stream []byte) []byte {
	t.Helper()
	got, err := io.ReadAll(flate.NewReaderDict(bytes.NewReader(stream), eventDictV1))
	if err != nil {
		t.Fatalf("compress/flate cannot read the stream: %v", err)
	}
	return got
}

// stdDeflate is the encoder format 1 was written with before: compress/flate
// at its default level with the same dictionary.
func stdDeflate(t testing.TB, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriterDict(&buf, flate.DefaultCompression, eventDictV1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDictDeflateRoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.IntN(256))
		}
		return b
	}
	cases := []struct {
		name string
		body []byte
	}{
		{"empty", nil},
		{"one byte", []byte("{")},
		{"three bytes, shorter than a match", []byte(`{"E`)},
		{"typical event", event(7).Body},
		{"the dictionary itself", eventDictV1},
		{"the dictionary twice", append(append([]byte{}, eventDictV1...), eventDictV1...)},
		{"a run of one byte (overlapping copies)", bytes.Repeat([]byte{'x'}, 1000)},
		{"longest matches (258) back to back", bytes.Repeat([]byte("abcdefgh"), 200)},
		{"random bytes (incompressible)", random(5000)},
		{"every byte value", func() []byte {
			b := make([]byte, 512)
			for i := range b {
				b[i] = byte(i)
			}
			return b
		}()},
		{"repeats beyond the 32 KiB window", func() []byte {
			chunk := random(20000)
			return append(append(append([]byte{}, chunk...), random(20000)...), chunk...)
		}()},
		{"largest body", bytes.Repeat([]byte(strings.Repeat("A", 1000)+`,"CallId":null,`), maxBodySize/1015+1)[:maxBodySize]},
		{"dictionary pieces far into a long body", append(random(40000), event(3).Body...)},
	}
	d := &dictDeflater{x: eventDictIndex()}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Twice through one encoder: the second call must not see the
			// first's positions.
			for range 2 {
				out := d.deflate(nil, c.body)
				if got := inflate(t, out); !bytes.Equal(got, c.body) {
					t.Fatalf("round trip: got %d bytes, want %d", len(got), len(c.body))
				}
				// Fixed codes: at most 9 bits a literal, plus the block's
				// 3-bit header and 7-bit end.
				if limit := (len(c.body)*9+10+7)/8 + 1; len(out) > limit {
					t.Errorf("%d bytes for %d: over the literal-only bound %d", len(out), len(c.body), limit)
				}
			}
		})
	}
}

// TestDictDeflateEpochWrap: after 2^32 calls the epoch tags start again; an
// encoder whose counter wraps clears its table rather than match against a
// stale position.
func TestDictDeflateEpochWrap(t *testing.T) {
	d := &dictDeflater{x: eventDictIndex()}
	first := bytes.Repeat([]byte("0123456789"), 50)
	d.deflate(nil, first)
	d.epoch = ^uint32(0) // the next call wraps
	for _, body := range [][]byte{[]byte("abcdefghij-0123"), first} {
		if got := inflate(t, d.deflate(nil, body)); !bytes.Equal(got, body) {
			t.Fatalf("after the wrap: got %q", got)
		}
	}
	if d.epoch != 2 {
		t.Errorf("epoch after the wrap = %d, want 2", d.epoch)
	}
}

// TestDictDeflateSize: on typical events the encoder is within a few bytes
// of compress/flate at its default level, which format 1 was written with.
func TestDictDeflateSize(t *testing.T) {
	d := &dictDeflater{x: eventDictIndex()}
	for _, n := range []int{1, 7, 42, 99} {
		body := event(n).Body
		ours, std := len(d.deflate(nil, body)), len(stdDeflate(t, body))
		if ours > std+std/10 {
			t.Errorf("event %d: %d bytes, compress/flate %d", n, ours, std)
		}
	}
}

// TestUnpackOldEncoder: values written by compress/flate (every outbox file
// before this encoder) still decode.
func TestUnpackOldEncoder(t *testing.T) {
	e := event(5)
	v := []byte{packFormatV1, byte(len(e.ID))}
	v = append(v, e.ID...)
	v = append(v, byte(len(e.Type)))
	v = append(v, e.Type...)
	v = append(v, stdDeflate(t, e.Body)...)
	got, err := unpackEvent(seal(tagOf(kindEvents), v))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != e.ID || got.Type != e.Type || !bytes.Equal(got.Body, e.Body) {
		t.Errorf("got %+v", got)
	}
}

// FuzzDictDeflate: whatever the body, compress/flate reads back exactly it.
func FuzzDictDeflate(f *testing.F) {
	f.Add(event(1).Body)
	f.Add(eventDictV1)
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	f.Add([]byte{})
	d := &dictDeflater{x: eventDictIndex()}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxBodySize {
			return
		}
		if got := inflate(t, d.deflate(nil, body)); !bytes.Equal(got, body) {
			t.Fatalf("round trip of %d bytes failed", len(body))
		}
	})
}
