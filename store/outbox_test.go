package store

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var ctx = context.Background()

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "earshot.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// sampleBody is a realistic event body: flat, mostly nulls.
func sampleBody(id string, n int) []byte {
	return fmt.Appendf(nil, `{"EventId":%q,"EventType":"DeviceAdded","Timestamp":"2026-11-22T09:00:%02d.000Z","ClientVersion":"0.1.0","MachineName":"DESK-0042","UserName":"jdoe","OsName":"Debian GNU/Linux","OsVersion":"12","IpAddresses":["192.168.1.23"],"DeviceName":"Jabra Evolve2 85","VendorId":"0B0E","ProductId":"30A4","VariantType":"01-96","ESN":"501AA5D6337F","FirmwareVersion":"1.25.0","ConnectionType":"Bluetooth","InstanceId":null,"BatteryLevel":%d,"BatteryLow":false,"BatteryCharging":false,"CallStatus":null,"CallId":null,"CallDurationMinutes":null,"TimesMuteButtonPressedDuringCall":null,"TimesVolumeUpButtonPressedDuringCall":null,"TimesVolumeDownButtonPressedDuringCall":null,"AverageAudioExposureDb":null,"MaximumAudioExposureDb":null,"AverageBackgroundNoiseDb":null,"MaximumBackgroundNoiseDb":null,"TimesBoomArmBadlyPositioned":null,"MicrophoneMalfunctionDetected":null,"LinkQualityDistribution":null,"LinkQualityIndicators":null,"PeopleCount":null,"PeopleCountAtStart":null,"PeopleCountAtEnd":null,"PeopleCountMin":null,"PeopleCountMax":null,"PeopleCountAverage":null,"StreamingDurationMinutes":null,"FirmwareUpdateCompletedStatus":null,"FirmwareUpdateFailureDescription":null,"AppliedSettings":null,"RejectedSettings":null}`, id, n%60, n%101)
}

func event(n int) OutboxEvent {
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	return OutboxEvent{ID: id, Type: "DeviceAdded", Body: sampleBody(id, n)}
}

func enqueue(t testing.TB, s *Store, evs ...OutboxEvent) {
	t.Helper()
	if err := s.Write(ctx, func(tx *Tx) error { return tx.Enqueue(evs...) }); err != nil {
		t.Fatal(err)
	}
}

func status(t testing.TB, s *Store) OutboxStatus {
	t.Helper()
	st, err := s.OutboxStatus()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func endpoints(ids ...string) []OutboxEndpoint {
	var out []OutboxEndpoint
	for _, id := range ids {
		out = append(out, OutboxEndpoint{ID: id, Name: "https://" + id + "/ev"})
	}
	return out
}

func TestPackRoundTrip(t *testing.T) {
	for name, e := range map[string]OutboxEvent{
		"typical":    event(7),
		"empty body": {ID: "x", Type: "PeopleCount"},
		"not JSON":   {ID: "", Type: "", Body: []byte{0, 1, 2, 255}},
		"big":        {ID: "b", Type: "T", Body: bytes.Repeat([]byte(`{"a":null}`), 20000)},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := packEvent(e)
			if err != nil {
				t.Fatal(err)
			}
			got, err := unpackEvent(v)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != e.ID || got.Type != e.Type || !bytes.Equal(got.Body, e.Body) {
				t.Fatalf("round trip: got %+v", got)
			}
		})
	}
	if _, err := packEvent(OutboxEvent{ID: "huge", Body: make([]byte, maxBodySize+1)}); err == nil {
		t.Error("an oversize body was packed")
	}
	v, _ := packEvent(event(1))
	if raw := len(event(1).Body); len(v)*3 > raw {
		t.Errorf("packed %d bytes from %d: the dictionary no longer helps", len(v), raw)
	}
}

func TestUnpackRejects(t *testing.T) {
	sealed, _ := packEvent(event(1))
	good := sealedBody(sealed)
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)/2] ^= 1
	for name, v := range map[string][]byte{
		"empty":            seal(tagOf(kindEvents), nil),
		"unknown format":   seal(tagOf(kindEvents), append([]byte{9}, good[1:]...)),
		"id too long":      seal(tagOf(kindEvents), []byte{1, 200, 'a'}),
		"truncated varint": seal(tagOf(kindEvents), []byte{1, 0x80}),
		"not deflate":      seal(tagOf(kindEvents), []byte{1, 1, 'a', 1, 'b', 0xff, 0xff, 0xff}),
		"truncated body":   seal(tagOf(kindEvents), good[:len(good)-5]),
		"a flipped bit":    flipped,
		"no checksum":      good,
		"too short":        {1, 2, 3},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := unpackEvent(v); err == nil {
				t.Error("decoded")
			}
		})
	}
}

