package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
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

// header is what is read of a valid meta page.
type header struct {
	pageSize uint32
	root     uint64 // the root bucket's page
	freelist uint64 // the freelist's page
	pgid     uint64 // the high-water mark: pages the file holds at least
	txid     uint64
}

// readMeta reads the meta page at off; ok is false when it is not a valid
// one (magic, checksum, a page size bbolt could have written).
func readMeta(r io.ReaderAt, size, off int64) (header, bool) {
	buf := make([]byte, metaSize)
	if off+pageHeaderSize+metaSize > size {
		return header{}, false
	}
	if _, err := r.ReadAt(buf, off+pageHeaderSize); err != nil {
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
	h := header{pageSize: le.Uint32(buf[8:]), root: le.Uint64(buf[16:]), freelist: le.Uint64(buf[32:]), pgid: le.Uint64(buf[40:]), txid: le.Uint64(buf[48:])}
	if h.pageSize < minPageSize || h.pageSize > maxPageSize || h.pageSize&(h.pageSize-1) != 0 {
		return header{}, false
	}
	return h, true
}

// readHeader returns the newer valid meta page of f; ok is false when
// neither is valid (bbolt then refuses the file itself).
func readHeader(f io.ReaderAt, size int64) (h header, ok bool) {
	metas := readMetas(f, size)
	if len(metas) == 0 {
		return header{}, false
	}
	return metas[0], true
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

// Verify checks the open store: every page in use (read from the file,
// not through the memory map), bbolt's consistency check, and every
// value's seal.
func (s *Store) Verify() (CheckReport, error) { return s.verify(false) }

// verify is Verify; bounded keeps the memory it needs small whatever the
// file's size, for the check at Open: it leaves out bbolt's own check
// (which reads every page through the memory map), relying on checkPages'
// walk of the tree instead, and releases the mapped pages the check of the
// values read as it goes (releaseTx), so the process's resident memory
// does not grow to the file's size.
func (s *Store) verify(bounded bool) (CheckReport, error) {
	var rep CheckReport
	err := s.view(func(tx *bolt.Tx) error {
		verifyTx(tx, s.path, &rep, bounded)
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

// checkReleaseEvery is how many values the bounded check reads between two
// releases of the memory map.
const checkReleaseEvery = 8192

func verifyTx(tx *bolt.Tx, path string, rep *CheckReport, bounded bool) {
	// bbolt's check trusts page headers (a damaged overflow count makes it
	// run for hours, a damaged pointer can fault in its own goroutine), so
	// it runs only once every page in use has a sound header.
	damaged, loops := checkPages(tx, path, rep)
	if loops {
		return // bbolt's cursors would go round for ever or astray: the values are not read
	}
	if !damaged && !bounded {
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
	release := func() {}
	if bounded {
		n := 0
		release = func() {
			if n++; n%checkReleaseEvery == 0 {
				releaseTx(tx)
			}
		}
	}
	_ = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if string(name) != bucketMeta {
			verifyBucket(b, []string{string(name)}, version, rep, release)
		}
		return nil
	})
	if bounded {
		releaseTx(tx)
	}
}

// Page flags of bbolt's page header.
const (
	pageBranch   = 0x01
	pageLeaf     = 0x02
	pageMeta     = 0x04
	pageFreelist = 0x10
)

// maxTreeDepth bounds the walk of checkPages; bbolt's trees are a handful
// of levels deep.
const maxTreeDepth = 64

// checkPages reads the file's pages (with ReadAt, so nothing stays
// resident) as of tx: every page from the root down, through branch pages
// and nested buckets, must name its own id, be a branch or a leaf, end
// before the high-water mark, and be reached once and not be free; every
// other page below the mark must be free or the freelist. It reports each
// damaged page and tells whether there was one. When the file's newest meta
// page is not tx's (a write committed meanwhile) it checks nothing.
func checkPages(tx *bolt.Tx, path string, rep *CheckReport) (damaged, loops bool) {
	f, err := os.Open(path)
	if err != nil {
		rep.add("read pages: %v", err)
		return true, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		rep.add("read pages: %v", err)
		return true, false
	}
	metas := readMetas(f, st.Size())
	if len(metas) == 0 {
		rep.add("%v", fmt.Errorf("%w: neither header page of the file is valid", ErrDamaged))
		return true, false
	}
	if metas[0].txid != uint64(tx.ID()) {
		return false, false
	}
	return walkPages(f, st.Size(), metas[0], rep)
}

// treeLoops tells whether the tree of the file at path, as its newest
// valid meta page names it, reaches a page twice or runs deeper than
// maxTreeDepth (a damaged pointer that would send bbolt's cursors round for
// ever), or holds a page whose header is sound but whose elements run past
// it (which bbolt would read past the page, into whatever memory follows).
func treeLoops(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false
	}
	metas := readMetas(f, st.Size())
	if len(metas) == 0 {
		return false
	}
	_, loops := walkPages(f, st.Size(), metas[0], &CheckReport{})
	return loops
}

// walkPages is checkPages' walk of the file f as of meta page m; loops
// tells that bbolt must not walk the tree (treeLoops).
func walkPages(f *os.File, size int64, m header, rep *CheckReport) (damaged, loops bool) {
	bad := func(format string, args ...any) {
		rep.add("%v", fmt.Errorf("%w: "+format, append([]any{ErrDamaged}, args...)...))
		damaged = true
	}
	rf := &rawFile{r: f, size: size, ps: int64(m.pageSize)}
	free, ok := rf.readFreelist(m)
	if !ok {
		bad("the list of free pages (page %d) cannot be read", m.freelist)
		free = map[uint64]bool{}
	}
	hwm := m.pgid
	if int64(hwm) > rf.size/rf.ps {
		bad("the file is truncated (%d bytes, its header needs %d)", rf.size, int64(hwm)*rf.ps)
		return true, false
	}
	seen := make([]uint64, hwm/64+1)
	isSeen := func(id uint64) bool { return seen[id/64]&(1<<(id%64)) != 0 }
	mark := func(id uint64) { seen[id/64] |= 1 << (id % 64) }
	// The freelist page and its overflow are in use, by the freelist.
	if hdr, err := rf.header(m.freelist); err == nil {
		for id := m.freelist; id <= m.freelist+uint64(hdr.overflow) && id < hwm; id++ {
			mark(id)
		}
	}
	type item struct {
		id    uint64
		depth int
	}
	stack := []item{{m.root, 0}}
	astray := false // a page bbolt would read past its end (unchecked pointer arithmetic)
	var buf []byte
	le := binary.LittleEndian
	// children pushes the pages page points to as bbolt's cursors would
	// follow them: every page not a leaf is read as a branch (element 0
	// even when it counts none), a leaf's buckets lead to their root, or
	// into the page inlined in them. ok is false when a bucket runs past
	// the page.
	var children func(page []byte, depth int) (ok bool)
	children = func(page []byte, depth int) bool {
		if len(page) < pageHeaderSize || depth > maxTreeDepth {
			loops = loops || depth > maxTreeDepth
			return true
		}
		leaf := le.Uint16(page[8:]) == pageLeaf
		count := int(le.Uint16(page[10:]))
		if count*leafElemSize > len(page)-pageHeaderSize {
			astray = true // bbolt would read elements past the page
			return true
		}
		if !leaf {
			count = max(count, min(1, (len(page)-pageHeaderSize)/leafElemSize))
		}
		for i := range count {
			off := uint64(pageHeaderSize + i*leafElemSize)
			el := page[off:]
			if !leaf {
				if off+uint64(le.Uint32(el))+uint64(le.Uint32(el[4:])) > uint64(len(page)) {
					astray = true // a key past the page
					return true
				}
				stack = append(stack, item{le.Uint64(el[8:]), depth + 1})
				continue
			}
			if off+uint64(le.Uint32(el[4:]))+uint64(le.Uint32(el[8:]))+uint64(le.Uint32(el[12:])) > uint64(len(page)) {
				astray = true // a key or value past the page
				return true
			}
			if le.Uint32(el)&leafBucketFlag == 0 {
				continue
			}
			at := uint64(pageHeaderSize+i*leafElemSize) + uint64(le.Uint32(el[4:])) + uint64(le.Uint32(el[8:]))
			end := at + uint64(le.Uint32(el[12:]))
			if end > uint64(len(page)) || at+bucketHdrSize > end {
				return false
			}
			if root := le.Uint64(page[at:]); root != 0 {
				stack = append(stack, item{root, depth + 1})
			} else if inline := page[at+bucketHdrSize : end]; len(inline) >= pageHeaderSize && le.Uint16(inline[8:]) != pageLeaf {
				// bbolt reads an inlined page that is not a leaf as a
				// branch whose children are the same page: for ever.
				loops = true
				return true
			} else if !children(inline, depth+1) {
				return false
			}
		}
		return true
	}
	for len(stack) > 0 && len(rep.Problems) < maxProblems {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		id := it.id
		if id < 2 || id >= hwm {
			bad("a page points to page %d, outside the file's %d pages", id, hwm)
			continue
		}
		if it.depth > maxTreeDepth {
			bad("page %d lies deeper than %d levels: the tree loops", id, maxTreeDepth)
			loops = true
			break
		}
		hdr, err := rf.header(id)
		switch {
		case err != nil:
			bad("page %d cannot be read: %v", id, err)
			continue
		case hdr.id != id:
			bad("page %d is damaged (it names itself %d)", id, hdr.id)
			continue
		case hdr.flags != pageBranch && hdr.flags != pageLeaf && hdr.flags != pageMeta && hdr.flags != pageFreelist:
			bad("page %d is damaged (unknown type %#x)", id, hdr.flags)
			continue // bbolt refuses to read it
		case hdr.flags != pageBranch && hdr.flags != pageLeaf:
			// bbolt reads it, as a branch: follow it like bbolt would.
			bad("page %d is damaged (type %#x where the tree needs a branch or a leaf)", id, hdr.flags)
		case id+uint64(hdr.overflow) >= hwm:
			bad("page %d is damaged (it runs past the end)", id)
			continue
		}
		span := (int64(hdr.overflow) + 1) * rf.ps
		if span > maxLeafSpan {
			bad("page %d is damaged (%d overflow pages)", id, hdr.overflow)
			continue
		}
		twice, freed := false, false
		for p := id; p <= id+uint64(hdr.overflow); p++ {
			twice = twice || isSeen(p)
			freed = freed || free[p]
			mark(p)
		}
		if twice {
			bad("page %d is reached twice", id)
			loops = true
			break
		}
		if freed {
			bad("page %d is in use and free", id)
			continue
		}
		buf = slices.Grow(buf[:0], int(span))[:span]
		if _, err := f.ReadAt(buf, int64(id)*rf.ps); err != nil {
			bad("page %d cannot be read: %v", id, err)
			continue
		}
		was := astray
		if !children(buf, it.depth) {
			bad("page %d is damaged (a bucket past its end)", id)
		}
		if astray && !was {
			bad("page %d is damaged (its elements run past it)", id)
		}
	}
	if loops {
		bad("the tree points back into itself")
	}
	if loops || astray {
		return true, true
	}
	if damaged {
		return true, false
	}
	for id := uint64(2); id < hwm && len(rep.Problems) < maxProblems; id++ {
		if !isSeen(id) && !free[id] {
			bad("page %d is neither reachable nor free", id)
		}
	}
	return damaged, false
}

// pageHeader is a page's 16-byte header.
type pageHeader struct {
	id       uint64
	flags    uint16
	count    uint16
	overflow uint32
}

func (f *rawFile) header(id uint64) (pageHeader, error) {
	var b [pageHeaderSize]byte
	if _, err := f.r.ReadAt(b[:], int64(id)*f.ps); err != nil {
		return pageHeader{}, err
	}
	le := binary.LittleEndian
	return pageHeader{id: le.Uint64(b[:]), flags: le.Uint16(b[8:]), count: le.Uint16(b[10:]), overflow: le.Uint32(b[12:])}, nil
}

// verifyBucket checks the seal of every value under b, at path, calling
// read after each.
func verifyBucket(b *bolt.Bucket, path []string, version int, rep *CheckReport, read func()) {
	where := printablePath(path)
	lost := func(err error, _ keyRange) { rep.add("%s: %v", where, err) }
	names := scan(b, func(k, v []byte) {
		if err := checkSeal(v, version, path); err != nil {
			rep.add("%s key %s: %v", where, printable(k), err)
			return
		}
		rep.Values++
		read()
	}, lost)
	for _, name := range names {
		sub := append(path[:len(path):len(path)], string(name))
		if nb := nested(b, name, func(err error) { rep.add("%s: %v", printablePath(sub), err) }); nb != nil {
			verifyBucket(nb, sub, version, rep, read)
		}
	}
}

// checkSeal checks the seal of v, a value of the bucket at path in a file
// of schema version: from 7 on, its tag must name that bucket.
func checkSeal(v []byte, version int, path []string) error {
	switch {
	case version < 6:
		return nil // not sealed yet
	case version == 6:
		if !checksumOK(v) {
			return fmt.Errorf("%w: a value's checksum does not match", ErrDamaged)
		}
		return nil
	}
	_, t, err := openSeal(v)
	if err != nil {
		return err
	}
	if want, ok := tagFor(path); ok && want != t {
		return fmt.Errorf("%w: a value sealed for %s is stored in %s", ErrDamaged, printablePath(t.path()), printablePath(path))
	}
	return nil
}

func printablePath(path []string) string {
	out := ""
	for i, p := range path {
		if i > 0 {
			out += "/"
		}
		out += printable([]byte(p))
	}
	return out
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
