package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Endpoints no longer configured keep their queue until a person discards
// it or the retention passes (docs/analytics.md).

// ExpireRetired gives up the queues of the endpoints retired longer than
// RetiredRetention ago, and returns their names.
func (s *Store) ExpireRetired(ctx context.Context) ([]string, error) {
	now := s.o.Now()
	var names []string
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if names, err = expireRetired(tx.tx, now); err != nil {
			return err
		}
		return trim(tx.tx)
	})
	if err != nil {
		return nil, fmt.Errorf("expire retired outbox endpoints: %w", err)
	}
	return names, nil
}

func expireRetired(tx *bolt.Tx, now time.Time) ([]string, error) {
	var names []string
	var ids [][]byte
	var given uint64
	first, last := seqRange(outboxBucket(tx, bucketOutboxEvents))
	err := forEachRetired(tx, func(id []byte, r endpointRecord) error {
		if r.RetiredAt != nil && !now.Before(r.RetiredAt.Add(RetiredRetention)) {
			ids = append(ids, slices.Clone(id))
			names = append(names, r.Name)
			given += r.queued(first, last) + r.Parked
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := deleteRetired(tx, id); err != nil {
			return nil, err
		}
	}
	if given > 0 {
		if err := addCounter(outboxBucket(tx, bucketOutboxCounters), keyOutboxExpired, given); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// DiscardRetired deletes, at a person's explicit request, the queue and
// parked events of an endpoint no longer configured, and returns how many
// events it held (queued, parked).
func (s *Store) DiscardRetired(ctx context.Context, id string) (queued, parked uint64, err error) {
	err = s.Write(ctx, func(tx *Tx) error {
		rb, err := retiredBucket(tx.tx)
		if err != nil {
			return err
		}
		v := rb.Get([]byte(id))
		if v == nil {
			return fmt.Errorf("no endpoint %q that is no longer configured", id)
		}
		r, err := decodeEndpoint([]byte(id), v)
		if err != nil {
			return err
		}
		first, last := seqRange(outboxBucket(tx.tx, bucketOutboxEvents))
		queued, parked = r.queued(first, last), r.Parked
		if err := deleteRetired(tx.tx, []byte(id)); err != nil {
			return err
		}
		return trim(tx.tx)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("discard the queue of a former endpoint: %w", err)
	}
	return queued, parked, nil
}

func deleteRetired(tx *bolt.Tx, id []byte) error {
	rb, err := retiredBucket(tx)
	if err != nil {
		return err
	}
	if err := rb.Delete(id); err != nil {
		return err
	}
	return deleteParked(tx, id)
}

func deleteParked(tx *bolt.Tx, id []byte) error {
	parked := outboxBucket(tx, bucketOutboxParked)
	if parked.Bucket(id) != nil {
		return parked.DeleteBucket(id)
	}
	return nil
}

// queued is how many of the events first..last a retired endpoint still
// holds: those after its cursor up to the last one queued when it retired.
func (r endpointRecord) queued(first, last uint64) uint64 {
	if r.Until > 0 {
		last = min(last, r.Until)
	}
	if last == 0 || r.Cursor >= last {
		return 0
	}
	return last - max(r.Cursor, first-1)
}

// retiredBucket returns outbox/retired, which files written before it
// existed lack until their first write.
func retiredBucket(tx *bolt.Tx) (*bolt.Bucket, error) {
	ob := tx.Bucket([]byte(bucketOutbox))
	if b := ob.Bucket([]byte(bucketOutboxRetired)); b != nil || !tx.Writable() {
		return b, nil
	}
	return ob.CreateBucket([]byte(bucketOutboxRetired))
}

func forEachRetired(tx *bolt.Tx, fn func(id []byte, r endpointRecord) error) error {
	rb, err := retiredBucket(tx)
	if err != nil || rb == nil {
		return err
	}
	return rb.ForEach(func(k, v []byte) error {
		r, err := decodeEndpoint(k, v)
		if err != nil {
			return err
		}
		return fn(k, r)
	})
}

// dropForRetired moves the retired endpoints that held events first..upTo
// past them, counting them dropped.
func dropForRetired(tx *bolt.Tx, first, upTo uint64) error {
	rb, err := retiredBucket(tx)
	if err != nil {
		return err
	}
	type change struct {
		id []byte
		r  endpointRecord
	}
	var changes []change
	err = forEachRetired(tx, func(id []byte, r endpointRecord) error {
		if r.Cursor >= upTo {
			return nil
		}
		own := min(upTo, r.Until)
		if own > max(r.Cursor, first-1) {
			r.Dropped += own - max(r.Cursor, first-1)
		}
		r.Cursor = upTo
		changes = append(changes, change{slices.Clone(id), r})
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range changes {
		if err := putEndpoint(rb, c.id, c.r); err != nil {
			return err
		}
	}
	return nil
}
