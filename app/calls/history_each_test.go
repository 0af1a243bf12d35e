package calls

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/earshot-app/earshot/store"
)

// mixedHistory stores calls on a headset every ten minutes from t0 and
// camera sessions every ten minutes from t0+5 min (the last at t0+35 min,
// before the last call) and one session starting with the first call.
func mixedHistory(t *testing.T) *History {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hs := store.HistoryDevice{Key: "HS", Name: "Jabra Evolve2 85", ESN: "HS", Kind: "headset"}
	cam := store.HistoryDevice{Key: "CAM", Name: "Jabra PanaCast 50", ESN: "CAM", Kind: "camera"}
	for i := range 5 {
		at := t0.Add(time.Duration(i) * 10 * time.Minute)
		if err := st.SaveCall(store.CallRecord{CallID: fmt.Sprintf("c%d", i), Device: hs, Start: at,
			End: at.Add(2 * time.Minute), EndReason: store.EndNormal}); err != nil {
			t.Fatal(err)
		}
	}
	people := 3
	for i, at := range []time.Time{t0, t0.Add(5 * time.Minute), t0.Add(15 * time.Minute), t0.Add(25 * time.Minute), t0.Add(35 * time.Minute)} {
		if err := st.SaveCameraSession(store.SessionRecord{SessionID: fmt.Sprintf("s%d", i), Device: cam, Start: at,
			End: at.Add(3 * time.Minute), EndReason: store.EndDeviceRemoved, PeopleCountMax: &people}); err != nil {
			t.Fatal(err)
		}
	}
	return NewHistory(st, func() *time.Location { return time.UTC })
}

func TestEachCallListsCallsAndCameraSessions(t *testing.T) {
	h := mixedHistory(t)
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{name: "everything, newest first, a call before a session of the same start", f: Filter{},
			want: []string{"c4", "s4", "c3", "s3", "c2", "s2", "c1", "s1", "c0", "s0"}},
		{name: "the limit counts both", f: Filter{Limit: 3}, want: []string{"c4", "s4", "c3"}},
		{name: "since and until bound both", f: Filter{Since: t0.Add(10 * time.Minute), Until: t0.Add(30 * time.Minute)},
			want: []string{"s3", "c2", "s2", "c1"}},
		{name: "one device: the camera", f: Filter{DeviceKey: "CAM", Limit: 2}, want: []string{"s4", "s3"}},
		{name: "one device: the headset", f: Filter{DeviceKey: "HS"}, want: []string{"c4", "c3", "c2", "c1", "c0"}},
		{name: "nothing in range", f: Filter{Since: t0.Add(time.Hour)}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := h.EachCall(tt.f, func(r Record) error {
				got = append(got, r.CallID)
				wantKind := map[byte]string{'c': KindCall, 's': KindCameraSession}[r.CallID[0]]
				if r.Kind != wantKind || r.IsSession() != (wantKind == KindCameraSession) {
					t.Errorf("%s: Kind %q, want %q", r.CallID, r.Kind, wantKind)
				}
				if r.IsSession() && (r.PeopleCountMax == nil || *r.PeopleCountMax != 3 || r.CallEndReason != store.EndDeviceRemoved ||
					r.CallDurationMinutes != 3 || r.TimesMuteButtonPressedDuringCall != nil || r.DeviceKind != "camera") {
					t.Errorf("session %+v", r)
				}
				if !r.IsSession() && (r.PeopleCountMax != nil || r.CallDurationMinutes != 2) {
					t.Errorf("call %+v", r)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("fn's error stops the listing and is returned", func(t *testing.T) {
		stop := errors.New("enough")
		n := 0
		err := h.EachCall(Filter{}, func(Record) error {
			if n++; n == 4 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 4 {
			t.Errorf("err %v after %d", err, n)
		}
	})
}

// TestEachCallStaysFlat lists a history far larger than a page of each
// kind and checks that the live heap does not grow with what was listed:
// the merge holds a page of calls and a page of sessions, never the
// history.
func TestEachCallStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20 600 records")
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const nCalls, nSessions = 20_000, 600
	hs := store.HistoryDevice{Key: "HS", Name: "Jabra Evolve2 85", ESN: "HS"}
	recs := make([]store.CallRecord, 0, nCalls)
	for i := range nCalls {
		at := t0.Add(time.Duration(i) * time.Minute)
		recs = append(recs, store.CallRecord{CallID: fmt.Sprintf("call-%06d-with-a-long-enough-id", i), Device: hs,
			Start: at, End: at.Add(30 * time.Second), EndReason: store.EndNormal})
	}
	if err := st.SaveCalls(recs); err != nil {
		t.Fatal(err)
	}
	recs = nil
	cam := store.HistoryDevice{Key: "CAM", Name: "Jabra PanaCast 50", ESN: "CAM"}
	for i := range nSessions {
		at := t0.Add(time.Duration(i)*33*time.Minute + 30*time.Second)
		if err := st.SaveCameraSession(store.SessionRecord{SessionID: fmt.Sprintf("s%06d", i), Device: cam, Start: at,
			End: at.Add(time.Minute), EndReason: store.EndNormal}); err != nil {
			t.Fatal(err)
		}
	}
	h := NewHistory(st, nil)
	live := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	first, most := live(), uint64(0) // before the listing
	n, sessions := 0, 0
	var prev time.Time
	err = h.EachCall(Filter{}, func(r Record) error {
		if n > 0 && r.Start.After(prev) {
			t.Fatalf("entry %d (%s) starts after the one before", n, r.CallID)
		}
		prev = r.Start
		if r.IsSession() {
			sessions++
		}
		n++
		if n%4000 == 0 {
			most = max(most, live())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != nCalls+nSessions || sessions != nSessions {
		t.Fatalf("listed %d entries (%d sessions), want %d (%d)", n, sessions, nCalls+nSessions, nSessions)
	}
	// Holding the history would cost several MB (20 600 records of a
	// few hundred bytes); a page of each kind costs tens of KB.
	if most > first+2<<20 {
		t.Errorf("live heap grew from %d to %d bytes while listing", first, most)
	}
}
