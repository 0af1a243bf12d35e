package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A bbolt file begins with two meta pages; the newer valid one names the
// page count the file must at least hold. Read here, before bbolt maps the
// file, so a truncated file is reported rather than faulted on.
const (
	pageHeaderSize = 16
	metaSize       = 64 // magic, version, page size, flags, root (2×8), freelist, pgid, txid, checksum
	boltMagic      = 0xED0CDAED
)

// header is what checkHeader reads of the newer valid meta page.
type header struct {
	pageSize uint32
	pgid     uint64
	txid     uint64
}

// readHeader returns the newer valid meta page of f; ok is false when
// neither is valid (bbolt then refuses the file itself).
func readHeader(f *os.File, size int64) (h header, ok bool) {
	try := func(off int64) (header, bool) {
		buf := make([]byte, metaSize)
		if off+pageHeaderSize+metaSize > size {
			return header{}, false
		}
		if _, err := f.ReadAt(buf, off+pageHeaderSize); err != nil {
			return header{}, false
		}
		le := binary.LittleEndian
		if le.Uint32(buf[0:]) != boltMagic {
			return header{}, false
		}
		sum := fnv.New64a()
		sum.Write(buf[:56])
		if sum.Sum64() != le.Uint64(buf[56:]) {
			return header{}, false
		}
		return header{pageSize: le.Uint32(buf[8:]), pgid: le.Uint64(buf[40:]), txid: le.Uint64(buf[48:])}, true
	}
	h0, ok0 := try(0)
	ps := int64(os.Getpagesize())
	if ok0 {
		ps = int64(h0.pageSize)
	}
	h1, ok1 := try(ps)
	switch {
	case ok0 && ok1:
		if h1.txid > h0.txid {
			return h1, true
		}
		return h0, true
	case ok0:
		return h0, true
	case ok1:
		return h1, true
	}
	return header{}, false
}

// checkHeader reports a file shorter than its meta page says. A missing or
// empty file is not damage: Open lays it out.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() == 0 {
		return nil
	}
	h, ok := readHeader(f, st.Size())
	if !ok {
		return fmt.Errorf("%w: neither header page of the file is valid", ErrDamaged)
	}
	if want := int64(h.pgid) * int64(h.pageSize); st.Size() < want {
		return fmt.Errorf("%w: the file is truncated (%d bytes, its header needs %d)", ErrDamaged, st.Size(), want)
	}
	return nil
}

// CheckReport is what a check found.
type CheckReport struct {
	Values   int      // values read and found sound
	Problems []string // one sentence each; empty when the file is sound
}

// OK tells whether the check found nothing wrong.
func (r CheckReport) OK() bool { return len(r.Problems) == 0 }

// maxProblems bounds a CheckReport.
const maxProblems = 50

func (r *CheckReport) add(format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	} else if len(r.Problems) == maxProblems {
		r.Problems = append(r.Problems, "more problems not listed")
	}
}

// Verify checks the open store: bbolt's consistency check (every page
// reachable once, no freed page in use) and every value's checksum.
func (s *Store) Verify() (CheckReport, error) {
	var rep CheckReport
	err := s.view(func(tx *bolt.Tx) error {
		verifyTx(tx, s.path, &rep)
		return nil
	})
	if err != nil && !errors.Is(err, ErrDamaged) {
		return rep, fmt.Errorf("check %s: %w", s.path, err)
	}
	if err != nil {
		rep.add("%v", err)
	}
	return rep, nil
}

func verifyTx(tx *bolt.Tx, path string, rep *CheckReport) {
	// bbolt's check trusts page headers (a damaged overflow count makes it
	// run for hours, a damaged pointer can fault in its own goroutine), so
	// it runs only once every page in use has a sound header.
	if damaged := checkPageHeaders(tx, path, rep); !damaged {
		// Read the check to its end: its goroutine uses tx until it
		// has sent every problem, and one left blocked on a send would
		// outlive the transaction.
		n := 0
		for err := range tx.Check() {
			if n++; n <= maxProblems {
				rep.add("page check: %v", err)
			}
		}
	}
	version, _ := readVersion(tx)
	_ = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if string(name) != bucketMeta {
			verifyBucket(b, printable(name), version, rep)
		}
		return nil
	})
}

