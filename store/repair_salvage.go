package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// What the repair takes of the raw scan (salvage.go), and why: a raw scan
// finds live values on pages the tree no longer reaches, and stale copies
// of values since changed or deleted on pages bbolt freed. The rules, each
// a guard against a stale copy (docs/RELIABILITY.md lists their limits):
//
//  1. Only where the tree walk could not read: a bucket it could not open,
//     a key range a damaged page hid, a value whose checksum failed. A key
//     elsewhere was copied from the tree, or is absent from it because it
//     was deleted; a bucket the walk read whole gets nothing.
//  2. When the freelist is readable, a copy on a free page of a value that
//     changes (an endpoint's cursor, a device, a setting) is never taken;
//     copies of values written once (events, call records, history
//     entries) are, since they cannot differ from the live value.
//  3. Between two copies of a key, the newer by the value's own order: an
//     endpoint's cursor and counters only grow, a device's lastSeen and a
//     configuration's times only move on. Without such an order, the first
//     copy found is kept.
//  4. Events at or below every endpoint's cursor were delivered (or
//     parked, or dropped) and deleted: a copy of one is dropped
//     (dropStaleEvents). When no endpoint record survived, events found
//     only on free pages are dropped too, since nothing tells whether they
//     were delivered.

// salvageBatch is how many values one transaction of the salvage writes.
const salvageBatch = 4096

// salvage is what salvageInto learnt that the final pass needs.
type salvage struct {
	freelist bool // the freelist was read: free pages are known
	// freeEvents are events taken from free pages only (no live copy
	// found), by sequence; dropped when no cursor tells whether they were
	// delivered.
	freeEvents map[uint64]bool
	eventsSeq  uint64 // the highest sequence of the events bucket found (rawFile.eventsSeq)
}

type salvagedValue struct {
	t    tag
	path []string
	key  []byte
	val  []byte // sealed
	body []byte // val without its seal
	free bool
}

// salvageInto reads the damaged file at raw page by page and adds to out
// what the tree walk could not read, by the rules above.
func salvageInto(raw string, out *bolt.DB, walk *treeWalk, rep *RepairReport) (*salvage, error) {
	f, err := os.Open(raw)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	rf := openRaw(f, st.Size())
	sal := &salvage{freelist: rf.free != nil, freeEvents: map[uint64]bool{}}
	var pending []salvagedValue
	var werr error
	flush := func() {
		if werr == nil && len(pending) > 0 {
			werr = out.Update(func(tx *bolt.Tx) error { return sal.put(tx, pending, rep) })
		}
		pending = pending[:0]
	}
	scanSalvage(rf, walk, func(v salvagedValue) bool {
		pending = append(pending, v)
		if len(pending) >= salvageBatch {
			flush()
		}
		return werr == nil
	})
	flush()
	if werr != nil {
		return nil, fmt.Errorf("write what was salvaged: %w", werr)
	}
	sal.eventsSeq = rf.eventsSeq
	return sal, nil
}

// scanSalvage hands take every value of rf's leaf pages that the walk
// could not read, that is sound and plausible, and that rule 2 admits, as
// a copy; take returns false to stop.
func scanSalvage(rf *rawFile, walk *treeWalk, take func(salvagedValue) bool) {
	rf.leaves(func(rv rawValue) bool {
		body, t, err := openSeal(rv.val)
		if err != nil {
			return true
		}
		path := t.path()
		if !walk.open(path, rv.key) || !plausible(t, rv.key, rv.val, body) {
			return true
		}
		if rv.free && !immutable(t.kind) {
			return true // rule 2
		}
		val := slices.Clone(rv.val)
		return take(salvagedValue{t: t, path: path, key: slices.Clone(rv.key), val: val,
			body: val[:len(body)], free: rv.free})
	})
}

