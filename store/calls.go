package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The history buckets (drawn in schema.go).
const (
	bucketCalls          = "calls"
	bucketCameraSessions = "cameraSessions"
)

// createCallHistory lays out the calls and cameraSessions buckets.
func createCallHistory(tx *bolt.Tx) error {
	for _, name := range []string{bucketCalls, bucketCameraSessions} {
		if err := createHistory(tx, name); err != nil {
			return err
		}
	}
	return nil
}

// HistoryDevice is the device a call or camera session happened on, as it
// was at the time: history outlives the device records it could point to.
type HistoryDevice struct {
	Key        string // the device's Key (ESN, or vendor:product:id)
	Name       string
	Kind       string
	VendorID   uint16
	ProductID  uint16
	Variant    string
	ESN        string
	Firmware   string
	Connection string
	ParentKey  string
}

// Why a call or camera session ended.
const (
	EndNormal        = "Ended"          // the device went back to idle
	EndDeviceRemoved = "DeviceRemoved"  // the device was detached mid-call
	EndStopped       = "EarshotStopped" // Earshot shut down mid-call
	EndInterrupted   = "Interrupted"    // found open at start-up: Earshot stopped without closing it
)

// CallRecord is one call of the history (docs/calls-and-presence.md) with the call fields of
// docs/analytics.md. A nil field was not observed (no such press, no such sample).
// It is stored in the binary form of history_codec.go.
type CallRecord struct {
	CallID string
	Device HistoryDevice
	Start  time.Time
	// End is when the call ended; while it is open, the last checkpoint.
	End time.Time
	// EndReason is one of the End… constants; "" while the call is open.
	EndReason string

	MutePresses            *int
	VolumeUpPresses        *int
	VolumeDownPresses      *int
	AudioExposureAvgDb     *float64
	AudioExposureMaxDb     *float64
	BackgroundNoiseAvgDb   *float64
	BackgroundNoiseMaxDb   *float64
	BoomArmBadlyPositioned *int
	MicrophoneMalfunction  *bool
	LinkQuality            map[string]float64 // level → percent of call time
	DectHandovers          *int
}

// Open tells whether the call has not ended yet.
func (c CallRecord) Open() bool { return c.EndReason == "" }

// SessionRecord is one camera streaming session with its people-count
// aggregates (docs/analytics.md CameraStreamingEnded).
type SessionRecord struct {
	SessionID string
	Device    HistoryDevice
	Start     time.Time
	End       time.Time // while open, the last checkpoint
	EndReason string    // "" while open

	PeopleCountAtStart *int
	PeopleCountAtEnd   *int
	PeopleCountMin     *int
	PeopleCountMax     *int
	PeopleCountAverage *float64 // weighted by time
}

// Open tells whether the session has not ended yet.
func (s SessionRecord) Open() bool { return s.EndReason == "" }

// PutCall stores rec inside tx: an open call replaces its last checkpoint;
// an ended one leaves the open calls and joins the history. Write the
// CallStatus event that reports it in the same tx (house habit 9 in docs/ARCHITECTURE.md).
func (tx *Tx) PutCall(rec CallRecord) error { return putCall(tx.tx, rec) }

// PutCameraSession is PutCall for a camera session.
func (tx *Tx) PutCameraSession(rec SessionRecord) error { return putSession(tx.tx, rec) }

// SaveCall is PutCall in a transaction of its own.
func (s *Store) SaveCall(rec CallRecord) error {
	return s.update(func(tx *bolt.Tx) error { return putCall(tx, rec) })
}

