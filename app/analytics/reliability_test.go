package analytics

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/earshot-app/earshot/store"
)

// rawEvents are n events with distinct EventIds and bodies.
func rawEvents(n int) []store.OutboxEvent {
	out := make([]store.OutboxEvent, n)
	for i := range out {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		body := fmt.Appendf(nil, `{"EventId":%q,"EventType":"DeviceAdded","DeviceName":"Jabra Evolve2 85","BatteryLevel":%d,"ESN":"501AA5D6337F","Pad":%q}`,
			id, i%101, bytes.Repeat([]byte{'a' + byte(i%26)}, 200))
		out[i] = store.OutboxEvent{ID: id, Type: "DeviceAdded", Body: body}
	}
	return out
}

func queueAll(t *testing.T, st *store.Store, evs []store.OutboxEvent) {
	t.Helper()
	for i := 0; i < len(evs); i += 500 {
		part := evs[i:min(i+500, len(evs))]
		if err := st.Write(context.Background(), func(tx *store.Tx) error { return tx.Enqueue(part...) }); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCommandWithoutEndpointKeepsTheOutbox is the probe of issue 9: a
// one-shot command run without ANALYTICSENDPOINT (its uploader registers no
// endpoint) emptied an outbox of 2 273 events. Now the queue stays, shown as
// the queue of an endpoint no longer configured, and is delivered whole once
// the endpoint is configured again.
func TestCommandWithoutEndpointKeepsTheOutbox(t *testing.T) {
	sk := newSink(t, nil)
	path := filepath.Join(t.TempDir(), "earshot.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewUploader(context.Background(), UploaderParams{Store: st, Endpoints: []string{sk.URL}}); err != nil {
		t.Fatal(err)
	}
	evs := rawEvents(2273)
	queueAll(t, st, evs)
	st.Close()

	// The one-shot command: same database, no endpoint.
	st, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var log logBuffer
	if _, err := NewUploader(context.Background(), UploaderParams{Store: st, Logger: log.Logger()}); err != nil {
		t.Fatal(err)
	}
	sts, err := StatusFromStore(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 1 || sts[0].Configured || sts[0].Queued != 2273 || sts[0].RetiredAt == nil || sts[0].DiscardAfter == nil {
		t.Fatalf("without ANALYTICSENDPOINT, earshot outbox shows %+v", sts)
	}
	st.Close()

	// The service again, with the endpoint: every event is delivered.
	st, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u := startUploader(t, UploaderParams{Store: st, Endpoints: []string{sk.URL}})
	waitFor(t, "delivery", drained(t, u))
	got := map[string]bool{}
	for _, r := range sk.Accepted() {
		got[r.ID] = true
	}
	if len(got) != len(evs) {
		t.Errorf("delivered %d distinct events of %d", len(got), len(evs))
	}
}

// TestDamagedDatabasePostsNoGarbage flips 1 000 bytes of a database of
// queued events and starts delivering from it (repairing it at open): a real
// loopback endpoint checks that every body it receives is one that was
// queued, byte for byte.
func TestDamagedDatabasePostsNoGarbage(t *testing.T) {
	evs := rawEvents(1500)
	byID := map[string][]byte{}
	for _, e := range evs {
		byID[e.ID] = e.Body
	}
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			sk := newSink(t, nil)
			path := filepath.Join(t.TempDir(), "earshot.db")
			st, err := store.Open(path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := NewUploader(context.Background(), UploaderParams{Store: st, Endpoints: []string{sk.URL}}); err != nil {
				t.Fatal(err)
			}
			queueAll(t, st, evs)
			st.Close()
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(seed, 9))
			for range 1000 {
				raw[r.IntN(len(raw))] ^= byte(1 + r.UintN(255))
			}
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			st, err = store.Open(path, store.Options{AutoRepair: true})
			if err != nil {
				t.Logf("open after damage: %v", err) // one sentence; the caller reports it
				return
			}
			defer st.Close()
			u := startUploader(t, UploaderParams{Store: st, Endpoints: []string{sk.URL},
				MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
			waitFor(t, "delivery", drained(t, u))
			for _, req := range sk.Requests() {
				if want, ok := byID[req.ID]; !ok || !bytes.Equal(want, req.Body) {
					t.Fatalf("garbage POSTed: %q", req.Body)
				}
			}
			t.Logf("%d of %d events delivered intact after the damage", len(sk.Requests()), len(evs))
		})
	}
}
