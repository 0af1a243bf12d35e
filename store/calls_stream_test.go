package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

// TestEachCall: the paged listing gives exactly what Calls gives, across
// page boundaries, with records that share a start time, with limits that
// end mid-page, and it stops at fn's error.
func TestEachCall(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "earshot.db"))
	var stored []CallRecord
	for i := range 3*streamPage + 17 {
		// Groups of five calls share one start time, so a page can end in
		// the middle of a group.
		start := day0.Add(time.Duration(i/5) * time.Minute)
		key := []string{"A", "B", "AB"}[i%3]
		stored = append(stored, endedCall(fmt.Sprintf("c%04d", i), key, start, time.Minute, i%4))
	}
	// Half in time order, half shuffled: sequence order and time order
	// agree for some records and not for others.
	rng := rand.New(rand.NewPCG(7, 11))
	tail := stored[len(stored)/2:]
	rng.Shuffle(len(tail), func(i, j int) { tail[i], tail[j] = tail[j], tail[i] })
	if err := s.SaveCalls(stored); err != nil {
		t.Fatal(err)
	}
	collect := func(q Query) (string, error) {
		var got []CallRecord
		err := s.EachCall(q, func(c CallRecord) error { got = append(got, c); return nil })
		return ids(got), err
	}
	for _, tt := range []struct {
		name string
		q    Query
	}{
		{"everything", Query{}},
		{"one device", Query{DeviceKey: "A"}},
		{"a device whose key another extends", Query{DeviceKey: "AB"}},
		{"a span", Query{From: day0.Add(20 * time.Minute), To: day0.Add(130 * time.Minute)}},
		{"limit within the first page", Query{Limit: 7}},
		{"limit that ends mid-page", Query{Limit: streamPage + 3}},
		{"limit past the end", Query{Limit: 10 * streamPage}},
		{"device and limit", Query{DeviceKey: "B", Limit: streamPage + 1}},
		{"nothing", Query{DeviceKey: "Z"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, err := s.Calls(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := collect(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got != ids(want) {
				t.Errorf("EachCall(%+v) differs from Calls:\n got %.200s…\nwant %.200s…", tt.q, got, ids(want))
			}
		})
	}
	t.Run("fn's error stops the listing", func(t *testing.T) {
		stop := errors.New("enough")
		n := 0
		err := s.EachCall(Query{}, func(CallRecord) error {
			if n++; n == streamPage+2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != streamPage+2 {
			t.Errorf("err %v after %d records", err, n)
		}
	})
}