// put writes a batch of salvaged values (rules 3 and the bookkeeping of 4).
func (sal *salvage) put(tx *bolt.Tx, batch []salvagedValue, rep *RepairReport) error {
	buckets := map[string]*bolt.Bucket{}
	for _, v := range batch {
		pk := pathKey(v.path)
		b := buckets[pk]
		if b == nil {
			var err error
			if b, err = createPath(tx, v.path); err != nil {
				return err
			}
			buckets[pk] = b
		}
		cur := b.Get(v.key)
		if cur == nil {
			if err := b.Put(v.key, v.val); err != nil {
				return err
			}
			rep.Kept++
			rep.Salvaged++
			if kr := rep.kind(v.t.kind); kr != nil {
				kr.Kept++
				kr.Salvaged++
			}
			if v.t.kind == kindEvents && v.free {
				sal.freeEvents[binary.BigEndian.Uint64(v.key)] = true
			}
			continue
		}
		if v.t.kind == kindEvents && !v.free {
			delete(sal.freeEvents, binary.BigEndian.Uint64(v.key)) // a live copy too
		}
		curBody, _, err := openSeal(cur)
		if err != nil {
			continue
		}
		if isNewer, _ := newer(v.t.kind, v.body, curBody); isNewer && !bytes.Equal(cur, v.val) {
			if err := b.Put(v.key, v.val); err != nil {
				return err
			}
		}
	}
	return nil
}

// createPath opens the bucket at path, creating what is missing.
func createPath(tx *bolt.Tx, path []string) (*bolt.Bucket, error) {
	b, err := tx.CreateBucketIfNotExists([]byte(path[0]))
	for _, p := range path[1:] {
		if err != nil {
			break
		}
		b, err = b.CreateBucketIfNotExists([]byte(p))
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", printablePath(path), err)
	}
	return b, nil
}

// dropStaleEvents deletes the events at or below every endpoint's cursor
// (rule 4) and, when no endpoint record survived, the events found on free
// pages only. What it deletes was counted as salvaged: it is uncounted.
func (sal *salvage) dropStaleEvents(tx *bolt.Tx, rep *RepairReport) error {
	events := outboxBucket(tx, bucketOutboxEvents)
	low, found := lowestCursor(tx)
	var stale [][]byte
	c := events.Cursor()
	if found {
		for k, _ := c.First(); k != nil && len(k) == 8 && binary.BigEndian.Uint64(k) <= low; k, _ = c.Next() {
			stale = append(stale, slices.Clone(k))
		}
	} else {
		for seq := range sal.freeEvents {
			stale = append(stale, sequenceKey(seq))
		}
	}
	for _, k := range stale {
		if events.Get(k) == nil {
			continue
		}
		if err := events.Delete(k); err != nil {
			return err
		}
		rep.Kept--
		rep.Salvaged = max(rep.Salvaged-1, 0)
		if kr := rep.kind(kindEvents); kr != nil {
			kr.Kept--
			kr.Salvaged = max(kr.Salvaged-1, 0)
		}
	}
	return nil
}

// maxSeqJump bounds how far past the last event kept (or the lowest
// cursor) a sequence read from a bucket header, which carries no
// checksum, may raise the queue's sequence.
const maxSeqJump = 1 << 20

// raiseEventsSeq raises the queue's sequence to the highest one the page
// scan found, so that events lost at the queue's end are counted and their
// sequence numbers never reused.
func (sal *salvage) raiseEventsSeq(tx *bolt.Tx) error {
	events := outboxBucket(tx, bucketOutboxEvents)
	if events == nil || sal.eventsSeq <= events.Sequence() {
		return nil
	}
	var known uint64
	if k, _ := events.Cursor().Last(); len(k) == 8 {
		known = binary.BigEndian.Uint64(k)
	}
	each := func(_ []byte, r endpointRecord) error {
		known = max(known, r.Cursor)
		return nil
	}
	_ = forEachEndpoint(tx, each)
	_ = forEachRetired(tx, each)
	if sal.eventsSeq-known > maxSeqJump {
		return nil // implausible: a damaged header
	}
	return events.SetSequence(sal.eventsSeq)
}

