package store

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// streamPage is how many records one read transaction of EachCall decodes.
// A long read transaction would hold the database's memory map and keep a
// writer from growing the file, so a listing of a million calls runs as
// many short transactions, each continuing after the last index key seen.
const streamPage = 256

// releaseEvery is how many pages a listing reads between telling the
// kernel to drop the map's pages from this process (releaseMapped).
const releaseEvery = 16

// EachCall calls fn with each ended call q selects, newest first, reading
// the history in pages so memory stays flat in its size. A record that
// cannot be decoded stops the listing with an error naming it; fn's error
// stops it too and is returned.
func (s *Store) EachCall(q Query, fn func(CallRecord) error) error {
	return each(s, bucketCalls, q, decodeCallInto, fn)
}

// EachCameraSession is EachCall for the ended camera sessions.
func (s *Store) EachCameraSession(q Query, fn func(SessionRecord) error) error {
	return each(s, bucketCameraSessions, q, decodeSessionInto, fn)
}

func each[T any](s *Store, bucket string, q Query, decode func(*decoder, []byte, *T) error, fn func(T) error) error {
	var before []byte
	left := q.Limit
	page := make([]T, 0, streamPage)
	defer s.releaseMapped()
	for pages := 1; ; pages++ {
		if pages%releaseEvery == 0 {
			s.releaseMapped()
		}
		page = page[:0]
		full := false
		err := s.view(func(tx *bolt.Tx) error {
			h, err := historyOf(tx, bucket)
			if err != nil {
				return err
			}
			d := &decoder{strs: map[string]string{}}
			var bad error
			// Records are keyed by sequence, and a history written in time
			// order lists them in descending sequence: one step back on a
			// cursor finds the next, where a Get would search from the root.
			rc := h.records.Cursor()
			var rk, rv []byte
			h.scanBefore(q, before, func(k []byte, sum summary) bool {
				var rec T
				sk := sequenceKey(sum.seq)
				if rk != nil {
					rk, rv = rc.Prev()
				}
				if !bytes.Equal(rk, sk) {
					if rk, rv = rc.Seek(sk); !bytes.Equal(rk, sk) {
						rv = nil
					}
				}
				if err := decode(d, rv, &rec); err != nil {
					bad = fmt.Errorf("bucket %s/%s key %x: %w", bucket, subRecords, sk, err)
					return false
				}
				page = append(page, rec)
				if len(page) == streamPage {
					before, full = append(before[:0], k...), true
					return false
				}
				return true
			})
			return bad
		})
		if err != nil {
			return fmt.Errorf("list %s: %w", bucket, err)
		}
		for _, rec := range page {
			if err := fn(rec); err != nil {
				return err
			}
			if left--; q.Limit > 0 && left == 0 {
				return nil
			}
		}
		if !full {
			return nil
		}
	}
}
