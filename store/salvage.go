package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"slices"
	"time"
)

// The salvage reads a damaged file page by page, without its tree: every
// leaf page (and every bucket inlined in one) is recognised by its page
// header, and every value on it whose seal is sound is handed on with the
// bucket its tag names (seal.go). It is what keeps the events of a
// truncated file, whose root and branch pages (written last, often at the
// end) are gone while most leaf pages survive.
//
// The file's layout, as bbolt writes it (facts of the format, checked
// here on every offset):
//
//	page     id u64 | flags u16 | count u16 | overflow u32 | data…   (16-byte header)
//	leaf     count elements of flags u32 | pos u32 | ksize u32 | vsize u32, each 16 bytes;
//	         an element's key starts pos bytes after the element itself, its value follows the key
//	bucket   a leaf element with flag 1: its value is root u64 | sequence u64, and when root is 0
//	         the bucket's own leaf page follows inline
//	freelist count u16 (0xFFFF: the real count is the first u64) ids u64…
//	meta     page 0 and 1: magic | version | page size | flags | root (2×u64) | freelist | pgid | txid | checksum
//
// Old copies: bbolt never overwrites a page in use; it writes changed pages
// elsewhere and frees the old ones, which keep their bytes until reused. A
// scan of the raw file therefore also finds stale copies of values since
// changed or deleted. salvageInto (repair.go) decides what to take: see
// docs/RELIABILITY.md for the rules and their limits.

// Bounds of the raw scan.
const (
	minPageSize = 512
	maxPageSize = 1 << 16
	// maxLeafSpan bounds a leaf page with its overflow pages: values are at
	// most maxSaneValue, so a longer leaf has a damaged header.
	maxLeafSpan = 2*maxSaneValue + maxPageSize
	// maxFreelistSpan bounds the freelist page: 8 bytes a page of a file of
	// 64 GiB at 4 KiB pages.
	maxFreelistSpan = 128 << 20
	// maxInlineDepth bounds buckets inlined in buckets inlined in leaves.
	maxInlineDepth = 8
	leafElemSize   = 16
	bucketHdrSize  = 16
	leafBucketFlag = 0x01
)

// rawFile is a damaged file read page by page.
type rawFile struct {
	r    io.ReaderAt
	size int64
	ps   int64
	// free holds the pages the newest readable freelist lists as free;
	// nil when no freelist could be read.
	free map[uint64]bool
	meta header // the meta page used, when valid
	// eventsSeq is the highest sequence of any copy of the outbox's
	// events bucket that leaves found (the only bucket of that name): the
	// queue's sequence only grows, so the highest copy is the newest.
	eventsSeq uint64
}

// openRaw works out the page size (from a valid meta page; else the one
// under which most of the first pages name themselves) and reads the
// freelist when one is readable.
func openRaw(r io.ReaderAt, size int64) *rawFile {
	f := &rawFile{r: r, size: size}
	metas := readMetas(r, size)
	if len(metas) > 0 {
		f.ps = int64(metas[0].pageSize)
	} else {
		f.ps = guessPageSize(r, size)
	}
	for _, m := range metas {
		if free, ok := f.readFreelist(m); ok {
			f.free, f.meta = free, m
			break
		}
	}
	return f
}

// guessPageSize tries the OS page size and the common sizes: the one under
// which the most of the first 256 pages carry their own id wins.
func guessPageSize(r io.ReaderAt, size int64) int64 {
	best, bestN := int64(os.Getpagesize()), -1
	hdr := make([]byte, pageHeaderSize)
	for _, ps := range []int64{int64(os.Getpagesize()), 4096, 8192, 16384, 65536} {
		if ps < minPageSize || ps > maxPageSize {
			continue
		}
		n := 0
		for id := int64(2); id < 258 && (id+1)*ps <= size; id++ {
			if _, err := r.ReadAt(hdr, id*ps); err == nil && int64(binary.LittleEndian.Uint64(hdr)) == id {
				n++
			}
		}
		if n > bestN {
			best, bestN = ps, n
		}
	}
	return best
}

