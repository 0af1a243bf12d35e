package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	t1 = t0.Add(time.Hour)
	t2 = t0.Add(2 * time.Hour)
)

func ptr[T any](v T) *T { return &v }

func headset(key string) DeviceRecord {
	return DeviceRecord{
		Key: key, ID: "hs-" + key, Kind: "headset", Name: "Jabra Evolve2 85",
		VendorID: 0x0B0E, ProductID: 0x30A4, Variant: "01-96", ESN: key, Firmware: "1.2.0",
		Connection: "Bluetooth", ParentKey: "dg1",
		BatteryLevel: ptr(80), BatteryLow: ptr(false), BatteryCharging: ptr(true),
		InCall: true, Muted: true,
		Settings: map[string]string{"WIRELESS_RANGE": "1"},
	}
}

// seen is rec as the store returns it after saves at first and last.
func seen(rec DeviceRecord, first, last time.Time, connected bool) DeviceRecord {
	rec.FirstSeen, rec.LastSeen, rec.Connected = first, last, connected
	return rec
}

func openT(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// raw changes the file behind the store's back.
func raw(t *testing.T, path string, f func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(f); err != nil {
		t.Fatal(err)
	}
}

func putRaw(bucket, key, value string) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), []byte(value))
	}
}

func create(t *testing.T, path string, recs ...DeviceRecord) {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDevices(recs, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, path string)
		opts    Options
		wantErr string // substring; "" = success
		check   func(t *testing.T, s *Store, path string)
	}{
		{
			name: "fresh file at the current version, owner-only",
			check: func(t *testing.T, s *Store, path string) {
				for p, want := range map[string]fs.FileMode{filepath.Dir(path): 0o700 | fs.ModeDir, path: 0o600} {
					fi, err := os.Stat(p)
					if err != nil {
						t.Fatal(err)
					}
					if fi.Mode() != want {
						t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
					}
				}
				if s.Path() != path {
					t.Errorf("Path() = %q, want %q", s.Path(), path)
				}
			},
		},
		{
			name:  "reopen keeps data",
			setup: func(t *testing.T, path string) { create(t, path, headset("A")) },
			check: func(t *testing.T, s *Store, _ string) {
				got, found, err := s.Device("A")
				if err != nil || !found {
					t.Fatalf("Device(A) = found %v, %v", found, err)
				}
				if want := seen(headset("A"), t0, t0, true); !reflect.DeepEqual(got, want) {
					t.Errorf("Device(A) = %+v, want %+v", got, want)
				}
			},
		},
		{
			name:  "read-only reads and refuses writes",
			setup: func(t *testing.T, path string) { create(t, path, headset("A")) },
			opts:  Options{ReadOnly: true},
			check: func(t *testing.T, s *Store, _ string) {
				if recs, err := s.Devices(); err != nil || len(recs) != 1 {
					t.Errorf("Devices() = %d records, %v", len(recs), err)
				}
				if err := s.SaveDevice(headset("B"), t1); err == nil {
					t.Error("SaveDevice on a read-only store succeeded")
				}
			},
		},
		{
			name:    "read-only on a missing file",
			opts:    Options{ReadOnly: true},
			wantErr: "no such file",
		},
		{
			name: "newer schema refused",
			setup: func(t *testing.T, path string) {
				create(t, path)
				raw(t, path, putRaw(bucketMeta, keySchemaVersion, strconv.Itoa(schemaVersion+1)))
			},
			wantErr: "newer Earshot",
		},
		{
			name: "newer schema refused read-only",
			setup: func(t *testing.T, path string) {
				create(t, path)
				raw(t, path, putRaw(bucketMeta, keySchemaVersion, strconv.Itoa(schemaVersion+1)))
			},
			opts:    Options{ReadOnly: true},
			wantErr: "newer Earshot",
		},
		{
			name: "older schema refused read-only",
			setup: func(t *testing.T, path string) {
				create(t, path)
				raw(t, path, putRaw(bucketMeta, keySchemaVersion, strconv.Itoa(schemaVersion-1)))
			},
			opts:    Options{ReadOnly: true},
			wantErr: "open the store read-write first",
		},
		{
			name:    "corrupt schema version",
			setup:   func(t *testing.T, path string) { raw(t, path, putRaw(bucketMeta, keySchemaVersion, "one")) },
			wantErr: "bucket meta key schemaVersion",
		},
		{
			name:    "another program's bbolt file",
			setup:   func(t *testing.T, path string) { raw(t, path, putRaw("other", "k", "v")) },
			wantErr: "not an Earshot store",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data", "earshot.db")
			if tt.setup != nil {
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					t.Fatal(err)
				}
				tt.setup(t, path)
			}
			s, err := Open(path, tt.opts)
			if tt.wantErr != "" {
				if err == nil {
					_ = s.Close()
					t.Fatalf("Open succeeded, want error containing %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("Open error %q, want it to contain %q and the path", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if v, err := s.SchemaVersion(); err != nil || v != schemaVersion {
				t.Errorf("SchemaVersion() = %d, %v, want %d", v, err, schemaVersion)
			}
			if tt.check != nil {
				tt.check(t, s, path)
			}
		})
	}
}

