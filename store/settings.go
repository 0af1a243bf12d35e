package store

import (
	"fmt"
	"maps"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket names of the settings history and the client-side settings.
const (
	bucketSettingsHistory = "settingsHistory"
	bucketClientSettings  = "clientSettings"
)

// MaxSettingChanges is how many changes the history keeps per device; older
// ones are dropped as new ones come.
const MaxSettingChanges = 500

// Who changed a setting.
const (
	SourceUser       = "user"       // a person, in the window or with `earshot settings set`
	SourceManagement = "management" // the device-management endpoint (docs/device-management.md)
	SourceImport     = "import"     // a configuration file imported by hand
)

// SettingChange is one change of one setting of one device.
type SettingChange struct {
	Name   string    `json:"name"`
	Old    string    `json:"old"` // "" = not set, or not known before
	New    string    `json:"new"` // "" = not set
	Source string    `json:"source"`
	At     time.Time `json:"at"`
}

// createSettings lays out the buckets of the settings history and the
// client-side settings.
func createSettings(tx *bolt.Tx) error {
	for _, name := range []string{bucketSettingsHistory, bucketClientSettings} {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// RecordSettingChanges appends changes to the history of the device under
// deviceKey, dropping the oldest beyond MaxSettingChanges.
func (tx *Tx) RecordSettingChanges(deviceKey string, changes []SettingChange) error {
	if len(changes) == 0 {
		return nil
	}
	b, err := tx.tx.Bucket([]byte(bucketSettingsHistory)).CreateBucketIfNotExists([]byte(deviceKey))
	if err != nil {
		return fmt.Errorf("settings history of %s: %w", deviceKey, err)
	}
	for _, c := range changes {
		seq, err := b.NextSequence()
		if err != nil {
			return fmt.Errorf("settings history of %s: %w", deviceKey, err)
		}
		v, err := sealJSON(namedTag(kindSettingsHistory, deviceKey), c)
		if err != nil {
			return fmt.Errorf("encode setting change %s: %w", c.Name, err)
		}
		if err := b.Put(sequenceKey(seq), v); err != nil {
			return fmt.Errorf("record setting change %s of %s: %w", c.Name, deviceKey, err)
		}
	}
	// Trim from the front. Keys are sequence numbers, only ever deleted
	// from the front, so those kept are keepFrom…Sequence().
	if b.Sequence() <= MaxSettingChanges {
		return nil
	}
	keepFrom := sequenceKey(b.Sequence() - MaxSettingChanges + 1)
	c := b.Cursor()
	for k, _ := c.First(); k != nil && string(k) < string(keepFrom); k, _ = c.First() {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("trim settings history of %s: %w", deviceKey, err)
		}
	}
	return nil
}

// SetClientSettings stores client-side setting values (docs/device-management.md) of the
// device under deviceKey; names not in values keep theirs, and a value ""
// removes its name.
func (tx *Tx) SetClientSettings(deviceKey string, values map[string]string) error {
	if len(values) == 0 {
		return nil
	}
	b := tx.tx.Bucket([]byte(bucketClientSettings))
	cur, err := getClientSettings(b, deviceKey)
	if err != nil {
		return err
	}
	if cur == nil {
		cur = make(map[string]string, len(values))
	}
	maps.Copy(cur, values)
	maps.DeleteFunc(cur, func(_, v string) bool { return v == "" })
	v, err := sealJSON(tagOf(kindClientSettings), cur)
	if err != nil {
		return fmt.Errorf("encode client settings of %s: %w", deviceKey, err)
	}
	if err := b.Put([]byte(deviceKey), v); err != nil {
		return fmt.Errorf("save client settings of %s: %w", deviceKey, err)
	}
	return nil
}

// SettingChanges returns up to limit changes of the device under deviceKey,
// newest first (limit ≤ 0: all that are kept).
func (s *Store) SettingChanges(deviceKey string, limit int) ([]SettingChange, error) {
	var out []SettingChange
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketSettingsHistory)).Bucket([]byte(deviceKey))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var ch SettingChange
			if err := unsealJSON(v, &ch); err != nil {
				return fmt.Errorf("bucket %s/%s key %x: %w", bucketSettingsHistory, deviceKey, k, err)
			}
			out = append(out, ch)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("settings history of %s: %w", deviceKey, err)
	}
	return out, nil
}

// ClientSettings returns the client-side settings stored for deviceKey (nil
// when none).
func (s *Store) ClientSettings(deviceKey string) (map[string]string, error) {
	var out map[string]string
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = getClientSettings(tx.Bucket([]byte(bucketClientSettings)), deviceKey)
		return err
	})
	return out, err
}

func getClientSettings(b *bolt.Bucket, deviceKey string) (map[string]string, error) {
	v := b.Get([]byte(deviceKey))
	if v == nil {
		return nil, nil
	}
	var m map[string]string
	if err := unsealJSON(v, &m); err != nil {
		return nil, fmt.Errorf("bucket %s key %q: %w", bucketClientSettings, deviceKey, err)
	}
	return m, nil
}
