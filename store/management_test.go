package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestAppliedConfigs(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	if _, found, err := s.AppliedConfig("E1"); found || err != nil {
		t.Fatalf("empty store: %v %v", found, err)
	}
	want := AppliedConfig{ESN: "E1", SettingsDigest: "abc", Applied: map[string]string{"A": "1"},
		Rejected: map[string]string{"B": "unknown"}, AppliedAt: t0, FirmwareVersion: "2.0", FirmwareOutcome: "current"}
	if err := s.Write(context.Background(), func(tx *Tx) error { return tx.PutAppliedConfig(want) }); err != nil {
		t.Fatal(err)
	}
	got, found, err := s.AppliedConfig("E1")
	if !found || err != nil || got.SettingsDigest != "abc" || got.Applied["A"] != "1" || got.Rejected["B"] != "unknown" ||
		!got.AppliedAt.Equal(t0) || got.ESN != "E1" || got.FirmwareOutcome != "current" {
		t.Errorf("AppliedConfig = %+v, %v, %v", got, found, err)
	}
	if err := s.Write(context.Background(), func(tx *Tx) error { return tx.PutAppliedConfig(AppliedConfig{}) }); err == nil {
		t.Error("a configuration without an ESN was stored")
	}
}

func TestStagedFirmwareAndHistory(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	f := StagedFirmware{DeviceKey: "K", Path: "/d/firmware/K/fw.zip", Version: "2.0.0", SHA256: "ff", Size: 10,
		Source: "https://h/fw.zip?Token=xxxxx", Managed: true, StagedAt: t0, State: FirmwareStaged}
	err := s.Write(context.Background(), func(tx *Tx) error {
		if err := tx.PutStagedFirmware(f); err != nil {
			return err
		}
		for i := range MaxFirmwareUpdates + 5 {
			u := FirmwareUpdate{From: "1", To: "2", Ended: t0.Add(time.Duration(i) * time.Minute), Status: "Success"}
			if err := tx.AddFirmwareUpdate("K", u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, found, err := s.StagedFirmware("K")
	if !found || err != nil || got != f {
		t.Errorf("StagedFirmware = %+v, %v, %v", got, found, err)
	}
	all, _ := s.AllStagedFirmware()
	if len(all) != 1 || all[0].DeviceKey != "K" {
		t.Errorf("AllStagedFirmware = %+v", all)
	}
	hist, err := s.FirmwareUpdates("K", 0)
	if err != nil || len(hist) != MaxFirmwareUpdates {
		t.Fatalf("history holds %d, %v", len(hist), err)
	}
	if want := t0.Add(time.Duration(MaxFirmwareUpdates+4) * time.Minute); !hist[0].Ended.Equal(want) {
		t.Errorf("newest first: %v, want %v", hist[0].Ended, want)
	}
	if h, _ := s.FirmwareUpdates("K", 3); len(h) != 3 {
		t.Errorf("limit: %d", len(h))
	}
	if h, _ := s.FirmwareUpdates("other", 0); len(h) != 0 {
		t.Errorf("other device: %v", h)
	}
}

func TestMigrationAddsManagementBuckets(t *testing.T) {
	step := -1
	for from, fn := range migrations {
		if reflect.ValueOf(fn).Pointer() == reflect.ValueOf(createManagement).Pointer() {
			step = from
		}
	}
	if step < 1 {
		t.Fatal("no migration step creates the device-management buckets")
	}
	path := filepath.Join(t.TempDir(), "earshot.db")
	s := openT(t, path)
	s.Close()
	// A file from before the step lacks the buckets; the step adds them,
	// and running it again changes nothing.
	raw(t, path, func(tx *bolt.Tx) error {
		for _, name := range []string{bucketAppliedConfigs, bucketFirmware, bucketFirmwareUpdates} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		if err := createManagement(tx); err != nil {
			return err
		}
		return createManagement(tx)
	})
	s = openT(t, path)
	if err := s.Write(context.Background(), func(tx *Tx) error {
		return tx.PutStagedFirmware(StagedFirmware{DeviceKey: "K", State: FirmwareStaged})
	}); err != nil {
		t.Fatal(err)
	}
}
