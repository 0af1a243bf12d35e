package store

// Events an endpoint refused: parked with the reason, listed, delivered
// again or discarded by a person.

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Park keeps ev, refused by endpoint id, with the reason. It does not move
// the cursor: call AdvanceOutbox in the same transaction. Past the outbox
// limit the oldest parked event of that endpoint is dropped and counted.
func (tx *Tx) Park(id string, ev QueuedEvent, reason string, status int, at time.Time) error {
	b, r, err := tx.endpoint(id)
	if err != nil {
		return fmt.Errorf("park event: %w", err)
	}
	var packed []byte
	if ev.Err == nil {
		if packed, err = packEvent(ev.OutboxEvent); err != nil {
			return fmt.Errorf("park event: %w", err)
		}
	}
	v, err := sealJSON(namedTag(kindParked, id), parkedRecord{Reason: reason, Status: status, At: at, Event: packed})
	if err != nil {
		return fmt.Errorf("park event %s: %w", ev.ID, err)
	}
	pb, err := outboxBucket(tx.tx, bucketOutboxParked).CreateBucketIfNotExists([]byte(id))
	if err != nil {
		return fmt.Errorf("park event %s: %w", ev.ID, err)
	}
	if pb.Get(sequenceKey(ev.Seq)) == nil {
		r.Parked++
	}
	if err := pb.Put(sequenceKey(ev.Seq), v); err != nil {
		return fmt.Errorf("park event %s: %w", ev.ID, err)
	}
	for r.Parked > uint64(tx.s.limit()) {
		c := pb.Cursor()
		if k, _ := c.First(); k == nil {
			break
		}
		if err := c.Delete(); err != nil {
			return fmt.Errorf("drop oldest parked event: %w", err)
		}
		r.Parked--
		r.Dropped++
	}
	return putEndpoint(b, []byte(id), r)
}

// Unpark removes a parked event of endpoint id after it was delivered on a
// retry, and counts it delivered.
func (tx *Tx) Unpark(id string, seq uint64) error {
	b, r, err := tx.endpoint(id)
	if err != nil {
		return fmt.Errorf("unpark event: %w", err)
	}
	pb := outboxBucket(tx.tx, bucketOutboxParked).Bucket([]byte(id))
	if pb == nil || pb.Get(sequenceKey(seq)) == nil {
		return nil
	}
	if err := pb.Delete(sequenceKey(seq)); err != nil {
		return fmt.Errorf("unpark event %d: %w", seq, err)
	}
	r.Parked--
	r.Delivered++
	return putEndpoint(b, []byte(id), r)
}

// DiscardParked deletes every parked event of endpoint id and returns how
// many there were.
func (tx *Tx) DiscardParked(id string) (int, error) {
	b, r, err := tx.endpoint(id)
	if err != nil {
		return 0, fmt.Errorf("discard parked events: %w", err)
	}
	parked := outboxBucket(tx.tx, bucketOutboxParked)
	n := 0
	if pb := parked.Bucket([]byte(id)); pb != nil {
		n = pb.Stats().KeyN
		if err := parked.DeleteBucket([]byte(id)); err != nil {
			return 0, fmt.Errorf("discard parked events: %w", err)
		}
	}
	if _, err := parked.CreateBucket([]byte(id)); err != nil {
		return 0, fmt.Errorf("discard parked events: %w", err)
	}
	r.Parked = 0
	return n, putEndpoint(b, []byte(id), r)
}

// ParkedEvents returns up to max parked events of endpoint id with a
// sequence number after after, oldest first.
func (s *Store) ParkedEvents(id string, after uint64, max int) ([]ParkedEvent, error) {
	var out []ParkedEvent
	err := s.view(func(tx *bolt.Tx) error {
		pb := outboxBucket(tx, bucketOutboxParked).Bucket([]byte(id))
		if pb == nil {
			return nil
		}
		c := pb.Cursor()
		for k, v := c.Seek(sequenceKey(after + 1)); k != nil && len(out) < max; k, v = c.Next() {
			out = append(out, decodeParked(k, v))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read parked events: %w", err)
	}
	return out, nil
}

// decodeParked decodes a parked record; a record that cannot be decoded
// comes back with Err set, so it can still be shown and discarded.
func decodeParked(k, v []byte) ParkedEvent {
	p := ParkedEvent{}
	if len(k) == 8 {
		p.Seq = binary.BigEndian.Uint64(k)
	}
	var rec parkedRecord
	if err := unsealJSON(v, &rec); err != nil {
		p.Err = fmt.Errorf("parked event %x: %w", k, err)
		return p
	}
	p.Reason, p.Status, p.At = rec.Reason, rec.Status, rec.At
	if rec.Event == nil {
		p.Err = fmt.Errorf("parked event %d: the event could not be decoded when it was parked", p.Seq)
		return p
	}
	ev, err := unpackEvent(rec.Event)
	if err != nil {
		p.Err = fmt.Errorf("parked event %d: %w", p.Seq, err)
		return p
	}
	p.OutboxEvent = ev
	return p
}
