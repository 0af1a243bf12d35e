package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket names of device management and firmware (docs/device-management.md, docs/firmware.md).
const (
	bucketAppliedConfigs  = "appliedConfigs"
	bucketFirmware        = "firmware"
	bucketFirmwareUpdates = "firmwareUpdates"
)

// MaxFirmwareUpdates is how many update records the history keeps per
// device; older ones are dropped as new ones come.
const MaxFirmwareUpdates = 100

// createManagement lays out the buckets of device management and firmware.
func createManagement(tx *bolt.Tx) error {
	for _, name := range []string{bucketAppliedConfigs, bucketFirmware, bucketFirmwareUpdates} {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// AppliedConfig is what the device-management endpoint last had applied to
// the device with one ESN, so that an unchanged answer is not applied twice
// (docs/device-management.md). The settings and the firmware of an answer are remembered apart:
// settings are applied at once, firmware may take several polls to download.
type AppliedConfig struct {
	ESN string `json:"-"` // the bucket key

	// SettingsDigest identifies the settings object last applied.
	SettingsDigest string            `json:"settingsDigest"`
	Applied        map[string]string `json:"applied"`  // name → value written
	Rejected       map[string]string `json:"rejected"` // name → reason
	AppliedAt      time.Time         `json:"appliedAt"`

	// FirmwareDigest identifies the firmware element (with the settings that
	// go with it) whose handling has ended: found current, refused, or
	// updated with an outcome. Empty while a download is still to finish.
	FirmwareDigest  string    `json:"firmwareDigest"`
	FirmwareVersion string    `json:"firmwareVersion"` // the version the endpoint offers
	FirmwareURL     string    `json:"firmwareUrl"`     // credentials and query values masked
	FirmwareOutcome string    `json:"firmwareOutcome"` // "current", "Success" or the failure description
	FirmwareAt      time.Time `json:"firmwareAt"`
}

// PutAppliedConfig stores c under c.ESN, replacing what was there.
func (tx *Tx) PutAppliedConfig(c AppliedConfig) error {
	if c.ESN == "" {
		return errors.New("save applied configuration: no ESN")
	}
	v, err := sealJSON(tagOf(kindAppliedConfigs), c)
	if err != nil {
		return fmt.Errorf("encode applied configuration of %s: %w", c.ESN, err)
	}
	if err := tx.tx.Bucket([]byte(bucketAppliedConfigs)).Put([]byte(c.ESN), v); err != nil {
		return fmt.Errorf("save applied configuration of %s: %w", c.ESN, err)
	}
	return nil
}

// AppliedConfig returns what was applied to esn; found is false when nothing
// was.
func (tx *Tx) AppliedConfig(esn string) (c AppliedConfig, found bool, err error) {
	return getAppliedConfig(tx.tx, esn)
}

// AppliedConfig is Tx.AppliedConfig in a read-only transaction.
func (s *Store) AppliedConfig(esn string) (c AppliedConfig, found bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		c, found, err = getAppliedConfig(tx, esn)
		return err
	})
	return c, found, err
}

func getAppliedConfig(tx *bolt.Tx, esn string) (AppliedConfig, bool, error) {
	v := tx.Bucket([]byte(bucketAppliedConfigs)).Get([]byte(esn))
	if v == nil {
		return AppliedConfig{}, false, nil
	}
	var c AppliedConfig
	if err := unsealJSON(v, &c); err != nil {
		return AppliedConfig{}, false, fmt.Errorf("bucket %s key %q: %w", bucketAppliedConfigs, esn, err)
	}
	c.ESN = esn
	return c, true, nil
}

// Firmware states of a StagedFirmware.
const (
	FirmwareStaged    = "staged"    // waiting: for its update to start, or for a person to confirm it
	FirmwareUpdating  = "updating"  // an update runs (or ran when Earshot stopped)
	FirmwareFailed    = "failed"    // the last update of this file failed; the file is kept
	FirmwareInstalled = "installed" // the device runs this version; the file is removed
)

// StagedFirmware is the firmware archive staged for one device (docs/firmware.md).
type StagedFirmware struct {
	DeviceKey string    `json:"-"` // the bucket key
	Path      string    `json:"path"`
	Version   string    `json:"version"` // info.xml buildVector@version
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	Source    string    `json:"source"` // URL with credentials and query values masked, or a file path
	Managed   bool      `json:"managed"`
	StagedAt  time.Time `json:"stagedAt"`
	State     string    `json:"state"`             // one of the Firmware… states
	Failure   string    `json:"failure,omitempty"` // the last update's failure description
	// Language and Region are the configuration's settings that go with the
	// firmware ("" = none).
	Language string `json:"language,omitempty"`
	Region   string `json:"region,omitempty"`
}

