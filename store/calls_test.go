package store

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var day0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// endedCall returns an ended call on device key from start for dur, with mutes
// mute presses (nil when 0).
func endedCall(id, key string, start time.Time, dur time.Duration, mutes int) CallRecord {
	c := CallRecord{CallID: id, Device: HistoryDevice{Key: key, Name: "Device " + key, ESN: key, Kind: "headset"},
		Start: start, End: start.Add(dur), EndReason: EndNormal}
	if mutes > 0 {
		c.MutePresses = ptr(mutes)
	}
	return c
}

func ids(cs []CallRecord) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.CallID)
	}
	return strings.Join(s, " ")
}

func TestCallHistory(t *testing.T) {
	h := func(hours float64) time.Time { return day0.Add(time.Duration(hours * float64(time.Hour))) }
	stored := []CallRecord{
		endedCall("a1", "A", h(9), 10*time.Minute, 2),
		endedCall("b1", "B", h(10), 5*time.Minute, 0),
		endedCall("a2", "A", h(24+9), 20*time.Minute, 1),
		endedCall("a3", "A", h(24+15), 30*time.Minute, 0),
		endedCall("ab", "AB", h(24+16), time.Minute, 0), // a key that extends "A"
		endedCall("b2", "B", h(48+1), time.Minute, 3),
		endedCall("a4", "A", h(31*24), time.Minute, 0), // December
	}
	tests := []struct {
		name string
		q    Query
		want string
	}{
		{"everything newest first", Query{}, "a4 b2 ab a3 a2 b1 a1"},
		{"one device", Query{DeviceKey: "A"}, "a4 a3 a2 a1"},
		{"a device whose key another extends", Query{DeviceKey: "AB"}, "ab"},
		{"one day", Query{From: h(24), To: h(48)}, "ab a3 a2"},
		{"one device, one day", Query{DeviceKey: "A", From: h(24), To: h(48)}, "a3 a2"},
		{"one device, one month", Query{DeviceKey: "A", From: day0, To: day0.AddDate(0, 1, 0)}, "a3 a2 a1"},
		{"from only", Query{From: h(48)}, "a4 b2"},
		{"to only, exclusive", Query{To: h(24 + 15)}, "a2 b1 a1"},
		{"limit", Query{Limit: 2}, "a4 b2"},
		{"limit with device", Query{DeviceKey: "B", Limit: 1}, "b2"},
		{"unknown device", Query{DeviceKey: "Z"}, ""},
		{"empty span", Query{From: h(100), To: h(200)}, ""},
	}
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	for _, c := range stored {
		if err := s.SaveCall(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Calls(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if ids(got) != tt.want {
				t.Errorf("Calls(%+v) = %q, want %q", tt.q, ids(got), tt.want)
			}
		})
	}
	t.Run("records come back as stored", func(t *testing.T) {
		got, _ := s.Calls(Query{DeviceKey: "A", Limit: 1, To: h(10)})
		if len(got) != 1 || !reflect.DeepEqual(got[0], stored[0]) {
			t.Errorf("got %+v, want %+v", got, stored[0])
		}
	})
	t.Run("day totals", func(t *testing.T) {
		got, err := s.CallTotals(Query{From: day0, To: day0.AddDate(0, 0, 3)}, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		want := []DayTotal{
			{Day: day0.AddDate(0, 0, 2), Count: 1, Time: time.Minute, Mutes: 3},
			{Day: day0.AddDate(0, 0, 1), Count: 3, Time: 51 * time.Minute, Mutes: 1},
			{Day: day0, Count: 2, Time: 15 * time.Minute, Mutes: 2},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("CallTotals = %+v, want %+v", got, want)
		}
	})
	t.Run("day totals in another zone", func(t *testing.T) {
		// In UTC+10, 16:00 UTC on the 2nd is already the 3rd.
		loc := time.FixedZone("UTC+10", 10*3600)
		got, _ := s.CallTotals(Query{DeviceKey: "A"}, loc)
		var days []string
		for _, d := range got {
			days = append(days, fmt.Sprintf("%s:%d", d.Day.Format("01-02"), d.Count))
		}
		if want := "12-02:1 11-03:1 11-02:1 11-01:1"; strings.Join(days, " ") != want {
			t.Errorf("days %v, want %s", days, want)
		}
	})
	t.Run("devices", func(t *testing.T) {
		got, err := s.CallDevices()
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, d := range got {
			keys = append(keys, d.Key+"="+d.Name)
		}
		if want := "A=Device A AB=Device AB B=Device B"; strings.Join(keys, " ") != want {
			t.Errorf("CallDevices = %v, want %s", keys, want)
		}
	})
}

func TestOpenCalls(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	open := endedCall("x", "A", day0, time.Minute, 0)
	open.EndReason = ""
	for _, step := range []struct {
		name      string
		rec       CallRecord
		wantOpen  string
		wantEnded string
	}{
		{"a started call is open", open, "x", ""},
		{"a checkpoint replaces it", func() CallRecord { c := open; c.End = day0.Add(2 * time.Minute); return c }(), "x", ""},
		{"ending moves it to the history", endedCall("x", "A", day0, 3*time.Minute, 1), "", "x"},
	} {
		if err := s.SaveCall(step.rec); err != nil {
			t.Fatal(err)
		}
		o, err := s.OpenCalls()
		if err != nil {
			t.Fatal(err)
		}
		e, _ := s.Calls(Query{})
		if ids(o) != step.wantOpen || ids(e) != step.wantEnded {
			t.Errorf("%s: open %q ended %q, want %q %q", step.name, ids(o), ids(e), step.wantOpen, step.wantEnded)
		}
		if len(o) == 1 && !o[0].End.Equal(step.rec.End) {
			t.Errorf("%s: open call ends %v, want the last checkpoint %v", step.name, o[0].End, step.rec.End)
		}
	}
	if err := s.SaveCall(CallRecord{}); err == nil {
		t.Error("a call without an id was stored")
	}
}

func TestCameraSessions(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	sess := SessionRecord{SessionID: "s1", Device: HistoryDevice{Key: "CAM", Name: "PanaCast"}, Start: day0, End: day0.Add(time.Hour),
		PeopleCountAtStart: ptr(2), PeopleCountAtEnd: ptr(3), PeopleCountMin: ptr(1), PeopleCountMax: ptr(5), PeopleCountAverage: ptr(2.5)}
	open := sess
	open.EndReason = ""
	if err := s.SaveCameraSession(open); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.OpenCameraSessions(); len(o) != 1 || o[0].SessionID != "s1" {
		t.Fatalf("open sessions %+v", o)
	}
	sess.EndReason = EndNormal
	if err := s.SaveCameraSession(sess); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.OpenCameraSessions(); len(o) != 0 {
		t.Errorf("open sessions after the end: %+v", o)
	}
	got, err := s.CameraSessions(Query{DeviceKey: "CAM"})
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], sess) {
		t.Errorf("CameraSessions = %+v, %v", got, err)
	}
	if devs, _ := s.CameraSessionDevices(); len(devs) != 1 || devs[0].Name != "PanaCast" {
		t.Errorf("CameraSessionDevices = %+v", devs)
	}
	if tot, _ := s.CameraSessionTotals(Query{}, time.UTC); len(tot) != 1 || tot[0].Time != time.Hour {
		t.Errorf("CameraSessionTotals = %+v", tot)
	}
}