// countLostEvents counts the events known lost: the gaps in the queue
// between the lowest cursor and the queue's sequence. Events past the last
// one the repaired file holds, when the queue's own sequence was lost too,
// cannot be counted.
func countLostEvents(tx *bolt.Tx, rep *RepairReport) {
	events := outboxBucket(tx, bucketOutboxEvents)
	if events == nil {
		return
	}
	low, found := lowestCursor(tx)
	c := events.Cursor()
	first, _ := c.First()
	if !found {
		if len(first) != 8 {
			return
		}
		low = binary.BigEndian.Uint64(first) - 1
	}
	top := events.Sequence()
	if top <= low {
		return
	}
	var present uint64
	for k, _ := c.Seek(sequenceKey(low + 1)); k != nil; k, _ = c.Next() {
		present++
	}
	if lost := top - low; lost > present {
		if kr := rep.kind(kindEvents); kr != nil {
			kr.Lost = max(kr.Lost, int(min(lost-present, 1<<31)))
		}
	}
}

// reindex makes the indexes of the history bucket name match its records:
// it removes entries whose record is gone, adds those a record lacks, and
// removes open records of calls that have ended (a stale checkpoint would
// otherwise be closed again as interrupted at the next start).
func reindex(tx *bolt.Tx, name string) error {
	h, err := historyOf(tx, name)
	if err != nil || h.records == nil || h.byStart == nil || h.byDevice == nil || h.openRec == nil {
		return nil
	}
	_, byStartKind, byDeviceKind, _ := h.kinds()
	for _, idx := range []*bolt.Bucket{h.byStart, h.byDevice} {
		var orphans [][]byte
		_ = idx.ForEach(func(k, _ []byte) error {
			if len(k) < 16 || h.records.Get(k[len(k)-8:]) == nil {
				orphans = append(orphans, slices.Clone(k))
			}
			return nil
		})
		for _, k := range orphans {
			if err := idx.Delete(k); err != nil {
				return err
			}
		}
	}
	type entry struct{ byStart, byDevice, sum []byte }
	var missing []entry
	ended := map[string]bool{}
	_ = h.records.ForEach(func(k, v []byte) error {
		id, dev, start, end, mutes, ok := recordFacts(name, v)
		if !ok || len(k) != 8 {
			return nil
		}
		ended[id] = true
		at := append(timeKey(start), k...)
		byDev := append(devicePrefix(dev), at...)
		if h.byStart.Get(at) == nil || h.byDevice.Get(byDev) == nil {
			missing = append(missing, entry{at, byDev, encodeSummary(end.Sub(start), mutes)})
		}
		return nil
	})
	for _, e := range missing {
		if err := h.byStart.Put(e.byStart, seal(tagOf(byStartKind), e.sum)); err != nil {
			return err
		}
		if err := h.byDevice.Put(e.byDevice, seal(tagOf(byDeviceKind), e.sum)); err != nil {
			return err
		}
	}
	var closed [][]byte
	_ = h.openRec.ForEach(func(k, _ []byte) error {
		if ended[string(k)] {
			closed = append(closed, slices.Clone(k))
		}
		return nil
	})
	for _, k := range closed {
		if err := h.openRec.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// recordFacts decodes what reindex needs of a record of the history name.
func recordFacts(name string, v []byte) (id, device string, start, end time.Time, mutes int, ok bool) {
	if name == bucketCameraSessions {
		s, err := decodeSession(v)
		return s.SessionID, s.Device.Key, s.Start, s.End, 0, err == nil
	}
	c, err := decodeCall(v)
	if c.MutePresses != nil {
		mutes = *c.MutePresses
	}
	return c.CallID, c.Device.Key, c.Start, c.End, mutes, err == nil
}

// lowestCursor is the lowest delivery cursor of every endpoint record,
// configured or retired, that survived; found is false when none did.
func lowestCursor(tx *bolt.Tx) (low uint64, found bool) {
	each := func(_ []byte, r endpointRecord) error {
		if !found || r.Cursor < low {
			low = r.Cursor
		}
		found = true
		return nil
	}
	_ = forEachEndpoint(tx, each)
	_ = forEachRetired(tx, each)
	return low, found
}