// bbolt locks with flock, which ties the lock to the open file description:
// a second Open in the same process conflicts just as another process would.
func TestOpenLocked(t *testing.T) {
	tests := []struct {
		name   string
		second Options
	}{
		{"read-write", Options{Timeout: 50 * time.Millisecond}},
		{"read-only", Options{Timeout: 50 * time.Millisecond, ReadOnly: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "earshot.db")
			first, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			s, err := Open(path, tt.second)
			if err == nil {
				_ = s.Close()
				t.Fatal("second Open succeeded while the first holds the file")
			}
			if !errors.Is(err, ErrLocked) {
				t.Fatalf("second Open error %q, want ErrLocked", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("second Open took %v with a %v timeout", d, tt.second.Timeout)
			}
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			s, err = Open(path, tt.second)
			if err != nil {
				t.Fatalf("Open after the first closed: %v", err)
			}
			_ = s.Close()
		})
	}
}

func TestDevices(t *testing.T) {
	a, b, c := headset("A"), headset("B"), headset("C")
	a2 := headset("A")
	a2.Name, a2.BatteryLevel, a2.InCall, a2.Settings = "Renamed", ptr(50), false, map[string]string{"SIDETONE": "2"}
	a2.FirstSeen, a2.LastSeen, a2.Connected = t2, t2, false // ignored by SaveDevice
	camera := DeviceRecord{Key: "0B0E:3011:cam1", ID: "cam1", Kind: "camera", PeopleCount: ptr(4), Streaming: true}

	tests := []struct {
		name    string
		run     func(s *Store) error
		want    []DeviceRecord
		wantErr bool
	}{
		{
			name: "new device is first and last seen now, connected",
			run:  func(s *Store) error { return s.SaveDevice(camera, t0) },
			want: []DeviceRecord{seen(camera, t0, t0, true)},
		},
		{
			name: "later save keeps FirstSeen and takes the rest from the record",
			run: func(s *Store) error {
				return errors.Join(s.SaveDevice(a, t0), s.SaveDevice(a2, t1))
			},
			want: []DeviceRecord{seen(a2, t0, t1, true)},
		},
		{
			name: "disconnect marks only that device",
			run: func(s *Store) error {
				return errors.Join(s.SaveDevices([]DeviceRecord{a, b}, t0), s.MarkDisconnected("A", t1))
			},
			want: []DeviceRecord{seen(a, t0, t1, false), seen(b, t0, t0, true)},
		},
		{
			name: "disconnect of an unknown key is no error",
			run:  func(s *Store) error { return s.MarkDisconnected("nope", t1) },
		},
		{
			name: "save after disconnect reconnects",
			run: func(s *Store) error {
				return errors.Join(s.SaveDevice(a, t0), s.MarkDisconnected("A", t1), s.SaveDevice(a, t2))
			},
			want: []DeviceRecord{seen(a, t0, t2, true)},
		},
		{
			name: "mark all disconnected keeps when earlier ones were last seen",
			run: func(s *Store) error {
				return errors.Join(s.SaveDevices([]DeviceRecord{a, b}, t0), s.MarkDisconnected("A", t1), s.MarkAllDisconnected(t2))
			},
			want: []DeviceRecord{seen(a, t0, t1, false), seen(b, t0, t2, false)},
		},
		{
			name: "listed sorted by key",
			run:  func(s *Store) error { return s.SaveDevices([]DeviceRecord{c, camera, a, b}, t0) },
			want: []DeviceRecord{seen(camera, t0, t0, true), seen(a, t0, t0, true), seen(b, t0, t0, true), seen(c, t0, t0, true)},
		},
		{
			name:    "one bad record in SaveDevices saves none",
			run:     func(s *Store) error { return s.SaveDevices([]DeviceRecord{a, {Key: ""}}, t0) },
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
			if err := tt.run(s); (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			got, err := s.Devices()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Devices() =\n%+v\nwant\n%+v", got, tt.want)
			}
			for _, want := range tt.want {
				rec, found, err := s.Device(want.Key)
				if err != nil || !found || !reflect.DeepEqual(rec, want) {
					t.Errorf("Device(%s) = %+v, %v, %v, want %+v", want.Key, rec, found, err, want)
				}
			}
		})
	}
}