// FuzzUnpackEvent: whatever a damaged file holds, decoding returns an error
// or an event, never panics, and never inflates past the cap.
func FuzzUnpackEvent(f *testing.F) {
	for i := range 3 {
		v, _ := packEvent(event(i))
		f.Add(sealedBody(v))
	}
	f.Add([]byte{1, 0, 0})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, v []byte) {
		// Sealed, so the fuzzer reaches the decoder behind the checksum.
		e, err := unpackEvent(seal(tagOf(kindEvents), v))
		if err == nil && len(e.Body) > maxBodySize {
			t.Fatalf("body of %d bytes", len(e.Body))
		}
	})
}

// FuzzDecodeParked: a damaged parked record is reported, not a panic.
func FuzzDecodeParked(f *testing.F) {
	packed, _ := packEvent(event(1))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1}, []byte(`{"reason":"400 Bad Request","status":400,"at":"2026-11-22T09:00:00Z","event":null}`))
	good := fmt.Appendf(nil, `{"reason":"r","status":400,"at":"2026-11-22T09:00:00Z","event":%q}`, packed)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 2}, good)
	f.Add([]byte("k"), []byte(`{"event":"AQ=="}`))
	f.Fuzz(func(t *testing.T, k, v []byte) {
		_ = decodeParked(k, seal(namedTag(kindParked, "sha256:00"), v))
		_ = decodeParked(k, v)
	})
}

func TestWriteGroupsAndIsolatesFailures(t *testing.T) {
	s := openTemp(t)
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.Write(ctx, func(tx *Tx) error {
				if err := tx.SaveDevice(DeviceRecord{Key: fmt.Sprintf("K%02d", i)}, time.Unix(0, 0)); err != nil {
					return err
				}
				switch i {
				case 13:
					return errors.New("unlucky")
				case 42:
					panic("boom")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		switch i {
		case 13:
			if err == nil || err.Error() != "unlucky" {
				t.Errorf("write 13: %v", err)
			}
		case 42:
			if err == nil || !strings.Contains(err.Error(), "panicked: boom") {
				t.Errorf("write 42: %v", err)
			}
		default:
			if err != nil {
				t.Errorf("write %d: %v", i, err)
			}
		}
	}
	recs, err := s.Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 62 {
		t.Fatalf("%d records, want 62 (the failed writes rolled back, the others kept)", len(recs))
	}
	for _, r := range recs {
		if r.Key == "K13" || r.Key == "K42" {
			t.Errorf("a failed write left %s", r.Key)
		}
	}
}

func TestWriteAfterClose(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "e.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
}

func TestWriteHonoursContextWhileWaiting(t *testing.T) {
	s := openTemp(t)
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_ = s.Write(ctx, func(*Tx) error { close(started); <-release; return nil })
	}()
	<-started
	c, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := s.Write(c, func(*Tx) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Write while the writer is busy: %v", err)
	}
	close(release)
}

func TestReadOnlyStoreCannotWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.Write(ctx, func(*Tx) error { return nil }); err == nil {
		t.Error("a read-only store wrote")
	}
}

func TestEnqueueWithoutEndpointsStoresNothing(t *testing.T) {
	s := openTemp(t)
	enqueue(t, s, event(1), event(2))
	if st := status(t, s); st.Last != 0 {
		t.Fatalf("analytics off, yet events queued: %+v", st)
	}
}

