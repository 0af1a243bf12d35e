package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// lived is a store file written the way Earshot writes one: events queued
// in many transactions for two endpoints, delivered in part (the first
// minCursor events deleted, their pages freed), devices, calls and
// settings saved in between.
type lived struct {
	path      string
	events    map[uint64]OutboxEvent // every event ever queued, by sequence
	minCursor uint64                 // events at or below were delivered to every endpoint
	calls     map[string]CallRecord
}

func liveStore(t *testing.T, nEvents int) lived {
	t.Helper()
	path := filepath.Join(t.TempDir(), "earshot.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a", "b")); err != nil {
		t.Fatal(err)
	}
	l := lived{path: path, events: map[uint64]OutboxEvent{}, calls: map[string]CallRecord{}}
	var seq uint64
	call := 0
	for i := 0; i < nEvents; i += 50 {
		var evs []OutboxEvent
		for j := i; j < min(i+50, nEvents); j++ {
			seq++
			evs = append(evs, event(j+1))
			l.events[seq] = evs[len(evs)-1]
		}
		key := fmt.Sprintf("HS%d", i/50%7)
		err := s.Write(ctx, func(tx *Tx) error {
			if err := tx.SaveDevice(headset(key), t0.Add(time.Duration(i)*time.Second)); err != nil {
				return err
			}
			return tx.Enqueue(evs...)
		})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			call++
			c := endedCall(fmt.Sprintf("call-%05d", call), key, t0.Add(time.Duration(call)*time.Minute), 30*time.Second, call%4)
			if err := s.SaveCall(c); err != nil {
				t.Fatal(err)
			}
			l.calls[c.CallID] = c
		}
		// Deliver as the uploader does, a batch at a time, b lagging.
		if seq > 600 && int(seq) <= nEvents/2 && i%200 == 0 {
			write(t, s, func(tx *Tx) error {
				if err := tx.AdvanceOutbox("a", seq-300, 200); err != nil {
					return err
				}
				return tx.AdvanceOutbox("b", seq-500, 200)
			})
			l.minCursor = seq - 500
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return l
}

// leafSpan is the pages of the leaf (with its overflow) a value lives on.
type leafSpan struct{ first, last int64 }