// Page flags of bbolt's page header.
const (
	pageBranch   = 0x01
	pageLeaf     = 0x02
	pageMeta     = 0x04
	pageFreelist = 0x10
	// leafBucketFlag marks a leaf element whose value is a nested bucket:
	// a bucketHeaderSize header (root page id, sequence), then its page
	// when the bucket is inline (root 0).
	leafBucketFlag   = 0x01
	bucketHeaderSize = 16
)

// checkPageHeaders reads the header of every page in use (not free) below
// the high-water mark: its id must be its position, its type known and its
// overflow within the file. It reports each damaged page and tells whether
// there was one.
func checkPageHeaders(tx *bolt.Tx, path string, rep *CheckReport) (damaged bool) {
	f, err := os.Open(path)
	if err != nil {
		rep.add("read page headers: %v", err)
		return true
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		rep.add("read page headers: %v", err)
		return true
	}
	h, ok := readHeader(f, st.Size())
	if !ok {
		rep.add("%v", fmt.Errorf("%w: neither header page of the file is valid", ErrDamaged))
		return true
	}
	ps := int64(h.pageSize)
	hdr := make([]byte, pageHeaderSize)
	var body []byte // a branch or leaf page, overflow included
	for id := int64(2); id < int64(h.pgid); {
		info, err := tx.Page(int(id))
		if err != nil || info == nil {
			rep.add("page %d: %v", id, err)
			return true
		}
		if info.Type == "free" {
			id++
			continue
		}
		if _, err := f.ReadAt(hdr, id*ps); err != nil {
			rep.add("%v", fmt.Errorf("%w: page %d cannot be read: %v", ErrDamaged, id, err))
			return true
		}
		le := binary.LittleEndian
		pid, flags, overflow := le.Uint64(hdr), le.Uint16(hdr[8:]), int64(le.Uint32(hdr[12:]))
		switch {
		case int64(pid) != id:
			rep.add("%v", fmt.Errorf("%w: page %d is damaged (it names itself %d)", ErrDamaged, id, pid))
		case flags != pageBranch && flags != pageLeaf && flags != pageMeta && flags != pageFreelist:
			rep.add("%v", fmt.Errorf("%w: page %d is damaged (unknown type %#x)", ErrDamaged, id, flags))
		case id+overflow >= int64(h.pgid):
			rep.add("%v", fmt.Errorf("%w: page %d is damaged (it runs past the end)", ErrDamaged, id))
		default:
			if flags == pageBranch || flags == pageLeaf {
				if body, err = readSpan(f, body, id*ps, (overflow+1)*ps); err != nil {
					rep.add("%v", fmt.Errorf("%w: page %d cannot be read: %v", ErrDamaged, id, err))
					return true
				}
				if why := checkElements(body, flags, int64(h.pgid)); why != "" {
					rep.add("%v", fmt.Errorf("%w: page %d is damaged (%s)", ErrDamaged, id, why))
					damaged = true
				}
			}
			id += overflow + 1
			continue
		}
		damaged = true
		id++
	}
	return damaged
}

// readSpan reads n bytes at off into buf, grown when short.
func readSpan(f *os.File, buf []byte, off, n int64) ([]byte, error) {
	if int64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := f.ReadAt(buf, off)
	return buf, err
}

