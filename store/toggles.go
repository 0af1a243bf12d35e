package store

import (
	"fmt"
	"maps"

	bolt "go.etcd.io/bbolt"
)

// SetEventToggles records, for the device under deviceKey, which analytics
// event families are switched on (true) or off (false), keyed by the
// client-side setting name of docs/device-management.md (EVENT_CALL_STATUS, …). Names not in
// toggles keep their stored value.
func (tx *Tx) SetEventToggles(deviceKey string, toggles map[string]bool) error {
	b := tx.tx.Bucket([]byte(bucketEventToggles))
	cur, err := getToggles(b, deviceKey)
	if err != nil {
		return err
	}
	if cur == nil {
		cur = make(map[string]bool, len(toggles))
	}
	maps.Copy(cur, toggles)
	v, err := sealJSON(tagOf(kindEventToggles), cur)
	if err != nil {
		return fmt.Errorf("encode event toggles of %s: %w", deviceKey, err)
	}
	if err := b.Put([]byte(deviceKey), v); err != nil {
		return fmt.Errorf("save event toggles of %s: %w", deviceKey, err)
	}
	return nil
}

// EventToggles returns the toggles stored for deviceKey (nil when none: every
// family is on).
func (tx *Tx) EventToggles(deviceKey string) (map[string]bool, error) {
	return getToggles(tx.tx.Bucket([]byte(bucketEventToggles)), deviceKey)
}

// EventToggles is Tx.EventToggles in a read-only transaction.
func (s *Store) EventToggles(deviceKey string) (map[string]bool, error) {
	var out map[string]bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = getToggles(tx.Bucket([]byte(bucketEventToggles)), deviceKey)
		return err
	})
	return out, err
}

func getToggles(b *bolt.Bucket, deviceKey string) (map[string]bool, error) {
	v := b.Get([]byte(deviceKey))
	if v == nil {
		return nil, nil
	}
	var m map[string]bool
	if err := unsealJSON(v, &m); err != nil {
		return nil, fmt.Errorf("bucket %s key %q: %w", bucketEventToggles, deviceKey, err)
	}
	return m, nil
}