// eventLeaves finds, in the sound file at path, the leaf page of every
// queued event, through bbolt itself: a value bbolt returns points into
// its memory map, so its offset names its page; the leaf it belongs to is
// the nearest page at or before it whose header says so.
func eventLeaves(t *testing.T, path string) (map[uint64]leafSpan, int64) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ps := int64(db.Info().PageSize)
	base := db.Info().Data
	out := map[uint64]leafSpan{}
	err = db.View(func(tx *bolt.Tx) error {
		c := outboxBucket(tx, bucketOutboxEvents).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			off := int64(uintptr(unsafe.Pointer(unsafe.SliceData(v))) - base)
			for p := off / ps; p >= 2; p-- {
				h := raw[p*ps:]
				over := int64(binary.LittleEndian.Uint32(h[12:]))
				if int64(binary.LittleEndian.Uint64(h)) == p && binary.LittleEndian.Uint16(h[8:]) == pageLeaf && p+over >= off/ps {
					out[binary.BigEndian.Uint64(k)] = leafSpan{p, p + over}
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, ps
}

// queued reads every event of a repaired store, failing on a damaged one.
func queued(t *testing.T, path string) map[uint64]OutboxEvent {
	t.Helper()
	s := openT(t, path)
	defer s.Close()
	out := map[uint64]OutboxEvent{}
	var after uint64
	for {
		batch, err := s.OutboxEvents(after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 {
			return out
		}
		for _, q := range batch {
			if q.Err != nil {
				t.Fatalf("event %d is damaged after the repair: %v", q.Seq, q.Err)
			}
			out[q.Seq] = q.OutboxEvent
			after = q.Seq
		}
	}
}

func copyTo(t *testing.T, from, to string, size int64) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(out, in, size); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRepairSalvagesTruncatedAndDamagedFiles cuts a lived-in store at
// several points and damages one page of another copy: the repair never
// panics, keeps every event whose leaf page survived whole (worked out
// from the sound file, not hard-coded), brings back no delivered event,
// and leaves a sound file that takes new events.
func TestRepairSalvagesTruncatedAndDamagedFiles(t *testing.T) {
	l := liveStore(t, 4000)
	leaves, ps := eventLeaves(t, l.path)
	raw, err := os.ReadFile(l.path)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(raw))
	h, ok := readHeader(bytes.NewReader(raw), size)
	if !ok {
		t.Fatal("no valid meta page in the sound file")
	}
	used := int64(h.pgid) * ps // bbolt grows the file ahead of its pages: cut what is in use
	if len(leaves) < 2000 {
		t.Fatalf("only %d events queued in the sound file", len(leaves))
	}
	var eventPages []int64
	seen := map[int64]bool{}
	for _, sp := range leaves {
		if !seen[sp.first] {
			seen[sp.first] = true
			eventPages = append(eventPages, sp.first)
		}
	}
	for _, tt := range []struct {
		name    string
		cut     float64 // keep this share of the pages in use
		damaged bool    // overwrite one page of events instead
	}{
		{"truncated to 90 %", 0.9, false},
		{"truncated to 50 %", 0.5, false},
		{"truncated to 10 %", 0.1, false},
		{"one damaged page", 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "earshot.db")
			keep := int64(float64(used)*tt.cut) / ps * ps
			copyTo(t, l.path, path, keep)
			victim := int64(-1)
			if tt.damaged {
				victim = eventPages[len(eventPages)/2]
				damagePage(t, path, victim, 3)
			}
			// What must survive: every queued event whose leaf lies whole
			// before the cut and off the damaged page.
			want := map[uint64]bool{}
			for seq, sp := range leaves {
				if (sp.last+1)*ps <= keep && (victim < sp.first || victim > sp.last) {
					want[seq] = true
				}
			}
			rep, err := RepairFile(path, time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			got := queued(t, path)
			missing := 0
			for seq := range want {
				if _, ok := got[seq]; !ok {
					missing++
				}
			}
			back := 0
			for seq, e := range got {
				orig, ok := l.events[seq]
				if !ok || orig.ID != e.ID || !bytes.Equal(orig.Body, e.Body) {
					t.Fatalf("event %d came back different", seq)
				}
				if seq <= l.minCursor {
					back++
				}
			}
			t.Logf("cut at %d of %d bytes: %d events on surviving leaves, %d kept, %d salvaged; report %+v",
				keep, size, len(want), len(got), rep.Salvaged, rep.Kinds)
			if missing > 0 {
				t.Errorf("%d of the %d events whose page survived were lost", missing, len(want))
			}
			if back > 0 {
				t.Errorf("%d delivered events came back", back)
			}
			if ev := rep.Kind("events"); ev.Kept != len(got) {
				t.Errorf("report says %d events kept, the file holds %d", ev.Kept, len(got))
			}
			// The repaired file is sound and takes new events after the last.
			s := openT(t, path)
			if r, err := s.Verify(); err != nil || !r.OK() {
				t.Errorf("repaired file: %+v, %v", r, err)
			}
			if _, err := s.SetOutboxEndpoints(ctx, endpoints("a", "b")); err != nil {
				t.Fatal(err)
			}
			enqueue(t, s, event(99999))
			calls, err := s.Calls(Query{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range calls {
				if want, ok := l.calls[c.CallID]; !ok || !c.Start.Equal(want.Start) {
					t.Fatalf("call %s came back different", c.CallID)
				}
			}
			t.Logf("%d of %d calls kept", len(calls), len(l.calls))
			if tt.cut >= 0.5 && len(calls) == 0 {
				t.Error("no call kept")
			}
		})
	}
}
