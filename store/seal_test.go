package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// sealedBody is the value sealed in v (which must be sound).
func sealedBody(v []byte) []byte {
	b, err := unseal(v)
	if err != nil {
		panic(err)
	}
	return slices.Clone(b)
}

func TestSeal(t *testing.T) {
	devices, parked := tagOf(kindDevices), namedTag(kindParked, "sha256:ab")
	for _, tt := range []struct {
		name string
		v    []byte
		tag  tag
		ok   bool
	}{
		{"sealed", seal(devices, []byte(`{"a":1}`)), devices, true},
		{"sealed empty", seal(devices, nil), devices, true},
		{"sealed for a named bucket", seal(parked, []byte(`{"a":1}`)), parked, true},
		{"named, empty name", seal(namedTag(kindSettingsHistory, ""), []byte(`{}`)), namedTag(kindSettingsHistory, ""), true},
		{"a flipped bit", func() []byte { v := seal(devices, []byte(`{"a":1}`)); v[2] ^= 4; return v }(), tag{}, false},
		{"a flipped checksum", func() []byte { v := seal(devices, []byte(`{"a":1}`)); v[len(v)-1] ^= 1; return v }(), tag{}, false},
		{"unsealed", []byte(`{"a":1}`), tag{}, false},
		{"schema 6 seal, no tag", sealV6([]byte(`{"a":1}`)), tag{}, false},
		{"unknown kind", sealV6([]byte{'x', 0x7f}), tag{}, false},
		{"named flag on a fixed kind", sealV6([]byte{'x', byte(kindDevices) | namedKind}), tag{}, false},
		{"name longer than the value", sealV6([]byte{'x', 0, 9, byte(kindParked) | namedKind}), tag{}, false},
		{"too short", []byte{1, 2, 3}, tag{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body, got, err := openSeal(tt.v)
			if (err == nil) != tt.ok {
				t.Fatalf("openSeal: %v", err)
			}
			if err != nil && !errors.Is(err, ErrDamaged) {
				t.Errorf("error %v does not wrap ErrDamaged", err)
			}
			if err == nil && (got != tt.tag || !bytes.Equal(seal(got, body), tt.v)) {
				t.Errorf("tag %+v, want %+v; or sealing the body again differs", got, tt.tag)
			}
		})
	}
}

// TestTagsNameTheirBuckets: every kind's path maps back to it, and a value
// written through the store carries the tag of the bucket it is in (the
// check of a file with one value of every kind is clean).
func TestTagsNameTheirBuckets(t *testing.T) {
	for k := kind(1); k < kindEnd; k++ {
		tg := tagOf(k)
		if k.named() {
			tg = namedTag(k, "HS1")
		}
		if back, ok := tagFor(tg.path()); !ok || back != tg {
			t.Errorf("kind %d: path %q maps back to %+v, %v", k, tg.path(), back, ok)
		}
	}
	if _, ok := tagFor([]string{bucketOutbox}); ok {
		t.Error("a bucket of buckets has a tag")
	}
}

// FuzzUnseal: whatever a damaged file holds, opening a seal never panics,
// and what it accepts seals back to the same bytes.
func FuzzUnseal(f *testing.F) {
	f.Add(seal(tagOf(kindDevices), []byte(`{"name":"Jabra"}`)))
	f.Add(seal(namedTag(kindParked, "sha256:ab"), []byte(`{}`)))
	f.Add(seal(tagOf(kindEvents), nil))
	f.Add(sealV6([]byte(`{"name":"Jabra"}`)))
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{0xe3, 0x06, 0x9e, 0x83}) // four bytes: an empty value with some checksum
	f.Fuzz(func(t *testing.T, v []byte) {
		body, tg, err := openSeal(v)
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("error %v does not wrap ErrDamaged", err)
			}
			return
		}
		if !bytes.Equal(seal(tg, body), v) {
			t.Fatalf("accepted %x, which does not seal back", v)
		}
	})
}

// TestMigrationTagsVersion6Values opens a schema 6 file (seals without a
// tag): every value gets the tag of its bucket and reads back; a value
// whose checksum was already wrong stays damaged.
func TestMigrationTagsVersion6Values(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v6.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := event(1)
	packed, _ := packEvent(ev)
	v6 := func(v []byte) []byte { return sealV6(sealedBody(v)) }
	err = db.Update(func(tx *bolt.Tx) error {
		if err := createSchema(tx); err != nil {
			return err
		}
		if err := putVersion(tx, 6); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bucketDevices)).Put([]byte("HS1"), sealV6([]byte(`{"name":"Old headset","connected":true}`))); err != nil {
			return err
		}
		bad := sealV6([]byte(`{"name":"Damaged"}`))
		bad[3] ^= 1
		if err := tx.Bucket([]byte(bucketDevices)).Put([]byte("HS2"), bad); err != nil {
			return err
		}
		if err := outboxBucket(tx, bucketOutboxEndpoints).Put([]byte("a"), sealV6([]byte(`{"name":"https://a/ev","cursor":0}`))); err != nil {
			return err
		}
		evb := outboxBucket(tx, bucketOutboxEvents)
		_, _ = evb.NextSequence()
		if err := evb.Put(sequenceKey(1), v6(packed)); err != nil {
			return err
		}
		hist, err := tx.Bucket([]byte(bucketSettingsHistory)).CreateBucket([]byte("HS1"))
		if err != nil {
			return err
		}
		return hist.Put(sequenceKey(1), sealV6([]byte(`{"name":"WIRELESS_RANGE","old":"1","new":"2"}`)))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := openT(t, path)
	if v, _ := s.SchemaVersion(); v != schemaVersion {
		t.Errorf("version %d", v)
	}
	got, err := s.OutboxEvents(0, 10)
	if err != nil || len(got) != 1 || got[0].Err != nil || got[0].ID != ev.ID || !bytes.Equal(got[0].Body, ev.Body) {
		t.Errorf("events %+v, %v", got, err)
	}
	if ch, err := s.SettingChanges("HS1", 0); err != nil || len(ch) != 1 || ch[0].New != "2" {
		t.Errorf("settings history %+v, %v", ch, err)
	}
	rep, err := s.Verify()
	if err != nil || len(rep.Problems) != 1 {
		t.Fatalf("check after migration: %+v, %v (want exactly the damaged device)", rep, err)
	}
	err = s.view(func(tx *bolt.Tx) error {
		want := map[string]tag{"HS1": tagOf(kindDevices)}
		for k, tg := range want {
			if _, got, err := openSeal(tx.Bucket([]byte(bucketDevices)).Get([]byte(k))); err != nil || got != tg {
				t.Errorf("device %s: tag %+v, %v", k, got, err)
			}
		}
		v := tx.Bucket([]byte(bucketSettingsHistory)).Bucket([]byte("HS1")).Get(sequenceKey(1))
		if _, got, err := openSeal(v); err != nil || got != namedTag(kindSettingsHistory, "HS1") {
			t.Errorf("settings change: tag %+v, %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