func TestDevicesReturnsCopies(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	if err := s.SaveDevice(headset("A"), t0); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Device("A")
	if err != nil {
		t.Fatal(err)
	}
	got.Settings["WIRELESS_RANGE"] = "9"
	*got.BatteryLevel = 1
	again, _, err := s.Device("A")
	if err != nil {
		t.Fatal(err)
	}
	if want := seen(headset("A"), t0, t0, true); !reflect.DeepEqual(again, want) {
		t.Errorf("changing a returned record changed the store: %+v", again)
	}
}

func TestCorruptValue(t *testing.T) {
	const garbage = `{"name": "Evol`
	tests := []struct {
		name string
		op   func(s *Store) error
		// want is what Devices lists afterwards besides the corrupt B.
		want []DeviceRecord
	}{
		{
			name: "Devices lists the others",
			op: func(s *Store) error {
				recs, err := s.Devices()
				if want := []DeviceRecord{seen(headset("A"), t0, t0, true), seen(headset("C"), t0, t0, true)}; !reflect.DeepEqual(recs, want) {
					return fmt.Errorf("Devices() = %+v with the error, want %+v", recs, want)
				}
				return err
			},
			want: []DeviceRecord{seen(headset("A"), t0, t0, true), seen(headset("C"), t0, t0, true)},
		},
		{
			name: "Device",
			op: func(s *Store) error {
				_, _, err := s.Device("B")
				return err
			},
			want: []DeviceRecord{seen(headset("A"), t0, t0, true), seen(headset("C"), t0, t0, true)},
		},
		{
			name: "SaveDevice leaves it alone",
			op:   func(s *Store) error { return s.SaveDevice(headset("B"), t1) },
			want: []DeviceRecord{seen(headset("A"), t0, t0, true), seen(headset("C"), t0, t0, true)},
		},
		{
			name: "MarkDisconnected leaves it alone",
			op:   func(s *Store) error { return s.MarkDisconnected("B", t1) },
			want: []DeviceRecord{seen(headset("A"), t0, t0, true), seen(headset("C"), t0, t0, true)},
		},
		{
			name: "MarkAllDisconnected marks the others",
			op:   func(s *Store) error { return s.MarkAllDisconnected(t1) },
			want: []DeviceRecord{seen(headset("A"), t0, t1, false), seen(headset("C"), t0, t1, false)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "earshot.db")
			create(t, path, headset("A"), headset("B"), headset("C"))
			raw(t, path, putRaw(bucketDevices, "B", garbage))
			s := openT(t, path)

			err := tt.op(s)
			if err == nil || !strings.Contains(err.Error(), `bucket devices key "B"`) {
				t.Fatalf("error %v, want one naming bucket devices and key B", err)
			}
			got, err := s.Devices()
			if err == nil {
				t.Fatal("Devices() after the operation no longer reports the corrupt record")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Devices() =\n%+v\nwant\n%+v", got, tt.want)
			}
			if err := s.db.View(func(tx *bolt.Tx) error {
				if v := tx.Bucket([]byte(bucketDevices)).Get([]byte("B")); string(v) != garbage {
					return fmt.Errorf("corrupt value became %q", v)
				}
				return nil
			}); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestSaveDeviceConcurrent(t *testing.T) {
	const goroutines, saves = 8, 25
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*saves*2)
	for g := range goroutines {
		wg.Go(func() {
			for i := range saves {
				at := t0.Add(time.Duration(g*saves+i) * time.Second)
				errs <- s.SaveDevice(headset(fmt.Sprintf("G%d", g)), at)
				errs <- s.SaveDevice(headset("shared"), at)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	recs, err := s.Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != goroutines+1 {
		t.Fatalf("%d devices, want %d", len(recs), goroutines+1)
	}
	for _, rec := range recs {
		if rec.Key != "shared" && !rec.FirstSeen.Before(rec.LastSeen) {
			t.Errorf("%s: FirstSeen %v not before LastSeen %v", rec.Key, rec.FirstSeen, rec.LastSeen)
		}
	}
}

func TestPrepareSchema(t *testing.T) {
	// Relative to the current version, so the cases keep working as it rises.
	from := schemaVersion
	var ran []int
	step := func(v int) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			ran = append(ran, v)
			_, err := tx.CreateBucket([]byte("step" + strconv.Itoa(v)))
			return err
		}
	}
	failing := func(*bolt.Tx) error { return errors.New("disk on fire") }

	tests := []struct {
		name        string
		steps       map[int]func(*bolt.Tx) error
		wantRan     []int
		wantVersion int
		wantErr     string
	}{
		{
			name:        "runs each step in order",
			steps:       map[int]func(*bolt.Tx) error{from: step(from), from + 1: step(from + 1)},
			wantRan:     []int{from, from + 1},
			wantVersion: from + 2,
		},
		{
			name:        "missing step changes nothing",
			steps:       map[int]func(*bolt.Tx) error{from: step(from)},
			wantRan:     []int{from},
			wantVersion: from,
			wantErr:     fmt.Sprintf("no migration from schema version %d", from+1),
		},
		{
			name:        "failing step rolls back the earlier ones",
			steps:       map[int]func(*bolt.Tx) error{from: step(from), from + 1: failing},
			wantRan:     []int{from},
			wantVersion: from,
			wantErr:     fmt.Sprintf("migrate schema %d to %d: disk on fire", from+1, from+2),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran = nil
			s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
			err := s.db.Update(func(tx *bolt.Tx) error { return prepareSchema(tx, tt.steps, from+2) })
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if !reflect.DeepEqual(ran, tt.wantRan) {
				t.Errorf("ran %v, want %v", ran, tt.wantRan)
			}
			if v, err := s.SchemaVersion(); err != nil || v != tt.wantVersion {
				t.Errorf("SchemaVersion() = %d, %v, want %d", v, err, tt.wantVersion)
			}
			if err != nil {
				_ = s.db.View(func(tx *bolt.Tx) error {
					if tx.Bucket([]byte("step"+strconv.Itoa(from))) != nil {
						t.Error("a failed migration left a bucket behind")
					}
					return nil
				})
			}
		})
	}
}

func TestMigrationsCoverEveryVersion(t *testing.T) {
	for v := 1; v < schemaVersion; v++ {
		if migrations[v] == nil {
			t.Errorf("no migration from schema version %d to %d", v, v+1)
		}
	}
	for v := range migrations {
		if v < 1 || v >= schemaVersion {
			t.Errorf("migration from version %d is outside 1..%d", v, schemaVersion-1)
		}
	}
}

func TestSequenceKey(t *testing.T) {
	tests := []struct {
		name      string
		low, high uint64
	}{
		{"one digit", 1, 2},
		{"across a byte", 255, 256},
		{"decimal length", 9, 10},
		{"largest", 1 << 62, 1<<64 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := sequenceKey(tt.low), sequenceKey(tt.high)
			if len(lo) != 8 || len(hi) != 8 {
				t.Fatalf("lengths %d, %d, want 8", len(lo), len(hi))
			}
			if bytes.Compare(lo, hi) >= 0 {
				t.Errorf("key of %d (%x) does not sort before key of %d (%x)", tt.low, lo, tt.high, hi)
			}
		})
	}
}

// BenchmarkSaveDevice saves one device state per op: one committed, synced
// bbolt transaction.
func BenchmarkSaveDevice(b *testing.B) {
	s := openT(b, filepath.Join(b.TempDir(), "earshot.db"))
	rec := headset("A")
	at := t0
	for b.Loop() {
		at = at.Add(time.Second)
		*rec.BatteryLevel = int(at.Unix() % 101)
		if err := s.SaveDevice(rec, at); err != nil {
			b.Fatal(err)
		}
	}
}
