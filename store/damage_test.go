package store

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// filled writes a store with n queued events, a device and a call, closes
// it and returns its path and the events.
func filled(t *testing.T, n int) (string, []OutboxEvent) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "earshot.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a")); err != nil {
		t.Fatal(err)
	}
	evs := make([]OutboxEvent, n)
	for i := range evs {
		evs[i] = event(i + 1)
	}
	for i := 0; i < n; i += 500 {
		enqueue(t, s, evs[i:min(i+500, n)]...)
	}
	if err := s.SaveDevice(headset("HS1"), t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCall(endedCall("c1", "HS1", t0, time.Minute, 2)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, evs
}

// readAll reads every queued event; it must not panic, whatever the file.
func readAll(s *Store) (good map[string]OutboxEvent, bad int, err error) {
	good = map[string]OutboxEvent{}
	var after uint64
	for {
		batch, err := s.OutboxEvents(after, 256)
		if err != nil {
			return good, bad, err
		}
		if len(batch) == 0 {
			return good, bad, nil
		}
		for _, q := range batch {
			if q.Seq <= after && q.Seq != 0 {
				return good, bad, fmt.Errorf("sequence went back to %d", q.Seq)
			}
			if q.Err != nil {
				bad++
			} else {
				good[q.ID] = q.OutboxEvent
			}
			if q.Seq == 0 {
				return good, bad, nil
			}
			after = q.Seq
		}
	}
}

func TestTruncatedFileIsReportedAndRepaired(t *testing.T) {
	path, _ := filled(t, 2000)
	st, _ := os.Stat(path)
	if err := os.Truncate(path, st.Size()/2); err != nil {
		t.Fatal(err)
	}
	// Without AutoRepair: one sentence, wrapping ErrDamaged, no panic.
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "truncated") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("open of a truncated file: %v", err)
	}
	rep, err := CheckFile(path, time.Second)
	if err != nil || rep.OK() {
		t.Fatalf("check of a truncated file: %+v, %v", rep, err)
	}
	// With AutoRepair: the store opens, keeps what was readable, and says so.
	var told []RepairReport
	now := time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)
	s, err := Open(path, Options{AutoRepair: true, Now: func() time.Time { return now }, OnRepair: func(r RepairReport) { told = append(told, r) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(told) != 1 || !told[0].Lost() || told[0].DamagedPath != path+".damaged-20261201T210000.000Z" {
		t.Fatalf("repair reports %+v", told)
	}
	if _, err := os.Stat(told[0].DamagedPath); err != nil {
		t.Errorf("the damaged file was not kept: %v", err)
	}
	if rep, err := s.Verify(); err != nil || !rep.OK() {
		t.Errorf("repaired file: %+v, %v", rep, err)
	}
	if _, _, err := readAll(s); err != nil {
		t.Error(err)
	}
	// It still works: a new event is queued and read.
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a")); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, event(99999))
	if st := status(t, s); st.Last == 0 {
		t.Errorf("nothing queued after the repair: %+v", st)
	}
}

// damagePage overwrites page pgid of the file at path with garbage.
func damagePage(t *testing.T, path string, pgid int64, seed uint64) (from, to int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps := int64(os.Getpagesize())
	junk := make([]byte, ps)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range junk {
		junk[i] = byte(r.UintN(256))
	}
	if _, err := f.WriteAt(junk, pgid*ps); err != nil {
		t.Fatal(err)
	}
	return pgid * ps, (pgid + 1) * ps
}

// eventPages finds the leaf pages that hold outbox events, by page id.
func eventPages(t *testing.T, path string) []int64 {
	t.Helper()
	var ids []int64
	// Walk the pages: a leaf page whose bytes hold an event's EventId.
	raw, _ := os.ReadFile(path)
	ps := os.Getpagesize()
	for id := 2; id*ps < len(raw); id++ {
		page := raw[id*ps : (id+1)*ps]
		if page[8]&0x02 != 0 && bytes.Contains(page, []byte("00000000-0000-4000-8000-")) { // leaf page flag
			ids = append(ids, int64(id))
		}
	}
	return ids
}

func TestDamagedPageNeverPanicsAndRepairKeepsTheRest(t *testing.T) {
	path, evs := filled(t, 3000)
	pages := eventPages(t, path)
	if len(pages) < 4 {
		t.Fatalf("only %d event pages", len(pages))
	}
	orig, _ := os.ReadFile(path)
	from, to := damagePage(t, path, pages[len(pages)/2], 7)
	// Which events lived on the damaged page: their stored value was there.
	lostOK := map[string]bool{}
	for _, e := range evs {
		v, _ := packEvent(e)
		if i := int64(bytes.Index(orig, v)); i >= from && i < to {
			lostOK[e.ID] = true
		} else if i < 0 {
			t.Fatalf("event %s not found in the file", e.ID)
		}
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("open: %v", err) // the header is sound: bbolt opens it
	}
	good, _, rerr := readAll(s) // damage is an error or a bad event, never a panic
	for id, e := range good {
		if want := evs[idNumber(t, id)-1]; !bytes.Equal(e.Body, want.Body) {
			t.Fatalf("event %s read back different", id)
		}
	}
	t.Logf("read before repair: %d sound events, error %v", len(good), rerr)
	rep, err := s.Verify()
	if err != nil || rep.OK() {
		t.Errorf("check missed the damaged page: %+v, %v", rep, err)
	}
	if err := s.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	r, err := RepairFile(path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("repair: kept %d, lost %d values, parts %q", r.Kept, r.LostValues, r.LostParts)
	s = openT(t, path)
	after, bad, err := readAll(s)
	if err != nil || bad != 0 {
		t.Fatalf("after repair: %d bad, %v", bad, err)
	}
	for _, e := range evs {
		if got, ok := after[e.ID]; ok {
			if !bytes.Equal(got.Body, e.Body) {
				t.Fatalf("event %s changed", e.ID)
			}
		} else if !lostOK[e.ID] {
			t.Errorf("event %s was not on the damaged page, yet the repair lost it", e.ID)
		}
	}
	if devs, err := s.Devices(); err != nil || len(devs) != 1 {
		t.Errorf("devices after repair: %v, %v", devs, err)
	}
	if calls, err := s.Calls(Query{}); err != nil || len(calls) != 1 {
		t.Errorf("calls after repair: %v, %v", calls, err)
	}
}

func idNumber(t *testing.T, id string) int {
	var n int
	if _, err := fmt.Sscanf(id[len(id)-12:], "%d", &n); err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	return n
}

// TestFlippedBytes flips 1 000 bytes at random over the file: opening,
// reading and repairing never panic, and no event read comes back
// different from the one stored.
func TestFlippedBytes(t *testing.T) {
	for seed := range uint64(10) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			path, evs := filled(t, 2000)
			raw, _ := os.ReadFile(path)
			r := rand.New(rand.NewPCG(seed, 42))
			for range 1000 {
				raw[r.IntN(len(raw))] ^= byte(1 + r.UintN(255))
			}
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			byID := map[string][]byte{}
			for _, e := range evs {
				byID[e.ID] = e.Body
			}
			s, err := Open(path, Options{AutoRepair: true})
			if err != nil {
				t.Logf("open: %v", err)
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("a multi-line error: %q", err)
				}
				return
			}
			defer s.Close()
			good, _, err := readAll(s)
			t.Logf("%d sound events, %v", len(good), err)
			for id, e := range good {
				if want, ok := byID[id]; !ok || !bytes.Equal(want, e.Body) {
					t.Fatalf("event %q read back as garbage", id)
				}
			}
		})
	}
}

