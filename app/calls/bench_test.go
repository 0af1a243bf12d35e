package calls

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/earshot-app/earshot/store"
)

// BenchmarkHistoryPageLoad is the work the Call history page does off the
// UI thread on each load, with 100 000 calls over 180 days on 5 devices
// stored: the devices, every day's totals, and the newest 500 calls.
func BenchmarkHistoryPageLoad(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const n = 100_000
	span := 180 * 24 * time.Hour
	for i := 0; i < n; {
		recs := make([]store.CallRecord, 0, 5000)
		for ; len(recs) < 5000 && i < n; i++ {
			start := t0.Add(-span + time.Duration(i)*(span/n))
			mutes := i % 4
			recs = append(recs, store.CallRecord{CallID: fmt.Sprintf("c%06d", i),
				Device: store.HistoryDevice{Key: fmt.Sprintf("ESN%d", i%5), Name: fmt.Sprintf("Headset %d", i%5)},
				Start:  start, End: start.Add(7 * time.Minute), EndReason: store.EndNormal, MutePresses: &mutes})
		}
		if err := st.SaveCalls(recs); err != nil {
			b.Fatal(err)
		}
	}
	h := NewHistory(st, func() *time.Location { return time.UTC })
	for b.Loop() {
		if _, err := h.Devices(); err != nil {
			b.Fatal(err)
		}
		if _, err := h.Days(Filter{}); err != nil {
			b.Fatal(err)
		}
		if _, err := h.Calls(Filter{Limit: 500}); err != nil {
			b.Fatal(err)
		}
		if _, err := h.Sessions(Filter{Limit: 500}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEachCall lists a history of 100 000 calls and 2 000 camera
// sessions as `earshot calls` does: the calls alone from the store
// (baseline, what the listing read before camera sessions joined it) and
// the two histories merged by History.EachCall.
func BenchmarkEachCall(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const n, sessions = 100_000, 2_000
	span := 180 * 24 * time.Hour
	for i := 0; i < n; {
		recs := make([]store.CallRecord, 0, 5000)
		for ; len(recs) < 5000 && i < n; i++ {
			start := t0.Add(-span + time.Duration(i)*(span/n))
			recs = append(recs, store.CallRecord{CallID: fmt.Sprintf("c%06d", i),
				Device: store.HistoryDevice{Key: fmt.Sprintf("ESN%d", i%5), Name: fmt.Sprintf("Headset %d", i%5)},
				Start:  start, End: start.Add(7 * time.Minute), EndReason: store.EndNormal})
		}
		if err := st.SaveCalls(recs); err != nil {
			b.Fatal(err)
		}
	}
	cam := store.HistoryDevice{Key: "CAM", Name: "Jabra PanaCast 50"}
	for i := range sessions {
		start := t0.Add(-span + time.Duration(i)*(span/sessions) + time.Minute)
		if err := st.SaveCameraSession(store.SessionRecord{SessionID: fmt.Sprintf("s%05d", i), Device: cam,
			Start: start, End: start.Add(30 * time.Minute), EndReason: store.EndNormal}); err != nil {
			b.Fatal(err)
		}
	}
	h := NewHistory(st, nil)
	b.Run("calls alone (baseline)", func(b *testing.B) {
		for b.Loop() {
			got := 0
			if err := st.EachCall(store.Query{}, func(c store.CallRecord) error { _ = RecordOf(c); got++; return nil }); err != nil || got != n {
				b.Fatal(err, got)
			}
		}
	})
	b.Run("calls and sessions merged", func(b *testing.B) {
		for b.Loop() {
			got := 0
			if err := h.EachCall(Filter{}, func(Record) error { got++; return nil }); err != nil || got != n+sessions {
				b.Fatal(err, got)
			}
		}
	})
}