// SaveCalls stores recs in one transaction (imports, benchmarks).
func (s *Store) SaveCalls(recs []CallRecord) error {
	return s.update(func(tx *bolt.Tx) error {
		for _, rec := range recs {
			if err := putCall(tx, rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// SaveCameraSession is PutCameraSession in a transaction of its own.
func (s *Store) SaveCameraSession(rec SessionRecord) error {
	return s.update(func(tx *bolt.Tx) error { return putSession(tx, rec) })
}

func putCall(tx *bolt.Tx, rec CallRecord) error {
	mutes := 0
	if rec.MutePresses != nil {
		mutes = *rec.MutePresses
	}
	return putHistory(tx, bucketCalls, rec.CallID, rec.Device.Key, rec.Start, rec.End, mutes, rec.Open(), encodeCall(rec))
}

func putSession(tx *bolt.Tx, rec SessionRecord) error {
	return putHistory(tx, bucketCameraSessions, rec.SessionID, rec.Device.Key, rec.Start, rec.End, 0, rec.Open(), encodeSession(rec))
}

func putHistory(tx *bolt.Tx, bucket, id, deviceKey string, start, end time.Time, mutes int, open bool, v []byte) error {
	if id == "" {
		return fmt.Errorf("store %s: record without an id", bucket)
	}
	h, err := historyOf(tx, bucket)
	if err != nil {
		return err
	}
	if open {
		_, _, _, openKind := h.kinds()
		if v, err = retag(v, tagOf(openKind)); err == nil {
			err = h.openRec.Put([]byte(id), v)
		}
	} else if err = h.openRec.Delete([]byte(id)); err == nil {
		err = h.putEnded(deviceKey, start, encodeSummary(end.Sub(start), mutes), v)
	}
	if err != nil {
		return fmt.Errorf("store %s %s: %w", bucket, id, err)
	}
	return nil
}

// OpenCalls returns the calls stored as open, as last checkpointed.
func (s *Store) OpenCalls() ([]CallRecord, error) { return openRecords(s, bucketCalls, decodeCall) }

// OpenCameraSessions returns the camera sessions stored as open.
func (s *Store) OpenCameraSessions() ([]SessionRecord, error) {
	return openRecords(s, bucketCameraSessions, decodeSession)
}

func openRecords[T any](s *Store, bucket string, decode func([]byte) (T, error)) ([]T, error) {
	var out []T
	var bad []error
	err := s.view(func(tx *bolt.Tx) error {
		h, err := historyOf(tx, bucket)
		if err != nil {
			return err
		}
		return h.openRec.ForEach(func(k, v []byte) error {
			rec, err := decode(v)
			if err != nil {
				bad = append(bad, fmt.Errorf("bucket %s/%s key %q: %w", bucket, subOpen, k, err))
				return nil
			}
			out = append(out, rec)
			return nil
		})
	})
	if err := errors.Join(append(bad, err)...); err != nil {
		return out, fmt.Errorf("open %s: %w", bucket, err)
	}
	return out, nil
}

// Calls returns the ended calls q selects, newest first. Records that cannot
// be decoded are left out and named in the error, beside the others.
func (s *Store) Calls(q Query) ([]CallRecord, error) { return query(s, bucketCalls, q, decodeCallInto) }

// CameraSessions returns the ended camera sessions q selects, newest first.
func (s *Store) CameraSessions(q Query) ([]SessionRecord, error) {
	return query(s, bucketCameraSessions, q, decodeSessionInto)
}

func query[T any](s *Store, bucket string, q Query, decode func(*decoder, []byte, *T) error) ([]T, error) {
	var out []T
	var bad []error
	err := s.view(func(tx *bolt.Tx) error {
		h, err := historyOf(tx, bucket)
		if err != nil {
			return err
		}
		// The index first, so the records are decoded straight into a
		// slice of the right length.
		var seqs []uint64
		h.scan(q, func(sum summary) bool {
			seqs = append(seqs, sum.seq)
			return true
		})
		out = make([]T, len(seqs))
		d := &decoder{strs: map[string]string{}}
		n := 0
		for _, seq := range seqs {
			k := sequenceKey(seq)
			if err := decode(d, h.records.Get(k), &out[n]); err != nil {
				bad = append(bad, fmt.Errorf("bucket %s/%s key %x: %w", bucket, subRecords, k, err))
				continue
			}
			n++
		}
		out = out[:n]
		return nil
	})
	if err := errors.Join(append(bad, err)...); err != nil {
		return out, fmt.Errorf("list %s: %w", bucket, err)
	}
	return out, nil
}

// CallTotals sums the ended calls q selects per day of loc (by the day each
// started), newest day first; q.Limit is ignored. It reads the index only.
func (s *Store) CallTotals(q Query, loc *time.Location) ([]DayTotal, error) {
	return totals(s, bucketCalls, q, loc)
}

// CameraSessionTotals is CallTotals for camera sessions (Mutes stays 0).
func (s *Store) CameraSessionTotals(q Query, loc *time.Location) ([]DayTotal, error) {
	return totals(s, bucketCameraSessions, q, loc)
}

func totals(s *Store, bucket string, q Query, loc *time.Location) ([]DayTotal, error) {
	var out []DayTotal
	err := s.view(func(tx *bolt.Tx) error {
		h, err := historyOf(tx, bucket)
		if err != nil {
			return err
		}
		out = h.dayTotals(q, loc)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("day totals of %s: %w", bucket, err)
	}
	return out, nil
}

// CallDevices returns every device with ended calls, as its newest call
// names it, sorted by device key.
func (s *Store) CallDevices() ([]HistoryDevice, error) {
	return historyDevices(s, bucketCalls, func(v []byte) (HistoryDevice, error) {
		rec, err := decodeCall(v)
		return rec.Device, err
	})
}

// CameraSessionDevices returns every device with ended camera sessions.
func (s *Store) CameraSessionDevices() ([]HistoryDevice, error) {
	return historyDevices(s, bucketCameraSessions, func(v []byte) (HistoryDevice, error) {
		rec, err := decodeSession(v)
		return rec.Device, err
	})
}

func historyDevices(s *Store, bucket string, deviceOf func([]byte) (HistoryDevice, error)) ([]HistoryDevice, error) {
	var out []HistoryDevice
	err := s.view(func(tx *bolt.Tx) error {
		h, err := historyOf(tx, bucket)
		if err != nil {
			return err
		}
		keys, newest := h.deviceKeys()
		for i, key := range keys {
			d := HistoryDevice{Key: key, Name: key}
			if v := h.records.Get(sequenceKey(newest[i])); v != nil {
				if got, err := deviceOf(v); err == nil {
					d = got
					d.Key = key
				}
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("devices of %s: %w", bucket, err)
	}
	return out, nil
}

// pruneBatch is how many records one pruning transaction deletes, so a large
// backlog does not hold the write lock for long.
const pruneBatch = 2000

// PruneHistory deletes the ended calls and camera sessions that started
// before before, and returns how many of each it deleted.
func (s *Store) PruneHistory(before time.Time) (calls, sessions int, err error) {
	callDevice := func(v []byte) (string, error) {
		rec, err := decodeCall(v)
		return rec.Device.Key, err
	}
	sessionDevice := func(v []byte) (string, error) {
		rec, err := decodeSession(v)
		return rec.Device.Key, err
	}
	for _, b := range []struct {
		name     string
		n        *int
		deviceOf func([]byte) (string, error)
	}{{bucketCalls, &calls, callDevice}, {bucketCameraSessions, &sessions, sessionDevice}} {
		for {
			var n int
			err = s.update(func(tx *bolt.Tx) error {
				h, err := historyOf(tx, b.name)
				if err != nil {
					return err
				}
				n, err = h.prune(before, pruneBatch, b.deviceOf)
				return err
			})
			if err != nil {
				return calls, sessions, fmt.Errorf("prune %s before %s: %w", b.name, before.Format(time.RFC3339), err)
			}
			*b.n += n
			if n < pruneBatch {
				break
			}
		}
	}
	return calls, sessions, nil
}