// checkElements checks that every element of a branch or leaf page (p, its
// overflow included) lies within it, that every child a branch names is
// below the high-water mark, and the same of the inline pages of nested
// buckets: bbolt's check follows these offsets without bounds, in a
// goroutine of its own where a fault cannot be recovered. It returns what
// is wrong, or "".
func checkElements(p []byte, flags uint16, highWater int64) string {
	const elemSize = 16 // both kinds: branch {pos, ksize, pgid}, leaf {flags, pos, ksize, vsize}
	le := binary.LittleEndian
	count := int64(le.Uint16(p[10:]))
	if pageHeaderSize+count*elemSize > int64(len(p)) {
		return "more elements than the page holds"
	}
	for i := range count {
		off := pageHeaderSize + i*elemSize
		e := p[off : off+elemSize]
		if flags == pageBranch {
			pos, ksize, child := int64(le.Uint32(e)), int64(le.Uint32(e[4:])), int64(le.Uint64(e[8:]))
			if off+pos+ksize > int64(len(p)) {
				return "a key lies outside it"
			}
			if child < 2 || child >= highWater {
				return "a child page outside the file"
			}
			continue
		}
		eflags, pos, ksize, vsize := le.Uint32(e), int64(le.Uint32(e[4:])), int64(le.Uint32(e[8:])), int64(le.Uint32(e[12:]))
		end := off + pos + ksize + vsize
		if end > int64(len(p)) {
			return "a key or value lies outside it"
		}
		if eflags&leafBucketFlag == 0 {
			continue
		}
		// A nested bucket: its header (root page, sequence), and when its
		// root is 0, its page inline after the header.
		v := p[end-vsize : end]
		if vsize < bucketHeaderSize {
			return "a nested bucket's header is cut short"
		}
		root := int64(le.Uint64(v))
		switch {
		case root == 0:
			inline := v[bucketHeaderSize:]
			if len(inline) < pageHeaderSize {
				return "a nested bucket's inline page is cut short"
			}
			iflags := le.Uint16(inline[8:])
			if iflags != pageLeaf {
				return "a nested bucket's inline page is not a leaf"
			}
			if why := checkElements(inline, iflags, highWater); why != "" {
				return "in a nested bucket's inline page, " + why
			}
		case root < 2 || root >= highWater:
			return "a nested bucket's root outside the file"
		}
	}
	return ""
}

// scan visits the values of b (not of its nested buckets) in key order
// and returns the names of its nested buckets. A panic on a damaged page,
// or a key that does not sort after the one before (a damaged page leading
// the cursor astray), becomes lost(err); the scan then goes on past the
// damaged page (probePast), so one damaged page loses only what it held.
func scan(b *bolt.Bucket, value func(k, v []byte), lost func(err error)) (nested [][]byte) {
	var prev []byte // the last key visited; nil before the first
	from := []byte(nil)
	for range maxDamagedRegions {
		done, err := scanFrom(b, from, &prev, value, func(k []byte) { nested = append(nested, slices.Clone(k)) })
		if done {
			return nested
		}
		lost(err)
		last := from
		var ok bool
		if from, ok = probePast(b, prev); !ok {
			return nested
		}
		if last != nil && bytes.Compare(from, last) <= 0 {
			// No progress: what follows cannot be reached.
			return nested
		}
	}
	lost(fmt.Errorf("%w: more than %d damaged regions; the rest is not read", ErrDamaged, maxDamagedRegions))
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

// verifyBucket checks the checksum of every value under b.
func verifyBucket(b *bolt.Bucket, path string, version int, rep *CheckReport) {
	lost := func(err error) { rep.add("%s: %v", path, err) }
	names := scan(b, func(k, v []byte) {
		if version >= schemaVersion {
			if _, err := unseal(v); err != nil {
				rep.add("%s key %s: %v", path, printable(k), err)
				return
			}
		}
		rep.Values++
	}, lost)
	for _, name := range names {
		sub := path + "/" + printable(name)
		if nb := nested(b, name, func(err error) { rep.add("%s: %v", sub, err) }); nb != nil {
			verifyBucket(nb, sub, version, rep)
		}
	}
}

func printable(k []byte) string {
	for _, c := range k {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%x", k)
		}
	}
	return string(k)
}

// CheckFile checks the store file at path without changing it (it is
// opened read-only, so no Earshot may hold it read-write... bbolt's shared
// lock waits for timeout).
func CheckFile(path string, timeout time.Duration) (CheckReport, error) {
	var rep CheckReport
	if _, err := os.Stat(path); err != nil {
		return rep, fmt.Errorf("check %s: %w", path, err)
	}
	if err := checkHeader(path); err != nil {
		rep.add("%v", err)
		return rep, nil
	}
	s := &Store{path: path, o: Options{Timeout: timeout, ReadOnly: true, Now: time.Now}}
	db, err := s.openDB()
	if errors.Is(err, ErrLocked) {
		return rep, fmt.Errorf("check %s: %w", path, ErrLocked)
	}
	if err != nil {
		rep.add("%v", err)
		return rep, nil
	}
	s.db = db
	defer s.Close()
	return s.Verify()
}

