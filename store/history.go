package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A history bucket (calls, cameraSessions) keeps ended records under a
// sequence key, two indexes over them, and the records still open:
//
//	records   <seq> → record JSON
//	byStart   <start><seq> → summary
//	byDevice  <device key> 0x00 <start><seq> → summary
//	open      <id> → record JSON
//
// <start> is timeKey(start): 8 bytes that sort in time order. A summary is
// the record's duration in milliseconds (8 bytes) and its mute presses (4
// bytes), sealed (seal.go), so day totals are read from an index alone, without decoding a
// record.
const (
	subRecords  = "records"
	subByStart  = "byStart"
	subByDevice = "byDevice"
	subOpen     = "open"
)

// deviceSep ends the device key in byDevice keys; device keys never hold a
// NUL byte.
const deviceSep = 0x00

// createHistory lays out a history bucket; what exists already is kept, so
// running it twice is harmless.
func createHistory(tx *bolt.Tx, name string) error {
	b, err := tx.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	for _, sub := range []string{subRecords, subByStart, subByDevice, subOpen} {
		if _, err := b.CreateBucketIfNotExists([]byte(sub)); err != nil {
			return fmt.Errorf("create bucket %s/%s: %w", name, sub, err)
		}
	}
	return nil
}

// history is one history bucket inside a transaction.
type history struct {
	name                                string
	records, byStart, byDevice, openRec *bolt.Bucket
}

func historyOf(tx *bolt.Tx, name string) (history, error) {
	b := tx.Bucket([]byte(name))
	if b == nil {
		return history{}, fmt.Errorf("bucket %s missing", name)
	}
	return history{
		name:     name,
		records:  b.Bucket([]byte(subRecords)),
		byStart:  b.Bucket([]byte(subByStart)),
		byDevice: b.Bucket([]byte(subByDevice)),
		openRec:  b.Bucket([]byte(subOpen)),
	}, nil
}

// timeKey encodes t as 8 bytes that sort in time order (the sign bit of the
// Unix nanoseconds flipped, big-endian).
func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())^(1<<63))
}

func timeFromKey(k []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(k)^(1<<63))).UTC()
}

// summary is what an index entry carries of its record.
type summary struct {
	seq      uint64
	start    time.Time
	duration time.Duration
	mutes    int
}

// encodeSummary returns a summary, not yet sealed: putEnded seals it for
// each index.
func encodeSummary(d time.Duration, mutes int) []byte {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 12), uint64(max(d.Milliseconds(), 0)))
	return binary.BigEndian.AppendUint32(v, uint32(max(mutes, 0)))
}

// decodeSummary reads an index entry: k ends with <start><seq>.
func decodeSummary(k, sealed []byte) (summary, bool) {
	v, err := unseal(sealed)
	if err != nil || len(k) < 16 || len(v) < 12 {
		return summary{}, false
	}
	tail := k[len(k)-16:]
	return summary{
		seq:      binary.BigEndian.Uint64(tail[8:]),
		start:    timeFromKey(tail[:8]),
		duration: time.Duration(binary.BigEndian.Uint64(v[:8])) * time.Millisecond,
		mutes:    int(binary.BigEndian.Uint32(v[8:12])),
	}, true
}

func devicePrefix(deviceKey string) []byte {
	return append([]byte(deviceKey), deviceSep)
}

// kinds are the seal tags of h's buckets: records, byStart, byDevice, open.
func (h history) kinds() (records, byStart, byDevice, open kind) {
	if h.name == bucketCameraSessions {
		return kindSessionRecords, kindSessionByStart, kindSessionByDevice, kindSessionOpen
	}
	return kindCallRecords, kindCallByStart, kindCallByDevice, kindCallOpen
}

// putEnded stores an ended record (sealed) and indexes it with sum (its
// summary, not sealed).
func (h history) putEnded(deviceKey string, start time.Time, sum []byte, value []byte) error {
	seq, err := h.records.NextSequence()
	if err != nil {
		return err
	}
	sk := sequenceKey(seq)
	if err := h.records.Put(sk, value); err != nil {
		return err
	}
	at := append(timeKey(start), sk...)
	_, byStart, byDevice, _ := h.kinds()
	if err := h.byStart.Put(at, seal(tagOf(byStart), sum)); err != nil {
		return err
	}
	return h.byDevice.Put(append(devicePrefix(deviceKey), at...), seal(tagOf(byDevice), sum))
}

// Query selects ended records of a history: one device or all, and a span of
// start times. Results come newest first.
type Query struct {
	DeviceKey string    // "" = every device
	From      time.Time // records that started at or after From; zero = no bound
	To        time.Time // records that started before To; zero = no bound
	Limit     int       // at most this many; ≤ 0 = all
}

