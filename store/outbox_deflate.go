package store

import (
	"math/bits"
	"sync"
)

// The outbox's DEFLATE encoder. An event body is a flat JSON object that
// differs from eventDictV1 mostly in its values, so nearly all of it is a
// few long matches into the preset dictionary. compress/flate finds the
// same matches, but every Reset clears its 640 KB of hash tables and every
// Close builds dynamic Huffman tables for a couple of hundred bytes: about
// 25 µs an event on a quiet machine and ten times that on a busy one, paid
// by every durable enqueue, and a writer whose 650 KB the garbage collector
// frees between the idle service's events, so the next event allocates it
// again. This encoder writes the format 1 stream compress/flate reads
// (one final block with the fixed Huffman codes of RFC 1951 §3.2.6),
// matching greedily through a hash index of the dictionary, built once, and
// of the body, which needs no clearing between events. On a typical event
// its output is as small as compress/flate's at its default level
// (BenchmarkPackEvent).

const (
	dfHashBits = 12
	dfHashSize = 1 << dfHashBits
	dfMinMatch = 4
	dfMaxMatch = 258
	dfWindow   = 32768 // the farthest a match may reach back
	dfDepth    = 16    // dictionary candidates tried per position
	// dfKeepBuf is the largest buffer a pooled encoder keeps between events.
	dfKeepBuf = 64 << 10
)

// dictIndex is a hash index of a preset dictionary: head holds, for each
// hash of 4 bytes, the last position in the dictionary with it (plus one;
// 0 for none), and prev chains each position to the previous one with the
// same hash.
type dictIndex struct {
	dict []byte
	head [dfHashSize]int32
	prev []int32
}

func newDictIndex(dict []byte) *dictIndex {
	x := &dictIndex{dict: dict, prev: make([]int32, len(dict))}
	for i := 0; i+dfMinMatch <= len(dict); i++ {
		h := dfHash(dict, i)
		x.prev[i] = x.head[h]
		x.head[h] = int32(i + 1)
	}
	return x
}

// eventDictIndex is eventDictV1's index, built on first use.
var eventDictIndex = sync.OnceValue(func() *dictIndex { return newDictIndex(eventDictV1) })

// dictDeflater compresses bodies against one dictionary. recent holds, for
// each hash, the last body position with it, tagged with the call's epoch in
// the upper 32 bits, so entries of earlier calls are ignored without
// clearing the table. Not safe for concurrent use; deflaters pools them.
type dictDeflater struct {
	x      *dictIndex
	epoch  uint32
	recent [dfHashSize]uint64
	buf    []byte // the dictionary followed by the body
}

var deflaters = sync.Pool{New: func() any { return &dictDeflater{x: eventDictIndex()} }}

func dfHash(b []byte, i int) uint32 {
	v := uint32(b[i]) | uint32(b[i+1])<<8 | uint32(b[i+2])<<16 | uint32(b[i+3])<<24
	return (v * 2654435761) >> (32 - dfHashBits)
}

// deflate appends to dst body compressed as a complete DEFLATE stream whose
// matches may reach into the dictionary.
func (d *dictDeflater) deflate(dst, body []byte) []byte {
	d.epoch++
	if d.epoch == 0 { // wrapped: old tags would look current
		clear(d.recent[:])
		d.epoch = 1
	}
	tag := uint64(d.epoch) << 32
	dict := d.x.dict
	d.buf = append(append(d.buf[:0], dict...), body...)
	b := d.buf
	w := bitWriter{out: dst}
	w.put(1|1<<1, 3) // BFINAL, BTYPE 01: fixed Huffman codes
	for i := len(dict); i < len(b); {
		if i+dfMinMatch <= len(b) {
			h := dfHash(b, i)
			bestLen, bestDist := 0, 0
			if r := d.recent[h]; r&^0xffffffff == tag {
				if c := int(uint32(r)); i-c <= dfWindow {
					bestLen, bestDist = matchLen(b, c, i), i-c
				}
			}
			for c, n := int(d.x.head[h])-1, 0; c >= 0 && n < dfDepth && i-c <= dfWindow; c, n = int(d.x.prev[c])-1, n+1 {
				if l := matchLen(b, c, i); l > bestLen {
					bestLen, bestDist = l, i-c
				}
			}
			d.recent[h] = tag | uint64(i)
			if bestLen >= dfMinMatch {
				w.match(bestLen, bestDist)
				end := i + bestLen
				for j := i + 1; j < end && j+dfMinMatch <= len(b); j++ {
					d.recent[dfHash(b, j)] = tag | uint64(j)
				}
				i = end
				continue
			}
		}
		w.symbol(int(b[i]))
		i++
	}
	w.symbol(256) // end of block
	w.flush()
	if cap(d.buf) > dfKeepBuf {
		d.buf = nil
	}
	return w.out
}

// matchLen is how many bytes from b[i] repeat those from b[c] (c < i), at
// most dfMaxMatch.
func matchLen(b []byte, c, i int) int {
	n := min(len(b)-i, dfMaxMatch)
	l := 0
	for l < n && b[c+l] == b[i+l] {
		l++
	}
	return l
}

// bitWriter packs DEFLATE's bit stream: fields from their least
// significant bit, Huffman codes from their most significant.
type bitWriter struct {
	out []byte
	acc uint64
	n   uint
}

func (w *bitWriter) put(v uint32, n uint) {
	w.acc |= uint64(v) << w.n
	w.n += n
	for w.n >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

func (w *bitWriter) flush() {
	if w.n > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc, w.n = 0, 0
	}
}

// symbol writes a literal/length symbol's fixed Huffman code (RFC 1951
// §3.2.6): 0–143 in 8 bits from 0x30, 144–255 in 9 from 0x190, 256–279 in 7
// from 0, 280–287 in 8 from 0xC0; codes go out from their most significant
// bit, hence reversed.
func (w *bitWriter) symbol(s int) {
	var c, n uint32
	switch {
	case s < 144:
		c, n = 0x30+uint32(s), 8
	case s < 256:
		c, n = 0x190+uint32(s-144), 9
	case s < 280:
		c, n = uint32(s-256), 7
	default:
		c, n = 0xC0+uint32(s-280), 8
	}
	w.put(bits.Reverse32(c)>>(32-n), uint(n))
}

// match writes a copy of length bytes from dist back: the length's symbol
// (257–285) and extra bits, then the distance's 5-bit code (0–29) and extra
// bits (RFC 1951 §3.2.5).
func (w *bitWriter) match(length, dist int) {
	switch x := uint32(length - 3); {
	case x == 255:
		w.symbol(285)
	case x < 8:
		w.symbol(257 + int(x))
	default:
		nb := uint(bits.Len32(x)) - 1 // ≥ 3
		w.symbol(257 + 4*int(nb-1) + int(x>>(nb-2)&3))
		w.put(x&(1<<(nb-2)-1), nb-2)
	}
	x := uint32(dist - 1)
	if x < 4 {
		w.put(bits.Reverse32(x)>>27, 5)
		return
	}
	nb := uint(bits.Len32(x)) - 1 // ≥ 2
	code := 2*uint32(nb) + x>>(nb-1)&1
	w.put(bits.Reverse32(code)>>27, 5)
	w.put(x&(1<<(nb-1)-1), nb-1)
}