// RepairReport says what a repair kept and lost.
type RepairReport struct {
	At          time.Time
	Path        string   // the repaired file
	DamagedPath string   // the damaged file, kept beside it
	Kept        int      // values copied into the repaired file
	LostValues  int      // values whose checksum did not match: left out
	LostParts   []string // buckets (or their tails) that could not be read, one sentence each
	Problems    []string // what a check of the damaged file found
}

// Lost tells whether the repair left anything out.
func (r RepairReport) Lost() bool { return r.LostValues > 0 || len(r.LostParts) > 0 }

// RepairFile copies everything readable from the store file at path into a
// fresh file, renames the damaged one to path + ".damaged-<UTC time>" and
// puts the fresh one in its place. Values whose checksum does not match and
// buckets bbolt cannot read are left out and reported. The file must not
// be open. A file bbolt cannot open at all is replaced by an empty store.
func RepairFile(path string, now time.Time) (RepairReport, error) {
	rep := RepairReport{At: now, Path: path,
		DamagedPath: path + ".damaged-" + now.UTC().Format("20060102T150405.000Z")}
	if _, err := os.Stat(path); err != nil {
		return rep, fmt.Errorf("repair %s: %w", path, err)
	}
	if cr, err := CheckFile(path, time.Second); err == nil {
		rep.Problems = cr.Problems
	} else if errors.Is(err, ErrLocked) {
		return rep, fmt.Errorf("repair %s: %w", path, ErrLocked)
	}
	// Read a scratch copy, grown to the size its header names, so pages
	// past a truncation read as zeros (and fail bbolt's checks) instead of
	// faulting.
	scratch := path + ".repair-read"
	if err := copyFile(path, scratch); err != nil {
		return rep, fmt.Errorf("repair %s: %w", path, err)
	}
	defer os.Remove(scratch)
	fresh := path + ".repair-new"
	_ = os.Remove(fresh)
	defer os.Remove(fresh)
	if err := copyReadable(scratch, fresh, &rep); err != nil {
		return rep, fmt.Errorf("repair %s: %w", path, err)
	}
	if err := os.Rename(path, rep.DamagedPath); err != nil {
		return rep, fmt.Errorf("repair %s: keep the damaged file: %w", path, err)
	}
	if err := os.Rename(fresh, path); err != nil {
		return rep, fmt.Errorf("repair %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return rep, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if st, err := in.Stat(); err == nil {
		if h, ok := readHeader(in, st.Size()); ok {
			if want := int64(h.pgid) * int64(h.pageSize); want > st.Size() && want < 1<<40 {
				if err := out.Truncate(want); err != nil {
					out.Close()
					return err
				}
			}
		}
	}
	return out.Close()
}

// copyReadable copies what can be read of src into a new store file dst.
func copyReadable(src, dst string, rep *RepairReport) error {
	out, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer out.Close()
	in := &Store{path: src, o: Options{Timeout: time.Second, ReadOnly: true, Now: time.Now}}
	var db *bolt.DB
	func() {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				err = damage(r)
			}
		}()
		db, err = bolt.Open(src, 0o400, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	}()
	if err != nil {
		rep.LostParts = append(rep.LostParts, fmt.Sprintf("the whole file could not be read (%v); an empty store replaces it", err))
		return out.Update(func(tx *bolt.Tx) error { return createSchema(tx) })
	}
	in.db = db
	defer in.Close()

	version := schemaVersion
	_ = in.guarded(func() error {
		return db.View(func(tx *bolt.Tx) error {
			if v, err := readVersion(tx); err == nil && v > 0 {
				version = v
			}
			return nil
		})
	})
	if version > schemaVersion {
		return newerSchema(version, schemaVersion)
	}
	var names [][]byte
	if err := in.guarded(func() error {
		return db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				names = append(names, slices.Clone(name))
				return nil
			})
		})
	}); err != nil {
		rep.LostParts = append(rep.LostParts, fmt.Sprintf("the list of buckets could not be read: %v", err))
	}
	// One transaction per top bucket, so a big file is copied in parts.
	for _, name := range names {
		if string(name) == bucketMeta {
			continue
		}
		err := out.Update(func(otx *bolt.Tx) error {
			dst, err := otx.CreateBucketIfNotExists(name)
			if err != nil {
				return err
			}
			return in.guarded(func() error {
				return db.View(func(tx *bolt.Tx) error {
					b := tx.Bucket(name)
					if b == nil {
						return fmt.Errorf("%w: bucket %s cannot be read", ErrDamaged, printable(name))
					}
					return copyBucket(b, dst, printable(name), version, rep)
				})
			})
		})
		if err != nil {
			rep.LostParts = append(rep.LostParts, fmt.Sprintf("%s: %v", printable(name), err))
		}
	}
	// The layout and the version: buckets lost are laid out anew, and
	// sequences run past every key and cursor still held.
	return out.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists([]byte(bucketMeta)); err != nil {
			return err
		}
		if err := putVersion(tx, version); err != nil {
			return err
		}
		if version < schemaVersion {
			return nil // Open migrates the rest
		}
		for _, step := range []func(*bolt.Tx) error{createOutbox, createSettings, createManagement, createCallHistory} {
			if err := step(tx); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucketIfNotExists([]byte(bucketDevices)); err != nil {
			return err
		}
		return fixSequences(tx)
	})
}

