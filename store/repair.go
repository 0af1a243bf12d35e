package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RepairReport says what a repair kept and lost.
type RepairReport struct {
	At          time.Time
	Path        string // the repaired file
	DamagedPath string // the damaged file, kept beside it
	Kept        int    // values copied into the repaired file
	// Salvaged counts the values of Kept found by reading the damaged file
	// page by page, on pages its tree no longer reached (salvage.go).
	Salvaged   int
	LostValues int      // values whose checksum did not match: left out
	LostParts  []string // buckets (or their tails) that could not be read, one sentence each
	Kinds      []KindReport
	Problems   []string // what a check of the damaged file found

	eventsBadSeal int // events among LostValues (LostCount)
}

// KindReport is what a repair kept, salvaged and lost of one kind of entry.
type KindReport struct {
	Kind     string // events, parked events, endpoints, devices, calls, camera sessions, settings, device management
	Kept     int    // in the repaired file (Salvaged included)
	Salvaged int    // of Kept, found on pages the tree no longer reached
	// Lost: entries known lost — values whose checksum did not match and,
	// for events, the gaps in the queue's sequence the repair could not
	// fill. Entries on pages that are gone altogether cannot be counted,
	// but for events: the count is a lower bound.
	Lost int
}

// reportKinds is the order of RepairReport.Kinds; kindReport maps the
// buckets onto them ("" for the call indexes, rebuilt from the records).
var reportKinds = []string{"events", "parked events", "endpoints", "devices", "calls", "camera sessions", "settings", "device management"}

func kindReport(k kind) string {
	switch k {
	case kindEvents:
		return "events"
	case kindParked:
		return "parked events"
	case kindEndpoints, kindRetired, kindCounters:
		return "endpoints"
	case kindDevices:
		return "devices"
	case kindCallRecords, kindCallOpen:
		return "calls"
	case kindSessionRecords, kindSessionOpen:
		return "camera sessions"
	case kindEventToggles, kindSettingsHistory, kindClientSettings:
		return "settings"
	case kindAppliedConfigs, kindFirmware, kindFirmwareUpdates:
		return "device management"
	}
	return ""
}

// kind returns the report of kind k, nil for the indexes.
func (r *RepairReport) kind(k kind) *KindReport {
	name := kindReport(k)
	if name == "" {
		return nil
	}
	if r.Kinds == nil {
		for _, n := range reportKinds {
			r.Kinds = append(r.Kinds, KindReport{Kind: n})
		}
	}
	for i := range r.Kinds {
		if r.Kinds[i].Kind == name {
			return &r.Kinds[i]
		}
	}
	return nil
}

// Kind returns the report of the kind named (one of KindReport.Kind's
// names); zero when the repair saw none of it.
func (r RepairReport) Kind(name string) KindReport {
	for _, k := range r.Kinds {
		if k.Kind == name {
			return k
		}
	}
	return KindReport{Kind: name}
}

// LostCount is the number of entries known lost, as the one figure a
// sentence gives: values whose checksum did not match, parts that could
// not be read (one each: how many entries they held is not known), and
// the events missing from the queue beyond those.
func (r RepairReport) LostCount() int {
	return r.LostValues + len(r.LostParts) + max(r.Kind("events").Lost-r.eventsBadSeal, 0)
}

// Lost tells whether the repair left anything out.
func (r RepairReport) Lost() bool {
	return r.LostValues > 0 || len(r.LostParts) > 0 || r.Kind("events").Lost > 0
}

// RepairFile copies everything readable from the store file at path into a
// fresh file, renames the damaged one to path + ".damaged-<UTC time>" and
// puts the fresh one in its place. It walks the file's tree first; what the
// walk could not read (a truncated file, a damaged page) it then looks for
// by reading the file page by page (salvage.go, salvageInto). Values whose
// checksum does not match and buckets that cannot be read are left out and
// reported. The file must not be open. A file of which nothing can be read
// is replaced by an empty store.
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
	if err := copyReadable(scratch, path, fresh, &rep); err != nil {
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

// copyReadable copies what can be read of src into a new store file dst:
// what its tree reaches, then what the salvage finds of the rest in raw,
// the damaged file itself (src is its copy grown to its header's size).
func copyReadable(src, raw, dst string, rep *RepairReport) error {
	out, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer out.Close()
	walk := newTreeWalk()
	version, err := copyTree(src, out, walk, rep)
	if err != nil {
		return err
	}
	var sal *salvage
	if version >= 7 {
		// Older files carry no tag: what their tree does not reach is lost.
		if sal, err = salvageInto(raw, out, walk, rep); err != nil {
			return err
		}
	}
	// The layout and the version: buckets lost are laid out anew, stale
	// events dropped, sequences run past every key and cursor still held,
	// and the call indexes match the records.
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
		if sal != nil {
			if err := sal.dropStaleEvents(tx, rep); err != nil {
				return err
			}
			if err := sal.raiseEventsSeq(tx); err != nil {
				return err
			}
		}
		if err := fixSequences(tx); err != nil {
			return err
		}
		for _, name := range []string{bucketCalls, bucketCameraSessions} {
			if err := reindex(tx, name); err != nil {
				return err
			}
		}
		countLostEvents(tx, rep)
		return nil
	})
}

