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