// PutStagedFirmware stores f under f.DeviceKey, replacing what was there.
func (tx *Tx) PutStagedFirmware(f StagedFirmware) error {
	if f.DeviceKey == "" {
		return errors.New("save staged firmware: no device key")
	}
	v, err := sealJSON(tagOf(kindFirmware), f)
	if err != nil {
		return fmt.Errorf("encode staged firmware of %s: %w", f.DeviceKey, err)
	}
	if err := tx.tx.Bucket([]byte(bucketFirmware)).Put([]byte(f.DeviceKey), v); err != nil {
		return fmt.Errorf("save staged firmware of %s: %w", f.DeviceKey, err)
	}
	return nil
}

// StagedFirmware returns the firmware staged for deviceKey.
func (tx *Tx) StagedFirmware(deviceKey string) (StagedFirmware, bool, error) {
	return getStaged(tx.tx, deviceKey)
}

// StagedFirmware is Tx.StagedFirmware in a read-only transaction.
func (s *Store) StagedFirmware(deviceKey string) (f StagedFirmware, found bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		f, found, err = getStaged(tx, deviceKey)
		return err
	})
	return f, found, err
}

// AllStagedFirmware returns every staged firmware record, by device key.
func (s *Store) AllStagedFirmware() ([]StagedFirmware, error) {
	var out []StagedFirmware
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketFirmware)).ForEach(func(k, v []byte) error {
			var f StagedFirmware
			if err := unsealJSON(v, &f); err != nil {
				return fmt.Errorf("bucket %s key %q: %w", bucketFirmware, k, err)
			}
			f.DeviceKey = string(k)
			out = append(out, f)
			return nil
		})
	})
	return out, err
}

func getStaged(tx *bolt.Tx, key string) (StagedFirmware, bool, error) {
	v := tx.Bucket([]byte(bucketFirmware)).Get([]byte(key))
	if v == nil {
		return StagedFirmware{}, false, nil
	}
	var f StagedFirmware
	if err := unsealJSON(v, &f); err != nil {
		return StagedFirmware{}, false, fmt.Errorf("bucket %s key %q: %w", bucketFirmware, key, err)
	}
	f.DeviceKey = key
	return f, true, nil
}

// FirmwareUpdate is one firmware update of one device, as it ended.
type FirmwareUpdate struct {
	From    string    `json:"from"`
	To      string    `json:"to"`
	Managed bool      `json:"managed"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	Status  string    `json:"status"`            // "Success" or "Failure"
	Failure string    `json:"failure,omitempty"` // the docs/firmware.md description
	Detail  string    `json:"detail,omitempty"`  // why, for people and logs
}

// AddFirmwareUpdate appends u to the history of the device under deviceKey,
// dropping the oldest beyond MaxFirmwareUpdates.
func (tx *Tx) AddFirmwareUpdate(deviceKey string, u FirmwareUpdate) error {
	b, err := tx.tx.Bucket([]byte(bucketFirmwareUpdates)).CreateBucketIfNotExists([]byte(deviceKey))
	if err != nil {
		return fmt.Errorf("firmware history of %s: %w", deviceKey, err)
	}
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("firmware history of %s: %w", deviceKey, err)
	}
	v, err := sealJSON(namedTag(kindFirmwareUpdates, deviceKey), u)
	if err != nil {
		return fmt.Errorf("encode firmware update of %s: %w", deviceKey, err)
	}
	if err := b.Put(sequenceKey(seq), v); err != nil {
		return fmt.Errorf("record firmware update of %s: %w", deviceKey, err)
	}
	// Count with a cursor: Stats does not see this transaction's writes.
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	for extra := n - MaxFirmwareUpdates; extra > 0; extra-- {
		k, _ := b.Cursor().First()
		if k == nil {
			break
		}
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("trim firmware history of %s: %w", deviceKey, err)
		}
	}
	return nil
}

// FirmwareUpdates returns up to limit updates of the device under deviceKey,
// newest first (limit ≤ 0: all that are kept).
func (s *Store) FirmwareUpdates(deviceKey string, limit int) ([]FirmwareUpdate, error) {
	var out []FirmwareUpdate
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketFirmwareUpdates)).Bucket([]byte(deviceKey))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var u FirmwareUpdate
			if err := unsealJSON(v, &u); err != nil {
				return fmt.Errorf("bucket %s/%s key %x: %w", bucketFirmwareUpdates, deviceKey, k, err)
			}
			out = append(out, u)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("firmware history of %s: %w", deviceKey, err)
	}
	return out, nil
}