// copyTree copies what the tree of src reaches into out and notes in walk
// what it could not read. It returns the file's schema version (the
// current one when it cannot be read).
func copyTree(src string, out *bolt.DB, walk *treeWalk, rep *RepairReport) (int, error) {
	if treeLoops(src) {
		rep.LostParts = append(rep.LostParts, "the file's tree is damaged where reading it would go astray; only the page scan reads it")
		walk.whole = true
		return schemaVersion, nil
	}
	in := &Store{path: src, o: Options{Timeout: time.Second, ReadOnly: true, Now: time.Now}}
	var db *bolt.DB
	var err error
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
		rep.LostParts = append(rep.LostParts, fmt.Sprintf("the file's tree could not be read (%v)", err))
		walk.whole = true
		return schemaVersion, nil
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
		return 0, newerSchema(version, schemaVersion)
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
		walk.whole = true
	}
	// One transaction per top bucket, so a big file is copied in parts.
	for _, name := range names {
		if string(name) == bucketMeta {
			continue
		}
		path := []string{string(name)}
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
					return copyBucket(b, dst, path, version, walk, rep)
				})
			})
		})
		if err != nil {
			// The bucket's transaction was rolled back: none of it is kept.
			rep.LostParts = append(rep.LostParts, fmt.Sprintf("%s: %v", printable(name), err))
			walk.gone[pathKey(path)] = true
		}
	}
	return version, nil
}

// copyBucket copies the sound values of src, at path, into dst,
// recursively, and notes in walk what it could not read.
func copyBucket(src, dst *bolt.Bucket, path []string, version int, walk *treeWalk, rep *RepairReport) error {
	if err := dst.SetSequence(sequence(src)); err != nil {
		return err
	}
	where := printablePath(path)
	t, tagged := tagFor(path)
	var werr error
	lost := func(err error, r keyRange) {
		rep.LostParts = append(rep.LostParts, fmt.Sprintf("%s: %v", where, err))
		walk.hole(path, r)
	}
	names := scan(src, func(k, v []byte) {
		if werr != nil {
			return
		}
		if err := checkSeal(v, version, path); err != nil {
			rep.LostValues++
			if kr := rep.kind(t.kind); tagged && kr != nil {
				kr.Lost++
			}
			if tagged && t.kind == kindEvents {
				rep.eventsBadSeal++
			}
			walk.hole(path, keyRange{at: slices.Clone(k)})
			return
		}
		if werr = dst.Put(slices.Clone(k), slices.Clone(v)); werr == nil {
			rep.Kept++
			if kr := rep.kind(t.kind); tagged && kr != nil {
				kr.Kept++
			}
		}
	}, lost)
	if werr != nil {
		return werr
	}
	for _, name := range names {
		sub := append(path[:len(path):len(path)], string(name))
		sb := nested(src, name, func(err error) {
			rep.LostParts = append(rep.LostParts, fmt.Sprintf("%s: %v", printablePath(sub), err))
			walk.gone[pathKey(sub)] = true
		})
		if sb == nil {
			continue
		}
		db, err := dst.CreateBucketIfNotExists(name)
		if err != nil {
			return err
		}
		if err := copyBucket(sb, db, sub, version, walk, rep); err != nil {
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
	// The per-device histories, keyed by their own sequence.
	for _, name := range []string{bucketSettingsHistory, bucketFirmwareUpdates} {
		fam := tx.Bucket([]byte(name))
		if fam == nil {
			continue
		}
		var devices [][]byte
		_ = fam.ForEach(func(k, v []byte) error {
			if v == nil {
				devices = append(devices, slices.Clone(k))
			}
			return nil
		})
		for _, d := range devices {
			if err := raise(fam.Bucket(d), 0); err != nil {
				return err
			}
		}
	}
	return nil
}