func TestOutboxCursorsTrimAndSignal(t *testing.T) {
	s := openTemp(t)
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a", "b")); err != nil {
		t.Fatal(err)
	}
	changed := s.OutboxChanged()
	enqueue(t, s, event(1), event(2), event(3))
	select {
	case <-changed:
	default:
		t.Fatal("OutboxChanged not signalled after an enqueue")
	}
	evs, err := s.OutboxEvents(0, 10)
	if err != nil || len(evs) != 3 {
		t.Fatalf("OutboxEvents = %v, %v", evs, err)
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) || e.ID != event(i+1).ID || !bytes.Equal(e.Body, event(i+1).Body) || e.Err != nil {
			t.Errorf("event %d = %+v", i, e)
		}
	}
	if evs, _ := s.OutboxEvents(2, 10); len(evs) != 1 || evs[0].Seq != 3 {
		t.Errorf("after 2: %+v", evs)
	}
	// a takes all three; b takes one: events 2 and 3 stay for b.
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("a", 3, 3) })
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("b", 1, 1) })
	st := status(t, s)
	if st.First != 2 || st.Last != 3 {
		t.Errorf("range %d..%d, want 2..3", st.First, st.Last)
	}
	want := []EndpointStatus{
		{ID: "a", Name: "https://a/ev", Cursor: 3, Queued: 0, Delivered: 3},
		{ID: "b", Name: "https://b/ev", Cursor: 1, Queued: 2, Delivered: 1},
	}
	if fmt.Sprint(st.Endpoints) != fmt.Sprint(want) {
		t.Errorf("endpoints\n got %+v\nwant %+v", st.Endpoints, want)
	}
	// A cursor never moves back.
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("a", 1, 0) })
	if st := status(t, s); st.Endpoints[0].Cursor != 3 {
		t.Errorf("cursor moved back to %d", st.Endpoints[0].Cursor)
	}
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("b", 3, 2) })
	if st := status(t, s); st.First != 0 || st.Last != 0 {
		t.Errorf("every endpoint is past every event, yet %d..%d remain", st.First, st.Last)
	}
	// Keys keep growing after the queue emptied.
	enqueue(t, s, event(4))
	if evs, _ := s.OutboxEvents(3, 10); len(evs) != 1 || evs[0].Seq != 4 {
		t.Errorf("after emptying: %+v", evs)
	}
	if err := s.Write(ctx, func(tx *Tx) error { return tx.AdvanceOutbox("nope", 1, 1) }); err == nil {
		t.Error("advanced an unregistered endpoint")
	}
}

func write(t testing.TB, s *Store, fn func(*Tx) error) {
	t.Helper()
	if err := s.Write(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxBoundDropsOldestAndCounts(t *testing.T) {
	s := openTemp(t)
	s.SetOutboxLimit(5)
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("fast", "slow")); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, event(1), event(2), event(3))
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("fast", 3, 3) })
	for i := 4; i <= 9; i++ {
		enqueue(t, s, event(i))
	}
	st := status(t, s)
	if st.First != 5 || st.Last != 9 || st.Dropped != 4 {
		t.Fatalf("outbox %d..%d dropped %d, want 5..9 dropped 4", st.First, st.Last, st.Dropped)
	}
	fast, slow := st.Endpoints[0], st.Endpoints[1]
	if fast.Dropped != 1 || fast.Queued != 5 || fast.Cursor != 4 {
		t.Errorf("fast: %+v (had 1..3, lost 4)", fast)
	}
	if slow.Dropped != 4 || slow.Queued != 5 || slow.Cursor != 4 {
		t.Errorf("slow: %+v (lost 1..4)", slow)
	}
	// One transaction far over the bound.
	many := make([]OutboxEvent, 12)
	for i := range many {
		many[i] = event(100 + i)
	}
	enqueue(t, s, many...)
	if st := status(t, s); st.Last-st.First+1 != 5 || st.Dropped != 16 {
		t.Errorf("after a big batch: %d..%d dropped %d", st.First, st.Last, st.Dropped)
	}
}