// TestMigrationSealsVersion5Values opens a schema 5 file (values without
// checksums): every value is sealed and reads back.
func TestMigrationSealsVersion5Values(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v5.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := event(1)
	packed, _ := packEvent(ev)
	call := encodeCall(endedCall("c1", "HS1", t0, time.Minute, 2))
	err = db.Update(func(tx *bolt.Tx) error {
		if err := createSchema(tx); err != nil {
			return err
		}
		if err := putVersion(tx, 5); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bucketDevices)).Put([]byte("HS1"), []byte(`{"name":"Old headset","connected":true}`)); err != nil {
			return err
		}
		if err := outboxBucket(tx, bucketOutboxEndpoints).Put([]byte("a"), []byte(`{"name":"https://a/ev","cursor":0}`)); err != nil {
			return err
		}
		evb := outboxBucket(tx, bucketOutboxEvents)
		_, _ = evb.NextSequence()
		if err := evb.Put(sequenceKey(1), sealedBody(packed)); err != nil {
			return err
		}
		h, _ := historyOf(tx, bucketCalls)
		sum := encodeSummary(time.Minute, 2) // not sealed
		at := append(timeKey(t0), sequenceKey(1)...)
		_, _ = h.records.NextSequence()
		for _, put := range []struct {
			b    *bolt.Bucket
			k, v []byte
		}{{h.records, sequenceKey(1), sealedBody(call)}, {h.byStart, at, sum}, {h.byDevice, append(devicePrefix("HS1"), at...), sum}} {
			if err := put.b.Put(put.k, put.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := openT(t, path)
	if v, _ := s.SchemaVersion(); v != schemaVersion {
		t.Errorf("version %d", v)
	}
	if devs, err := s.Devices(); err != nil || len(devs) != 1 || devs[0].Name != "Old headset" {
		t.Errorf("devices %+v, %v", devs, err)
	}
	got, err := s.OutboxEvents(0, 10)
	if err != nil || len(got) != 1 || got[0].Err != nil || got[0].ID != ev.ID || !bytes.Equal(got[0].Body, ev.Body) {
		t.Errorf("events %+v, %v", got, err)
	}
	if calls, err := s.Calls(Query{}); err != nil || len(calls) != 1 || calls[0].CallID != "c1" {
		t.Errorf("calls %+v, %v", calls, err)
	}
	if tot, err := s.CallTotals(Query{}, time.UTC); err != nil || len(tot) != 1 || tot[0].Mutes != 2 {
		t.Errorf("totals %+v, %v", tot, err)
	}
	if rep, err := s.Verify(); err != nil || !rep.OK() {
		t.Errorf("check after migration: %+v, %v", rep, err)
	}
}

// TestFullDiskCountsWhatCannotBeStored: with the file capped (a full disk,
// injected), writes fail with ErrStorage, the events they carried are
// counted, the episode is logged once, and writes succeed again once space
// returns, with the count written to the file.
func TestFullDiskCountsWhatCannotBeStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earshot.db")
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	s, err := Open(path, Options{MaxSize: 256 << 10, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a")); err != nil {
		t.Fatal(err)
	}
	stored, refused := 0, 0
	for i := 1; refused < 50 && i < 100000; i++ {
		err := s.Write(ctx, func(tx *Tx) error {
			if err := tx.SaveDevice(headset(fmt.Sprint("HS", i%10)), t0); err != nil {
				return err
			}
			return tx.Enqueue(event(i), event(100000+i))
		})
		switch {
		case err == nil:
			stored += 2
		case errors.Is(err, ErrStorage):
			refused += 2
		default:
			t.Fatal(err)
		}
	}
	st := status(t, s)
	if st.Unstored != uint64(refused) || !st.Storage.Failing || st.QueuedAfter(0) != uint64(stored) {
		t.Fatalf("stored %d, refused %d; status: unstored %d, queued %d, health %+v", stored, refused, st.Unstored, st.QueuedAfter(0), st.Storage)
	}
	if n := strings.Count(logBuf.String(), "database writes failing"); n != 1 {
		t.Errorf("%d log lines for one episode:\n%s", n, logBuf.String())
	}
	// Space returns: delivering frees pages.
	write(t, s, func(tx *Tx) error { return tx.AdvanceOutbox("a", st.Last, uint64(stored)) })
	enqueue(t, s, event(424242))
	st = status(t, s)
	if st.Storage.Failing || st.Unstored != uint64(refused) || !strings.Contains(logBuf.String(), "database writes succeed again") {
		t.Errorf("after space returned: %+v\n%s", st, logBuf.String())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, path)
	if st := status(t, s); st.Unstored != uint64(refused) {
		t.Errorf("after reopening, %d unstored; want %d", st.Unstored, refused)
	}
	devs, err := s.Devices()
	if err != nil || len(devs) == 0 {
		t.Errorf("devices: %v, %v", devs, err)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

func TestCheckFileOfASoundFile(t *testing.T) {
	path, evs := filled(t, 3000)
	rep, err := CheckFile(path, time.Second)
	if err != nil || !rep.OK() || rep.Values < len(evs) {
		t.Fatalf("check of a sound file: %+v, %v", rep, err)
	}
}
