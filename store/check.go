package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
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
	h := header{pageSize: le.Uint32(buf[8:]), freelist: le.Uint64(buf[32:]), pgid: le.Uint64(buf[40:]), txid: le.Uint64(buf[48:])}
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
		n := 0
		for err := range tx.Check() {
			if n++; n > maxProblems {
				break
			}
			rep.add("page check: %v", err)
		}
	}
	version, _ := readVersion(tx)
	_ = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if string(name) != bucketMeta {
			verifyBucket(b, []string{string(name)}, version, rep)
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
			id += overflow + 1
			continue
		}
		damaged = true
		id++
	}
	return damaged
}

// verifyBucket checks the seal of every value under b, at path.
func verifyBucket(b *bolt.Bucket, path []string, version int, rep *CheckReport) {
	where := printablePath(path)
	lost := func(err error, _ keyRange) { rep.add("%s: %v", where, err) }
	names := scan(b, func(k, v []byte) {
		if err := checkSeal(v, version, path); err != nil {
			rep.add("%s key %s: %v", where, printable(k), err)
			return
		}
		rep.Values++
	}, lost)
	for _, name := range names {
		sub := append(path[:len(path):len(path)], string(name))
		if nb := nested(b, name, func(err error) { rep.add("%s: %v", printablePath(sub), err) }); nb != nil {
			verifyBucket(nb, sub, version, rep)
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