func TestParkUnparkDiscard(t *testing.T) {
	s := openTemp(t)
	s.SetOutboxLimit(3)
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a")); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, event(1), event(2))
	evs, _ := s.OutboxEvents(0, 10)
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	write(t, s, func(tx *Tx) error {
		if err := tx.Park("a", evs[0], "400 Bad Request: unknown type", 400, at); err != nil {
			return err
		}
		return tx.AdvanceOutbox("a", 1, 0)
	})
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("a", 2, 1) })
	st := status(t, s)
	if e := st.Endpoints[0]; e.Parked != 1 || e.Delivered != 1 || e.Queued != 0 || st.Last != 0 {
		t.Fatalf("status %+v", st)
	}
	parked, err := s.ParkedEvents("a", 0, 10)
	if err != nil || len(parked) != 1 {
		t.Fatalf("ParkedEvents = %+v, %v", parked, err)
	}
	p := parked[0]
	if p.Seq != 1 || p.ID != event(1).ID || !bytes.Equal(p.Body, event(1).Body) || p.Reason != "400 Bad Request: unknown type" ||
		p.Status != 400 || !p.At.Equal(at) || p.Err != nil {
		t.Errorf("parked = %+v", p)
	}
	// Delivered on a retry.
	write(t, s, func(tx *Tx) error { return tx.Unpark("a", 1) })
	if e := status(t, s).Endpoints[0]; e.Parked != 0 || e.Delivered != 2 {
		t.Errorf("after unpark: %+v", e)
	}
	// The parked bucket is bounded too.
	for i := range 5 {
		write(t, s, func(tx *Tx) error {
			return tx.Park("a", QueuedEvent{Seq: uint64(10 + i), OutboxEvent: event(10 + i)}, "400", 400, at)
		})
	}
	if e := status(t, s).Endpoints[0]; e.Parked != 3 || e.Dropped != 2 {
		t.Errorf("parked past the bound: %+v", e)
	}
	if parked, _ := s.ParkedEvents("a", 0, 10); len(parked) != 3 || parked[0].Seq != 12 {
		t.Errorf("oldest parked not dropped: %+v", parked)
	}
	// An undecodable event can be parked and shows why.
	write(t, s, func(tx *Tx) error {
		return tx.Park("a", QueuedEvent{Seq: 20, Err: errors.New("corrupt")}, "cannot decode: corrupt", 0, at)
	})
	var n int
	write(t, s, func(tx *Tx) error {
		var err error
		n, err = tx.DiscardParked("a")
		return err
	})
	if e := status(t, s).Endpoints[0]; n != 3 || e.Parked != 0 {
		t.Errorf("discarded %d, parked now %d", n, e.Parked)
	}
	if parked, _ := s.ParkedEvents("a", 0, 10); len(parked) != 0 {
		t.Errorf("parked after discard: %+v", parked)
	}
}

func TestSetOutboxEndpoints(t *testing.T) {
	s := openTemp(t)
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a", "b")); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, event(1), event(2))
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("a", 2, 2) })
	write(t, s, func(tx *Tx) error {
		return tx.Park("b", QueuedEvent{Seq: 1, OutboxEvent: event(1)}, "400", 400, time.Now())
	})
	// b leaves and c arrives in the same change (a corrected URL, say): c gets
	// what was still queued. b is retired, not emptied: it keeps its queue and
	// its parked event, visibly.
	retired, err := s.SetOutboxEndpoints(ctx, endpoints("c", "a"))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(retired) != "[https://b/ev]" {
		t.Errorf("retired %v", retired)
	}
	st := status(t, s)
	if len(st.Endpoints) != 2 || st.Endpoints[0].ID != "c" || st.Endpoints[1].ID != "a" || st.Endpoints[0].Queued != 2 {
		t.Fatalf("status %+v", st)
	}
	if len(st.Retired) != 1 || st.Retired[0].ID != "b" || st.Retired[0].Queued != 2 || st.Retired[0].Parked != 1 ||
		st.Retired[0].RetiredAt.IsZero() || st.Retired[0].DiscardAfter != st.Retired[0].RetiredAt.Add(RetiredRetention) {
		t.Fatalf("retired %+v", st.Retired)
	}
	if parked, _ := s.ParkedEvents("b", 0, 10); len(parked) != 1 {
		t.Error("a retired endpoint lost its parked event")
	}
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("c", 2, 2) })
	if st := status(t, s); st.Last != 2 || st.Retired[0].Queued != 2 {
		t.Fatalf("delivered to the configured endpoints, the retired one's queue went: %+v", st)
	}
	// Events queued after b retired are not b's.
	enqueue(t, s, event(3))
	if r := status(t, s).Retired[0]; r.Queued != 2 {
		t.Errorf("retired endpoint gained new events: %+v", r)
	}
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("c", 3, 1) })
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("a", 3, 1) })
	// A new endpoint receives every event still queued.
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("c", "a", "d")); err != nil {
		t.Fatal(err)
	}
	if d := status(t, s).Endpoints[2]; d.ID != "d" || d.Queued != 3 || d.Cursor != 0 {
		t.Errorf("new endpoint: %+v", d)
	}
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("d", 3, 3) })
	// No endpoint: analytics is off, yet nothing queued is deleted; those
	// with nothing queued nor parked are simply forgotten.
	if _, err := s.SetOutboxEndpoints(ctx, nil); err != nil {
		t.Fatal(err)
	}
	st = status(t, s)
	if st.First != 1 || st.Last != 3 || len(st.Endpoints) != 0 || len(st.Retired) != 1 {
		t.Errorf("with no endpoint: %+v", st)
	}
	// A person discards it: then, and only then, its events go.
	q, p, err := s.DiscardRetired(ctx, "b")
	if err != nil || q != 2 || p != 1 {
		t.Fatalf("discard: %d queued, %d parked, %v", q, p, err)
	}
	if st := status(t, s); st.Last != 0 || len(st.Retired) != 0 {
		t.Errorf("after discarding: %+v", st)
	}
	if _, _, err := s.DiscardRetired(ctx, "b"); err == nil {
		t.Error("discarded an endpoint that is not retired")
	}
	if _, err := s.SetOutboxEndpoints(ctx, []OutboxEndpoint{{ID: ""}}); err == nil {
		t.Error("an empty endpoint id was accepted")
	}
}