// copyBucket copies the sound values of src into dst, recursively.
func copyBucket(src, dst *bolt.Bucket, path string, version int, rep *RepairReport) error {
	if err := dst.SetSequence(sequence(src)); err != nil {
		return err
	}
	var werr error
	lost := func(err error) { rep.LostParts = append(rep.LostParts, fmt.Sprintf("%s: %v", path, err)) }
	names := scan(src, func(k, v []byte) {
		if werr != nil {
			return
		}
		if version >= schemaVersion {
			if _, err := unseal(v); err != nil {
				rep.LostValues++
				return
			}
		}
		if werr = dst.Put(slices.Clone(k), slices.Clone(v)); werr == nil {
			rep.Kept++
		}
	}, lost)
	if werr != nil {
		return werr
	}
	for _, name := range names {
		sub := path + "/" + printable(name)
		sb := nested(src, name, func(err error) { rep.LostParts = append(rep.LostParts, fmt.Sprintf("%s: %v", sub, err)) })
		if sb == nil {
			continue
		}
		db, err := dst.CreateBucketIfNotExists(name)
		if err != nil {
			return err
		}
		if err := copyBucket(sb, db, sub, version, rep); err != nil {
			return err
		}
	}
	return nil
}

// fixSequences raises every sequence-keyed bucket's sequence past its last
// key, and the outbox's past every endpoint's cursor, so that no new key
// reuses an old one and no endpoint skips a new event.
func fixSequences(tx *bolt.Tx) error {
	raise := func(b *bolt.Bucket, at uint64) error {
		if b == nil {
			return nil
		}
		if k, _ := b.Cursor().Last(); len(k) == 8 {
			at = max(at, binary.BigEndian.Uint64(k))
		}
		if at > b.Sequence() {
			return b.SetSequence(at)
		}
		return nil
	}
	var cursor uint64
	_ = forEachEndpoint(tx, func(_ []byte, r endpointRecord) error {
		cursor = max(cursor, r.Cursor)
		return nil
	})
	_ = forEachRetired(tx, func(_ []byte, r endpointRecord) error {
		cursor = max(cursor, r.Cursor)
		return nil
	})
	if err := raise(outboxBucket(tx, bucketOutboxEvents), cursor); err != nil {
		return err
	}
	for _, name := range []string{bucketCalls, bucketCameraSessions} {
		if h := tx.Bucket([]byte(name)); h != nil {
			if err := raise(h.Bucket([]byte(subRecords)), 0); err != nil {
				return err
			}
		}
	}
	return nil
}
