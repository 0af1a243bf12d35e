package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/app/analytics"
	"github.com/earshot-app/earshot/store"
)

// queuedOutbox writes a database in data with n events queued for url.
func queuedOutbox(t *testing.T, data, url string, n int) {
	t.Helper()
	st, err := store.Open(filepath.Join(data, "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := analytics.NewUploader(context.Background(), analytics.UploaderParams{Store: st, Endpoints: []string{url}}); err != nil {
		t.Fatal(err)
	}
	evs := make([]store.OutboxEvent, n)
	for i := range evs {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		evs[i] = store.OutboxEvent{ID: id, Type: "DeviceAdded", Body: fmt.Appendf(nil, `{"EventId":%q,"EventType":"DeviceAdded"}`, id)}
	}
	if err := st.Write(context.Background(), func(tx *store.Tx) error { return tx.Enqueue(evs...) }); err != nil {
		t.Fatal(err)
	}
}

// TestOneShotCommandKeepsTheOutbox is issue 9's probe: `earshot firmware
// stage 501AA5D6337F notzip.zip --demo` without ANALYTICSENDPOINT emptied an
// outbox of 2 273 events, and `earshot outbox` then said "Analytics is off".
func TestOneShotCommandKeepsTheOutbox(t *testing.T) {
	data := t.TempDir()
	const url = "http://127.0.0.1:9/ev?Token=s3cret"
	queuedOutbox(t, data, url, 2273)
	notzip := filepath.Join(t.TempDir(), "notzip.zip")
	if err := os.WriteFile(notzip, []byte("not a zip"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "firmware", "stage", "501AA5D6337F", notzip, "--demo", "--data", data)
	if code != 1 {
		t.Fatalf("firmware stage of a bad archive: exit %d (%s)", code, errOut)
	}
	got, raw := outbox(t, data)
	if len(got) != 1 || got[0].Queued != 2273 || got[0].Endpoint != "http://127.0.0.1:9/ev?Token=xxxxx" || !strings.Contains(raw, `"Configured": false`) {
		t.Fatalf("after the one-shot command, outbox --json: %s", raw)
	}
	code, out, errOut := runCLI(t, "outbox", "--data", data)
	if code != 0 {
		t.Fatalf("outbox: exit %d: %s", code, errOut)
	}
	mustContain(t, out, "Events queued for endpoints no longer configured are kept")
	mustContain(t, out, "Endpoint no longer configured: 2273 queued.")
	mustContain(t, out, "earshot outbox discard ENDPOINT")
	// A person discards it: then it goes.
	code, out, errOut = runCLI(t, "outbox", "discard", "http://127.0.0.1:9/ev?Token=xxxxx", "--data", data)
	if code != 0 {
		t.Fatalf("outbox discard: exit %d: %s", code, errOut)
	}
	mustContain(t, out, "2273 events kept for http://127.0.0.1:9/ev?Token=xxxxx discarded.")
	_, out, _ = runCLI(t, "outbox", "--data", data)
	mustContain(t, out, "Analytics is off: no analytics endpoint is configured (ANALYTICSENDPOINT).")
	if code, _, _ := runCLI(t, "outbox", "discard", "--data", data); code != 2 {
		t.Errorf("outbox discard without an endpoint: exit %d, want 2", code)
	}
}

// TestDBCommands: a truncated database makes no command panic or exit 2;
// `earshot db check` reports it, `earshot db repair` repairs it.
func TestDBCommands(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := runCLI(t, "db", "check", "--data", data); code != 1 || !strings.Contains(errOut, "there is no database") {
		t.Errorf("db check with no database: exit %d: %s", code, errOut)
	}
	queuedOutbox(t, data, "http://127.0.0.1:9/ev", 3000)
	code, out, errOut := runCLI(t, "db", "check", "--data", data)
	if code != 0 {
		t.Fatalf("db check of a sound file: exit %d: %s%s", code, out, errOut)
	}
	mustContain(t, out, "is sound: ")
	path := filepath.Join(data, "earshot.db")
	st, _ := os.Stat(path)
	if err := os.Truncate(path, st.Size()/2); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"outbox"}, {"calls"}, {"settings", "show", "X"}} {
		code, out, errOut := runCLI(t, append(args, "--data", data)...)
		if code != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "earshot db repair") || strings.Contains(errOut, "goroutine") {
			t.Errorf("%v on a truncated database: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	code, out, errOut = runCLI(t, "db", "check", "--data", data)
	if code != 1 || !strings.Contains(out, "truncated") || !strings.Contains(errOut, "run earshot db repair") {
		t.Errorf("db check of a truncated file: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "db", "repair", "--data", data, "--json")
	if code != 0 || !strings.Contains(out, `"Repaired": true`) {
		t.Fatalf("db repair: exit %d\n%s%s", code, out, errOut)
	}
	var rep dbRepairJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	// The report accounts for the queue: events kept (salvaged from the
	// surviving half) and known lost never exceed the 3 000 queued; the
	// count of lost ones is a lower bound when the queue's end is gone.
	if len(rep.Kinds) == 0 || rep.Kinds[0].Kind != "events" || rep.Kinds[0].Kept == 0 || rep.Kinds[0].Kept+rep.Kinds[0].Lost > 3000 {
		t.Errorf("db repair's kinds: %+v", rep.Kinds)
	}
	if code, out, errOut := runCLI(t, "db", "check", "--data", data); code != 0 {
		t.Errorf("db check after the repair: exit %d\n%s%s", code, out, errOut)
	}
	matches, _ := filepath.Glob(path + ".damaged-*")
	if len(matches) != 1 {
		t.Errorf("damaged copies kept: %v", matches)
	}
	if code, _, _ := runCLI(t, "db", "mend", "--data", data); code != 2 {
		t.Errorf("db mend: exit %d, want 2", code)
	}
}
