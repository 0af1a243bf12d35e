package store

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestSettingChanges(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	if got, err := s.SettingChanges("HS1", 0); err != nil || got != nil {
		t.Fatalf("empty history = %v, %v", got, err)
	}
	record := func(key string, changes ...SettingChange) {
		t.Helper()
		if err := s.Write(context.Background(), func(tx *Tx) error { return tx.RecordSettingChanges(key, changes) }); err != nil {
			t.Fatal(err)
		}
	}
	a := SettingChange{Name: "WIRELESS_RANGE", Old: "1", New: "2", Source: SourceUser, At: t0}
	b := SettingChange{Name: "SIDETONE", Old: "", New: "3", Source: SourceImport, At: t1}
	c := SettingChange{Name: "WIRELESS_RANGE", Old: "2", New: "3", Source: SourceManagement, At: t2}
	record("HS1", a, b)
	record("HS2", a)
	record("HS1", c)
	for _, tt := range []struct {
		key   string
		limit int
		want  []SettingChange
	}{
		{"HS1", 0, []SettingChange{c, b, a}},
		{"HS1", 2, []SettingChange{c, b}},
		{"HS2", 5, []SettingChange{a}},
		{"HS3", 5, nil},
	} {
		got, err := s.SettingChanges(tt.key, tt.limit)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SettingChanges(%s, %d) = %+v, %v; want %+v", tt.key, tt.limit, got, err, tt.want)
		}
	}
}

func TestSettingChangesAreBounded(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	var batch []SettingChange
	for i := range MaxSettingChanges + 20 {
		batch = append(batch, SettingChange{Name: fmt.Sprint("S", i), Source: SourceUser, At: t0})
	}
	if err := s.Write(context.Background(), func(tx *Tx) error { return tx.RecordSettingChanges("HS1", batch) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.SettingChanges("HS1", 0)
	if err != nil || len(got) != MaxSettingChanges || got[0].Name != fmt.Sprint("S", MaxSettingChanges+19) || got[len(got)-1].Name != "S20" {
		t.Fatalf("kept %d, newest %v, oldest %v, err %v", len(got), got[0].Name, got[len(got)-1].Name, err)
	}
}

func TestClientSettings(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	set := func(vals map[string]string) {
		t.Helper()
		if err := s.Write(context.Background(), func(tx *Tx) error { return tx.SetClientSettings("HS1", vals) }); err != nil {
			t.Fatal(err)
		}
	}
	set(map[string]string{"ALLOW_DOWNGRADE": "1", "OTHER": "x"})
	set(map[string]string{"OTHER": ""})
	got, err := s.ClientSettings("HS1")
	if err != nil || !reflect.DeepEqual(got, map[string]string{"ALLOW_DOWNGRADE": "1"}) {
		t.Errorf("ClientSettings = %v, %v", got, err)
	}
	if got, err := s.ClientSettings("HS2"); err != nil || got != nil {
		t.Errorf("unknown device = %v, %v", got, err)
	}
}

// TestMigrationAddsSettingsBuckets opens a file of schema version 2 (no
// settings buckets) and finds them made.
func TestMigrationAddsSettingsBuckets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earshot.db")
	s := openT(t, path)
	s.Close()
	raw(t, path, func(tx *bolt.Tx) error {
		for _, name := range []string{bucketSettingsHistory, bucketClientSettings} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte(bucketMeta)).Put([]byte(keySchemaVersion), []byte("2"))
	})
	s = openT(t, path)
	if v, _ := s.SchemaVersion(); v != schemaVersion {
		t.Fatalf("schema version %d, want %d", v, schemaVersion)
	}
	if err := s.Write(context.Background(), func(tx *Tx) error {
		return tx.RecordSettingChanges("HS1", []SettingChange{{Name: "A", At: t0}})
	}); err != nil {
		t.Fatal(err)
	}
}