func TestEventToggles(t *testing.T) {
	s := openTemp(t)
	if m, err := s.EventToggles("HS1"); err != nil || m != nil {
		t.Fatalf("unset toggles = %v, %v", m, err)
	}
	write(t, s, func(tx *Tx) error {
		return tx.SetEventToggles("HS1", map[string]bool{"EVENT_CALL_STATUS": false, "EVENT_PEOPLE_COUNT": true})
	})
	write(t, s, func(tx *Tx) error { return tx.SetEventToggles("HS1", map[string]bool{"EVENT_PEOPLE_COUNT": false}) })
	var inTx map[string]bool
	write(t, s, func(tx *Tx) error {
		var err error
		inTx, err = tx.EventToggles("HS1")
		return err
	})
	m, err := s.EventToggles("HS1")
	if err != nil || fmt.Sprint(m) != "map[EVENT_CALL_STATUS:false EVENT_PEOPLE_COUNT:false]" || fmt.Sprint(inTx) != fmt.Sprint(m) {
		t.Errorf("toggles = %v (%v), in tx %v", m, err, inTx)
	}
}

// TestMigrateFromVersion1 opens a file written by the first schema: the
// outbox appears and the devices stay.
func TestMigrateFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte(bucketMeta))
		devs, _ := tx.CreateBucket([]byte(bucketDevices))
		if err := devs.Put([]byte("HS1"), []byte(`{"name":"Old headset"}`)); err != nil {
			return err
		}
		return meta.Put([]byte(keySchemaVersion), []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(); v != schemaVersion {
		t.Errorf("version %d", v)
	}
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a")); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, event(1))
	if st := status(t, s); st.Last != 1 {
		t.Errorf("status after migration: %+v", st)
	}
	if recs, _ := s.Devices(); len(recs) != 1 || recs[0].Name != "Old headset" {
		t.Errorf("devices after migration: %+v", recs)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

// BenchmarkEnqueueDurable8 enqueues single events, each in its own durable
// Write, from 8 goroutines: the path every domain record with its event
// takes (events prepared by the caller, as analytics does). Goal ≥ 5 000
// events/s.
func BenchmarkEnqueueDurable8(b *testing.B) {
	s := openTemp(b)
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a")); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	start := time.Now()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				i := n.Add(1)
				if i > int64(b.N) {
					return
				}
				e := event(int(i))
				if err := e.Prepare(); err != nil {
					b.Error(err)
					return
				}
				if err := s.Write(ctx, func(tx *Tx) error { return tx.Enqueue(e) }); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

func BenchmarkOneTxPerEvent(b *testing.B) {
	s := openTemp(b)
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a")); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for i := range b.N {
		e := event(i)
		err := s.db.Update(func(btx *bolt.Tx) error { return (&Tx{tx: btx, s: s}).Enqueue(e) })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkPackEvent packs and unpacks a typical event and reports its
// stored size; "flate" is the baseline of the same run, the body through
// compress/flate at its default level with the same dictionary (the
// encoder before outbox_deflate.go), with the writer reused as a pool would.
func BenchmarkPackEvent(b *testing.B) {
	e := event(7)
	var v []byte
	b.Run("flate", func(b *testing.B) {
		var buf bytes.Buffer
		w, err := flate.NewWriterDict(&buf, flate.DefaultCompression, eventDictV1)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			buf.Reset()
			w.Reset(&buf)
			if _, err := w.Write(e.Body); err != nil {
				b.Fatal(err)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "deflate-bytes")
	})
	b.Run("pack", func(b *testing.B) {
		for b.Loop() {
			var err error
			if v, err = packEvent(e); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(v)), "bytes")
		b.ReportMetric(float64(len(e.Body)), "json-bytes")
		b.ReportMetric(float64(len(v)-(1+1+len(e.ID)+1+len(e.Type)+sealSize)), "deflate-bytes")
	})
	b.Run("unpack", func(b *testing.B) {
		for b.Loop() {
			if _, err := unpackEvent(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
