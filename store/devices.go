package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DeviceRecord is what the store remembers of one device: its identity, its
// last known state and settings, and when it was seen.
type DeviceRecord struct {
	Key             string            `json:"-"` // the bucket key: an ESN, or vendor:product:id
	ID              string            `json:"id"`
	Kind            string            `json:"kind"`
	Name            string            `json:"name"`
	VendorID        uint16            `json:"vendorId"`
	ProductID       uint16            `json:"productId"`
	Variant         string            `json:"variant"`
	ESN             string            `json:"esn"`
	Firmware        string            `json:"firmware"`
	Connection      string            `json:"connection"`
	ParentKey       string            `json:"parentKey"`
	InstanceID      string            `json:"instanceId"`
	BatteryLevel    *int              `json:"batteryLevel"`
	BatteryLow      *bool             `json:"batteryLow"`
	BatteryCharging *bool             `json:"batteryCharging"`
	InCall          bool              `json:"inCall"`
	Muted           bool              `json:"muted"`
	PeopleCount     *int              `json:"peopleCount"`
	Streaming       bool              `json:"streaming"`
	Settings        map[string]string `json:"settings"`
	FirstSeen       time.Time         `json:"firstSeen"`
	LastSeen        time.Time         `json:"lastSeen"`
	Connected       bool              `json:"connected"`
}

// SaveDevice stores rec under rec.Key as connected and seen at at. A key seen
// before keeps its FirstSeen; a new one gets at.
func (s *Store) SaveDevice(rec DeviceRecord, at time.Time) error {
	err := s.update(func(tx *bolt.Tx) error {
		return saveDevice(tx.Bucket([]byte(bucketDevices)), rec, at)
	})
	if err != nil {
		return fmt.Errorf("save device %s: %w", rec.Key, err)
	}
	return nil
}

// SaveDevices is SaveDevice for each of recs, in one transaction: all are
// saved or none.
func (s *Store) SaveDevices(recs []DeviceRecord, at time.Time) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketDevices))
		for _, rec := range recs {
			if err := saveDevice(b, rec, at); err != nil {
				return fmt.Errorf("save device %s: %w", rec.Key, err)
			}
		}
		return nil
	})
}

func saveDevice(b *bolt.Bucket, rec DeviceRecord, at time.Time) error {
	old, found, err := getDevice(b, rec.Key)
	if err != nil {
		return err
	}
	rec.FirstSeen = at
	if found {
		rec.FirstSeen = old.FirstSeen
	}
	rec.LastSeen = at
	rec.Connected = true
	return putDevice(b, rec)
}

// MarkDisconnected records that the device under key went away at at. An
// unknown key is not an error.
func (s *Store) MarkDisconnected(key string, at time.Time) error {
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketDevices))
		rec, found, err := getDevice(b, key)
		if err != nil || !found {
			return err
		}
		rec.Connected = false
		rec.LastSeen = at
		return putDevice(b, rec)
	})
	if err != nil {
		return fmt.Errorf("mark device %s disconnected: %w", key, err)
	}
	return nil
}

// MarkAllDisconnected marks every connected device as gone at at; Earshot
// calls it at start-up, since nothing is attached until a driver says so. A
// record that cannot be decoded is reported and left as it is; the others are
// still marked.
func (s *Store) MarkAllDisconnected(at time.Time) error {
	var bad []error
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketDevices))
		var connected []DeviceRecord
		err := b.ForEach(func(k, v []byte) error {
			rec, err := decodeDevice(k, v)
			if err != nil {
				bad = append(bad, err)
			} else if rec.Connected {
				connected = append(connected, rec)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, rec := range connected {
			rec.Connected = false
			rec.LastSeen = at
			if err := putDevice(b, rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err := errors.Join(append(bad, err)...); err != nil {
		return fmt.Errorf("mark all devices disconnected: %w", err)
	}
	return nil
}

// Devices returns every stored device, sorted by Key. When records cannot be
// decoded it returns the others together with an error naming each bad key.
func (s *Store) Devices() ([]DeviceRecord, error) {
	var recs []DeviceRecord
	var bad []error
	err := s.view(func(tx *bolt.Tx) error {
		// bbolt iterates in byte order of the keys, which is Go's string order.
		return tx.Bucket([]byte(bucketDevices)).ForEach(func(k, v []byte) error {
			rec, err := decodeDevice(k, v)
			if err != nil {
				bad = append(bad, err)
			} else {
				recs = append(recs, rec)
			}
			return nil
		})
	})
	if err := errors.Join(append(bad, err)...); err != nil {
		return recs, fmt.Errorf("list devices: %w", err)
	}
	return recs, nil
}

// Device returns the device stored under key, and whether there is one.
func (s *Store) Device(key string) (DeviceRecord, bool, error) {
	var rec DeviceRecord
	var found bool
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		rec, found, err = getDevice(tx.Bucket([]byte(bucketDevices)), key)
		return err
	})
	if err != nil {
		return DeviceRecord{}, false, fmt.Errorf("device %s: %w", key, err)
	}
	return rec, found, nil
}

func getDevice(b *bolt.Bucket, key string) (DeviceRecord, bool, error) {
	v := b.Get([]byte(key))
	if v == nil {
		return DeviceRecord{}, false, nil
	}
	rec, err := decodeDevice([]byte(key), v)
	if err != nil {
		return DeviceRecord{}, false, err
	}
	return rec, true, nil
}

// decodeDevice copies a record out of the transaction: json.Unmarshal
// allocates fresh strings, maps and pointers, none aliasing bbolt's memory.
func decodeDevice(k, v []byte) (DeviceRecord, error) {
	var rec DeviceRecord
	if err := unsealJSON(v, &rec); err != nil {
		return DeviceRecord{}, fmt.Errorf("bucket %s key %q: %w", bucketDevices, k, err)
	}
	rec.Key = string(k)
	return rec, nil
}

func putDevice(b *bolt.Bucket, rec DeviceRecord) error {
	v, err := sealJSON(tagOf(kindDevices), rec)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return b.Put([]byte(rec.Key), v)
}