// readMetas returns the valid meta pages, newest first.
func readMetas(r io.ReaderAt, size int64) []header {
	var out []header
	h0, ok0 := readMeta(r, size, 0)
	if ok0 {
		out = append(out, h0)
	}
	ps := int64(os.Getpagesize())
	if ok0 {
		ps = int64(h0.pageSize)
	}
	for _, off := range []int64{ps, 4096, 16384, 65536} {
		if h1, ok := readMeta(r, size, off); ok && (!ok0 || h1.pageSize == h0.pageSize) && int64(h1.pageSize) == off {
			out = append(out, h1)
			break
		}
	}
	if len(out) == 2 && out[1].txid > out[0].txid {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

// readFreelist reads the freelist m names; ok is false when it is not a
// sound freelist page within the file.
func (f *rawFile) readFreelist(m header) (map[uint64]bool, bool) {
	if m.freelist < 2 || m.freelist >= m.pgid || int64(m.freelist) > f.size/f.ps {
		return nil, false
	}
	off := int64(m.freelist) * f.ps
	hdr := make([]byte, pageHeaderSize)
	if _, err := f.r.ReadAt(hdr, off); err != nil {
		return nil, false
	}
	le := binary.LittleEndian
	if le.Uint64(hdr) != m.freelist || le.Uint16(hdr[8:]) != pageFreelist {
		return nil, false
	}
	span := (int64(le.Uint32(hdr[12:])) + 1) * f.ps
	if span > maxFreelistSpan || off+span > f.size {
		return nil, false
	}
	buf := make([]byte, span)
	if _, err := f.r.ReadAt(buf, off); err != nil {
		return nil, false
	}
	count, ids := int64(le.Uint16(buf[10:])), buf[pageHeaderSize:]
	if count == 0xFFFF {
		if len(ids) < 8 {
			return nil, false
		}
		c := le.Uint64(ids)
		if c > uint64(len(ids)/8) {
			return nil, false
		}
		count, ids = int64(c), ids[8:]
	}
	if count*8 > int64(len(ids)) {
		return nil, false
	}
	free := make(map[uint64]bool, count)
	for i := range count {
		id := le.Uint64(ids[i*8:])
		if id < 2 || id >= m.pgid {
			return nil, false
		}
		free[id] = true
	}
	return free, true
}

// rawValue is one value found on a leaf page.
type rawValue struct {
	pgid uint64 // the leaf page (the page holding the inline bucket, for one)
	free bool   // the page is free by the freelist read (always false without one)
	key  []byte // valid only during the visit
	val  []byte // valid only during the visit
}

// leaves visits every value of every leaf page and of every bucket inlined
// in one, in page order. Nothing is trusted: a page counts as a leaf only
// when its header names its own id and the leaf flag, every element is
// checked to lie within the page, and a leaf whose overflow runs past the
// end of the file is read as far as the file goes. Memory is bounded by
// maxLeafSpan; time by the file's size. It stops after the page on which
// visit returns false.
func (f *rawFile) leaves(visit func(rawValue) (more bool)) {
	if f.ps < minPageSize || f.ps > maxPageSize {
		return
	}
	le := binary.LittleEndian
	hdr := make([]byte, pageHeaderSize)
	var buf []byte
	pages := f.size / f.ps
	for id := int64(2); id < pages; id++ {
		off := id * f.ps
		if _, err := f.r.ReadAt(hdr, off); err != nil {
			return
		}
		if int64(le.Uint64(hdr)) != id || le.Uint16(hdr[8:]) != pageLeaf {
			continue
		}
		span := (int64(le.Uint32(hdr[12:])) + 1) * f.ps
		if span > maxLeafSpan {
			span = f.ps // a damaged overflow count: read the first page only
		}
		span = min(span, f.size-off)
		buf = slices.Grow(buf[:0], int(span))[:span]
		if n, err := f.r.ReadAt(buf, off); err != nil && n < len(buf) {
			buf = buf[:n]
		}
		free, more := f.free[uint64(id)], true
		leafValues(buf, 0, func(k, v []byte) {
			more = visit(rawValue{pgid: uint64(id), free: free, key: k, val: v}) && more
		}, func(name []byte, seq uint64) {
			if string(name) == bucketOutboxEvents {
				f.eventsSeq = max(f.eventsSeq, seq)
			}
		})
		if !more {
			return
		}
		// The overflow pages are scanned too: a damaged header may claim
		// pages that are leaves of their own, and a continuation page is
		// taken for a leaf only if its first bytes happen to name it.
	}
}

// leafValues visits the values of the leaf page at the start of page
// (its header included), and those of the buckets inlined in it; bucket
// is told each nested bucket's name and sequence.
func leafValues(page []byte, depth int, visit func(k, v []byte), bucket func(name []byte, seq uint64)) {
	if len(page) < pageHeaderSize || depth > maxInlineDepth {
		return
	}
	le := binary.LittleEndian
	if le.Uint16(page[8:]) != pageLeaf {
		return
	}
	count := int(le.Uint16(page[10:]))
	count = min(count, (len(page)-pageHeaderSize)/leafElemSize)
	for i := range count {
		at := pageHeaderSize + i*leafElemSize
		el := page[at : at+leafElemSize]
		flags := le.Uint32(el)
		pos, ksize, vsize := uint64(le.Uint32(el[4:])), uint64(le.Uint32(el[8:])), uint64(le.Uint32(el[12:]))
		start := uint64(at) + pos
		end := start + ksize + vsize // no overflow: each term is below 2^32
		if ksize == 0 || end > uint64(len(page)) {
			continue
		}
		k, v := page[start:start+ksize], page[start+ksize:end]
		if flags&leafBucketFlag != 0 {
			// A nested bucket: its values are on pages of their own,
			// visited in turn, unless it is inlined here.
			if len(v) >= bucketHdrSize {
				bucket(k, le.Uint64(v[8:]))
			}
			if len(v) >= bucketHdrSize+pageHeaderSize && le.Uint64(v) == 0 {
				leafValues(v[bucketHdrSize:], depth+1, visit, bucket)
			}
			continue
		}
		if flags != 0 {
			continue
		}
		visit(k, v)
	}
}

// immutable tells whether values of kind k never change once written (a
// key is written once, and only ever deleted): any sound copy of one is
// the value itself.
func immutable(k kind) bool {
	switch k {
	case kindEvents, kindParked, kindSettingsHistory, kindCallRecords, kindCallByStart, kindCallByDevice,
		kindSessionRecords, kindSessionByStart, kindSessionByDevice, kindFirmwareUpdates:
		return true
	}
	return false
}

// plausible checks that a salvaged value decodes as what its tag says:
// with the checksum, the guard against a value of schema 6 (no tag) whose
// last byte reads as one, and against a key of the wrong shape.
func plausible(t tag, key, sealed, body []byte) bool {
	seqKey := len(key) == 8
	object := func() bool { return len(body) > 1 && body[0] == '{' && json.Valid(body) }
	switch t.kind {
	case kindEvents:
		_, err := unpackEvent(sealed)
		return seqKey && err == nil
	case kindEndpoints, kindRetired:
		var r endpointRecord
		return object() && json.Unmarshal(body, &r) == nil
	case kindParked:
		var r parkedRecord
		return seqKey && object() && json.Unmarshal(body, &r) == nil
	case kindCounters:
		var n uint64
		return json.Unmarshal(body, &n) == nil
	case kindSettingsHistory, kindFirmwareUpdates:
		return seqKey && object()
	case kindCallRecords, kindCallOpen:
		_, err := decodeCall(sealed)
		return (seqKey || t.kind == kindCallOpen) && err == nil
	case kindSessionRecords, kindSessionOpen:
		_, err := decodeSession(sealed)
		return (seqKey || t.kind == kindSessionOpen) && err == nil
	case kindCallByStart, kindSessionByStart:
		return len(key) == 16 && len(body) == 12
	case kindCallByDevice, kindSessionByDevice:
		return len(key) > 16 && key[len(key)-17] == deviceSep && len(body) == 12
	}
	return object()
}

// newer tells whether a (a salvaged copy) is newer than b (another copy of
// the same key), for the kinds whose values say so: an endpoint's cursor
// and counts only grow, counters only grow, a device's lastSeen, an
// applied configuration's times and a staged firmware's time only move on.
// known is false for the kinds that carry no such order.
func newer(k kind, a, b []byte) (isNewer, known bool) {
	switch k {
	case kindEndpoints, kindRetired:
		var ra, rb endpointRecord
		if json.Unmarshal(a, &ra) != nil || json.Unmarshal(b, &rb) != nil {
			return false, false
		}
		if ra.Cursor != rb.Cursor {
			return ra.Cursor > rb.Cursor, true
		}
		return ra.Delivered+ra.Parked+ra.Dropped > rb.Delivered+rb.Parked+rb.Dropped, true
	case kindCounters:
		var na, nb uint64
		if json.Unmarshal(a, &na) != nil || json.Unmarshal(b, &nb) != nil {
			return false, false
		}
		return na > nb, true
	case kindDevices:
		var ra, rb struct {
			LastSeen time.Time `json:"lastSeen"`
		}
		if json.Unmarshal(a, &ra) != nil || json.Unmarshal(b, &rb) != nil {
			return false, false
		}
		return ra.LastSeen.After(rb.LastSeen), true
	case kindAppliedConfigs:
		var ra, rb AppliedConfig
		if json.Unmarshal(a, &ra) != nil || json.Unmarshal(b, &rb) != nil {
			return false, false
		}
		return latest(ra.AppliedAt, ra.FirmwareAt).After(latest(rb.AppliedAt, rb.FirmwareAt)), true
	case kindFirmware:
		var ra, rb struct {
			StagedAt time.Time `json:"stagedAt"`
		}
		if json.Unmarshal(a, &ra) != nil || json.Unmarshal(b, &rb) != nil {
			return false, false
		}
		return ra.StagedAt.After(rb.StagedAt), true
	}
	if immutable(k) {
		return false, true // every sound copy is the same value
	}
	return false, false
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// keyRange is a range of keys a tree walk could not read: the keys after
// after and before before (nil: no bound), or the one key at when at is
// set.
type keyRange struct {
	after, before, at []byte
}

func (r keyRange) holds(k []byte) bool {
	if r.at != nil {
		return bytes.Equal(k, r.at)
	}
	return (r.after == nil || bytes.Compare(k, r.after) > 0) && (r.before == nil || bytes.Compare(k, r.before) < 0)
}

// treeWalk is what a repair's walk of the tree could not read: where the
// salvage may add values. A value elsewhere was either copied by the walk
// or is a stale copy of one since deleted.
type treeWalk struct {
	whole bool                  // nothing could be read: everything is open to the salvage
	gone  map[string]bool       // buckets that could not be opened, by pathKey
	holes map[string][]keyRange // key ranges lost within buckets, by pathKey
}

func newTreeWalk() *treeWalk {
	return &treeWalk{gone: map[string]bool{}, holes: map[string][]keyRange{}}
}

func pathKey(path []string) string {
	var b []byte
	for i, p := range path {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return string(b)
}

// maxHoles bounds the ranges kept per bucket; past it the bucket counts as
// gone.
const maxHoles = 4096

func (w *treeWalk) hole(path []string, r keyRange) {
	p := pathKey(path)
	if len(w.holes[p]) >= maxHoles {
		w.gone[p] = true
		return
	}
	w.holes[p] = append(w.holes[p], r)
}

func (w *treeWalk) inHole(p string, k []byte) bool {
	for _, r := range w.holes[p] {
		if r.holds(k) {
			return true
		}
	}
	return false
}

// open tells whether key in the bucket at path lies where the walk could
// not read: the bucket, or one of its parents, could not be opened, or the
// key (or the name of the bucket on the way to it) lies in a hole.
func (w *treeWalk) open(path []string, key []byte) bool {
	if w.whole {
		return true
	}
	for i := 1; i <= len(path); i++ {
		p := pathKey(path[:i])
		if w.gone[p] {
			return true
		}
		next := key
		if i < len(path) {
			next = []byte(path[i])
		}
		if w.inHole(p, next) {
			return true
		}
	}
	return false
}