func TestPutCallInWrite(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	// A failing function rolls the call back with it.
	err := s.Write(context.Background(), func(tx *Tx) error {
		if err := tx.PutCall(endedCall("gone", "A", day0, time.Minute, 0)); err != nil {
			return err
		}
		return fmt.Errorf("the event could not be queued")
	})
	if err == nil {
		t.Fatal("Write succeeded")
	}
	if err := s.Write(context.Background(), func(tx *Tx) error {
		return tx.PutCall(endedCall("kept", "A", day0, time.Minute, 0))
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Calls(Query{}); ids(got) != "kept" {
		t.Errorf("calls %q, want only the committed one", ids(got))
	}
}

func TestPruneHistory(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	n := pruneBatch + 5 // more than one batch
	for i := range n {
		if err := s.SaveCall(endedCall(fmt.Sprint("old", i), []string{"A", "B"}[i%2], day0.Add(time.Duration(i)*time.Second), time.Second, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveCall(endedCall("new", "A", day0.AddDate(0, 1, 0), time.Minute, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCameraSession(SessionRecord{SessionID: "s-old", Device: HistoryDevice{Key: "C"}, Start: day0, End: day0, EndReason: EndNormal}); err != nil {
		t.Fatal(err)
	}
	calls, sessions, err := s.PruneHistory(day0.AddDate(0, 0, 7))
	if err != nil || calls != n || sessions != 1 {
		t.Fatalf("PruneHistory = %d, %d, %v; want %d, 1", calls, sessions, err, n)
	}
	for _, q := range []Query{{}, {DeviceKey: "A"}, {DeviceKey: "B"}} {
		if got, _ := s.Calls(q); ids(got) != map[string]string{"": "new", "A": "new", "B": ""}[q.DeviceKey] {
			t.Errorf("after pruning, Calls(%+v) = %q", q, ids(got))
		}
	}
	if devs, _ := s.CallDevices(); len(devs) != 1 || devs[0].Key != "A" {
		t.Errorf("a device with only pruned calls is still listed: %+v", devs)
	}
	// Every index entry went with its record.
	_ = s.db.View(func(tx *bolt.Tx) error {
		h, _ := historyOf(tx, bucketCalls)
		for name, b := range map[string]*bolt.Bucket{"records": h.records, "byStart": h.byStart, "byDevice": h.byDevice} {
			if n := b.Stats().KeyN; n != 1 {
				t.Errorf("%s holds %d keys after pruning, want 1", name, n)
			}
		}
		return nil
	})
}

func TestTimeKeyOrder(t *testing.T) {
	times := []time.Time{
		time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Unix(0, 0),
		day0,
		day0.Add(time.Nanosecond),
		time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		a, b := timeKey(times[i-1]), timeKey(times[i])
		if string(a) >= string(b) {
			t.Errorf("timeKey(%v) does not sort before timeKey(%v)", times[i-1], times[i])
		}
		if got := timeFromKey(b); !got.Equal(times[i]) {
			t.Errorf("timeFromKey(timeKey(%v)) = %v", times[i], got)
		}
	}
}

// benchCalls is the size of the history the listing benchmark reads from.
const benchCalls = 100_000

// fillHistory stores n calls on devices devices, spread evenly over the 180
// days before day0+180d, in transactions of 5 000.
func fillHistory(b *testing.B, s *Store, n, devices int) {
	b.Helper()
	span := 180 * 24 * time.Hour
	for i := 0; i < n; {
		err := s.db.Update(func(tx *bolt.Tx) error {
			for j := 0; j < 5000 && i < n; j, i = j+1, i+1 {
				start := day0.Add(time.Duration(i) * (span / time.Duration(n)))
				c := endedCall(fmt.Sprintf("call-%06d", i), fmt.Sprintf("ESN%02d", i%devices), start, 7*time.Minute, i%4)
				c.AudioExposureAvgDb, c.AudioExposureMaxDb = ptr(68.4), ptr(74.5)
				c.BackgroundNoiseAvgDb, c.BackgroundNoiseMaxDb = ptr(42.1), ptr(55.0)
				c.LinkQuality = map[string]float64{"High": 90, "Low": 10}
				if err := putCall(tx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListCalls lists one device's calls of one month out of 100 000
// stored calls (docs/calls-and-presence.md history; issue 5 holds it to ≤ 50 ms).
func BenchmarkListCalls(b *testing.B) {
	for _, devices := range []int{5, 1} {
		b.Run(fmt.Sprintf("%d devices", devices), func(b *testing.B) {
			s := openT(b, filepath.Join(b.TempDir(), "earshot.db"))
			fillHistory(b, s, benchCalls, devices)
			q := Query{DeviceKey: "ESN00", From: day0.AddDate(0, 2, 0), To: day0.AddDate(0, 3, 0)}
			var n int
			for b.Loop() {
				got, err := s.Calls(q)
				if err != nil {
					b.Fatal(err)
				}
				n = len(got)
			}
			b.ReportMetric(float64(n), "calls/op")
		})
	}
}

// BenchmarkCallTotals sums one device's calls per day over the whole history
// (the Call history page's per-day totals), from the index alone.
func BenchmarkCallTotals(b *testing.B) {
	s := openT(b, filepath.Join(b.TempDir(), "earshot.db"))
	fillHistory(b, s, benchCalls, 5)
	for b.Loop() {
		if _, err := s.CallTotals(Query{DeviceKey: "ESN00"}, time.UTC); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMigrationAddsHistoryBuckets opens a file of schema version 4 (no
// history buckets) and finds them made.
func TestMigrationAddsHistoryBuckets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earshot.db")
	s := openT(t, path)
	s.Close()
	raw(t, path, func(tx *bolt.Tx) error {
		for _, name := range []string{bucketCalls, bucketCameraSessions} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte(bucketMeta)).Put([]byte(keySchemaVersion), []byte("4"))
	})
	s = openT(t, path)
	if v, _ := s.SchemaVersion(); v != schemaVersion {
		t.Fatalf("schema version %d, want %d", v, schemaVersion)
	}
	if err := s.SaveCall(endedCall("x", "A", day0, time.Minute, 0)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Calls(Query{DeviceKey: "A"}); err != nil || ids(got) != "x" {
		t.Errorf("Calls after migration = %q, %v", ids(got), err)
	}
}
