package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime/debug"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// scan visits the values of b (not of its nested buckets) in key order
// and returns the names of its nested buckets. A panic on a damaged page,
// or a key that does not sort after the one before (a damaged page leading
// the cursor astray), becomes lost(err, r), r being the keys that could not
// be read; the scan then goes on past the damaged page (probePast), so one
// damaged page loses only what it held.
func scan(b *bolt.Bucket, value func(k, v []byte), lost func(err error, r keyRange)) (nested [][]byte) {
	var prev []byte // the last key visited; nil before the first
	from := []byte(nil)
	for range maxDamagedRegions {
		done, err := scanFrom(b, from, &prev, value, func(k []byte) { nested = append(nested, slices.Clone(k)) })
		if done {
			return nested
		}
		after := slices.Clone(prev)
		last := from
		var ok bool
		if from, ok = probePast(b, prev); !ok {
			lost(err, keyRange{after: after})
			return nested
		}
		if last != nil && bytes.Compare(from, last) <= 0 {
			// No progress: what follows cannot be reached.
			lost(err, keyRange{after: after})
			return nested
		}
		lost(err, keyRange{after: after, before: slices.Clone(from)})
	}
	lost(fmt.Errorf("%w: more than %d damaged regions; the rest is not read", ErrDamaged, maxDamagedRegions), keyRange{after: slices.Clone(prev)})
	return nested
}

// maxSaneValue is larger than any value the store writes (an event body is
// capped at 256 KiB): a longer one is read from a damaged page.
const maxSaneValue = 4 << 20

// maxDamagedRegions bounds how many damaged regions one bucket's scan
// steps over.
const maxDamagedRegions = 1000

// scanFrom visits the keys from from (the first when nil) that sort after
// *prev; done is false when damage stopped it (err says what).
func scanFrom(b *bolt.Bucket, from []byte, prev *[]byte, value func(k, v []byte), bucket func(k []byte)) (done bool, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			done, err = false, damage(r)
		}
	}()
	c := b.Cursor()
	var k, v []byte
	if from == nil {
		k, v = c.First()
	} else {
		k, v = c.Seek(from)
	}
	for ; k != nil; k, v = c.Next() {
		if len(k) > bolt.MaxKeySize || len(v) > maxSaneValue {
			err := fmt.Errorf("%w: an entry of impossible size after %x", ErrDamaged, *prev)
			if len(k) <= bolt.MaxKeySize && (*prev == nil || bytes.Compare(k, *prev) > 0) {
				*prev = append((*prev)[:0], k...) // step over it
			}
			return false, err
		}
		if *prev != nil && bytes.Compare(k, *prev) <= 0 {
			if from != nil && bytes.Compare(k, from) < 0 {
				return false, fmt.Errorf("%w: keys out of order after %x", ErrDamaged, *prev)
			}
			if bytes.Equal(k, *prev) {
				continue
			}
			return false, fmt.Errorf("%w: keys out of order after %x", ErrDamaged, *prev)
		}
		*prev = append((*prev)[:0], k...)
		if v == nil {
			bucket(k)
			continue
		}
		value(k, v)
	}
	return true, nil
}

// probePast finds where reading can go on after prev when the page after
// it is damaged: it seeks ever further past prev (reading the key's first 8
// bytes as a number) until a seek lands on a readable page, narrows that
// down to the first such seek, and returns the first readable key after
// prev on the page it landed on. ok is false when nothing readable follows.
func probePast(b *bolt.Bucket, prev []byte) (from []byte, ok bool) {
	var base uint64
	if prev != nil {
		var p [8]byte
		copy(p[:], prev)
		base = binary.BigEndian.Uint64(p[:])
	}
	probe := func(n uint64) (landed []byte, readable bool) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if recover() != nil {
				landed, readable = nil, false
			}
		}()
		k, _ := b.Cursor().Seek(binary.BigEndian.AppendUint64(nil, n))
		if len(k) > bolt.MaxKeySize {
			return nil, false
		}
		return slices.Clone(k), true
	}
	// Grow the step until a seek reads.
	var hi uint64
	for d := uint64(1); ; d *= 2 {
		if base+d < base {
			return nil, false // past the last possible key
		}
		if k, readable := probe(base + d); readable {
			if k == nil {
				return nil, false
			}
			hi = d
			break
		}
		if d == 1<<63 {
			return nil, false
		}
	}
	// The smallest step that reads.
	lo := hi / 2
	for lo+1 < hi {
		mid := lo + (hi-lo)/2
		if k, readable := probe(base + mid); readable && k != nil {
			hi = mid
		} else {
			lo = mid
		}
	}
	landed, _ := probe(base + hi)
	if landed == nil {
		return nil, false
	}
	// Keys on that page before where the seek landed, still after prev.
	from = landed
	func() {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() { _ = recover() }()
		c := b.Cursor()
		c.Seek(landed)
		for k, _ := c.Prev(); k != nil && len(k) <= bolt.MaxKeySize && (prev == nil || bytes.Compare(k, prev) > 0); k, _ = c.Prev() {
			from = slices.Clone(k)
		}
	}()
	return from, true
}

// nested opens the bucket name inside b; nil (and lost called) when a
// damaged page stops it.
func nested(b *bolt.Bucket, name []byte, lost func(err error)) (out *bolt.Bucket) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			lost(damage(r))
			out = nil
		}
	}()
	if out = b.Bucket(name); out == nil {
		lost(fmt.Errorf("%w: the bucket cannot be opened", ErrDamaged))
	}
	return out
}

// sequence is b's sequence, 0 when a damaged page hides it.
func sequence(b *bolt.Bucket) (seq uint64) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() { _ = recover() }()
	return b.Sequence()
}

func printable(k []byte) string {
	for _, c := range k {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%x", k)
		}
	}
	return string(k)
}