// scan calls fn for each index entry q selects, newest first, until fn
// returns false.
func (h history) scan(q Query, fn func(summary) bool) {
	h.scanBefore(q, nil, func(_ []byte, s summary) bool { return fn(s) })
}

// scanBefore is scan starting strictly before the index key before (nil:
// from the newest), handing fn each entry's key too (valid only inside the
// transaction), so a long listing can go on in a later transaction from
// where the last one stopped.
func (h history) scanBefore(q Query, before []byte, fn func(k []byte, s summary) bool) {
	idx, prefix := h.byStart, []byte(nil)
	if q.DeviceKey != "" {
		idx, prefix = h.byDevice, devicePrefix(q.DeviceKey)
	}
	c := idx.Cursor()
	var k, v []byte
	if before != nil {
		if k, _ = c.Seek(before); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	} else if q.To.IsZero() {
		// The first key past the prefix, then one back.
		end := append(append([]byte(nil), prefix...), bytes.Repeat([]byte{0xFF}, 17)...)
		if k, _ = c.Seek(end); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	} else {
		if k, _ = c.Seek(append(append([]byte(nil), prefix...), timeKey(q.To)...)); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	n := 0
	for ; k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+16; k, v = c.Prev() {
		s, ok := decodeSummary(k, v)
		if !ok {
			continue
		}
		if !q.From.IsZero() && s.start.Before(q.From) {
			return
		}
		if !q.To.IsZero() && !s.start.Before(q.To) {
			continue
		}
		if !fn(k, s) {
			return
		}
		if n++; q.Limit > 0 && n >= q.Limit {
			return
		}
	}
}

// DayTotal sums the ended calls (or camera sessions) that started on one day.
type DayTotal struct {
	Day   time.Time     // midnight starting the day, in the location asked for
	Count int           // calls or sessions
	Time  time.Duration // talk or streaming time
	Mutes int           // mute presses (calls)
}

// dayTotals sums what q selects per day of loc, newest day first.
func (h history) dayTotals(q Query, loc *time.Location) []DayTotal {
	q.Limit = 0
	var out []DayTotal
	h.scan(q, func(s summary) bool {
		t := s.start.In(loc)
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		if len(out) == 0 || !out[len(out)-1].Day.Equal(day) {
			out = append(out, DayTotal{Day: day})
		}
		d := &out[len(out)-1]
		d.Count++
		d.Time += s.duration
		d.Mutes += s.mutes
		return true
	})
	return out
}

// deviceKeys returns the device keys that have ended records, each with the
// sequence number of its newest record.
func (h history) deviceKeys() (keys []string, newest []uint64) {
	c := h.byDevice.Cursor()
	for k, _ := c.First(); k != nil; {
		i := bytes.IndexByte(k, deviceSep)
		if i < 0 {
			k, _ = c.Next()
			continue
		}
		key := string(k[:i])
		next := append([]byte(key), deviceSep+1)
		var last []byte
		if nk, _ := c.Seek(next); nk == nil {
			last, _ = c.Last()
		} else {
			last, _ = c.Prev()
		}
		if bytes.HasPrefix(last, devicePrefix(key)) && len(last) == i+1+16 {
			keys = append(keys, key)
			newest = append(newest, binary.BigEndian.Uint64(last[len(last)-8:]))
		}
		k, _ = c.Seek(next)
	}
	return keys, newest
}

// prune deletes up to limit ended records that started before before, oldest
// first; deviceOf reads a record's device key. It reports how many it deleted.
func (h history) prune(before time.Time, limit int, deviceOf func(value []byte) (string, error)) (int, error) {
	type victim struct{ at, seqKey []byte }
	var victims []victim
	c := h.byStart.Cursor()
	stop := timeKey(before)
	for k, _ := c.First(); k != nil && len(victims) < limit; k, _ = c.Next() {
		if len(k) != 16 || bytes.Compare(k[:8], stop) >= 0 {
			break
		}
		victims = append(victims, victim{at: append([]byte(nil), k...), seqKey: append([]byte(nil), k[8:]...)})
	}
	for _, v := range victims {
		if raw := h.records.Get(v.seqKey); raw != nil {
			dev, err := deviceOf(raw)
			if err != nil {
				return 0, fmt.Errorf("bucket %s record %x: %w", h.name, v.seqKey, err)
			}
			if err := h.byDevice.Delete(append(devicePrefix(dev), v.at...)); err != nil {
				return 0, err
			}
			if err := h.records.Delete(v.seqKey); err != nil {
				return 0, err
			}
		}
		if err := h.byStart.Delete(v.at); err != nil {
			return 0, err
		}
	}
	return len(victims), nil
}
