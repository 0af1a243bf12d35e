package cli

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/app/calls"
	"github.com/earshot-app/earshot/store"
	"github.com/earshot-app/earshot/translations"
)

// twoMinuteCall is a scenario at speed 60: a 2-minute call with one volume
// press and no mute, and a 1-minute camera session that starts after it,
// played in about 2.5 s.
const twoMinuteCall = `{"speed": 60,
  "devices": [{"id":"h","kind":"headset","name":"Jabra Evolve2 65","vendorId":"0B0E","productId":"30A0","esn":"ABC123"},
    {"id":"cam","kind":"camera","name":"Jabra PanaCast 50","vendorId":"0B0E","productId":"3011","esn":"CAM1"}],
  "timeline": [{"at":"0s","do":"attach","device":"h"},
    {"at":"0s","do":"attach","device":"cam"},
    {"at":"10s","do":"callStart","device":"h"},
    {"at":"20s","do":"streamStart","device":"cam"},
    {"at":"80s","do":"streamEnd","device":"cam"},
    {"at":"40s","do":"press","device":"h","button":"volumeUp"},
    {"at":"130s","do":"callEnd","device":"h"}]}`

// seedCalls stores two ended calls in a fresh data folder.
func seedCalls(t *testing.T, data string) {
	t.Helper()
	st, err := store.Open(filepath.Join(data, "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	mutes, handovers := 2, 3
	for _, c := range []store.CallRecord{
		{CallID: "c1", Device: store.HistoryDevice{Key: "501AA5D6337F", Name: "Jabra Evolve2 85", ESN: "501AA5D6337F"},
			Start: t0, End: t0.Add(90 * time.Second), EndReason: store.EndNormal, MutePresses: &mutes,
			LinkQuality: map[string]float64{"High": 90, "Low": 10}},
		{CallID: "c2", Device: store.HistoryDevice{Key: "7C8D2A1BA311", Name: "Jabra Engage 75", ESN: "7C8D2A1BA311"},
			Start: t0.Add(time.Hour), End: t0.Add(time.Hour + 3*time.Minute), EndReason: store.EndDeviceRemoved,
			DectHandovers: &handovers},
	} {
		if err := st.SaveCall(c); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCallsCommand(t *testing.T) {
	tests := []struct {
		name   string
		seed   bool
		args   []string
		code   int
		stdout func(t *testing.T, out string)
		stderr string
	}{
		{name: "empty history as JSON is an empty array", args: []string{"calls", "--json"},
			stdout: func(t *testing.T, out string) { mustContain(t, out, "[]") }},
		{name: "empty history as a table", args: []string{"calls"},
			stdout: func(t *testing.T, out string) { mustContain(t, out, "No calls yet.") }},
		{name: "--csv and --json together is misuse", args: []string{"calls", "--csv", "--json"}, code: 2,
			stderr: "--csv and --json exclude each other"},
		{name: "arguments are misuse", args: []string{"calls", "yesterday"}, code: 2, stderr: "unexpected arguments: yesterday"},
		{name: "--csv belongs to calls only", args: []string{"devices", "--csv"}, code: 2, stderr: "flag provided but not defined: -csv"},
		{name: "JSON in the shape of docs/command-line.md, newest first", seed: true, args: []string{"calls", "--json"},
			stdout: func(t *testing.T, out string) {
				var recs []map[string]any
				mustDecode(t, out, &recs)
				if len(recs) != 2 || recs[0]["CallId"] != "c2" || recs[1]["CallId"] != "c1" {
					t.Fatalf("calls = %v", recs)
				}
				for _, k := range []string{"CallId", "ESN", "DeviceName", "Start", "End", "CallDurationMinutes",
					"TimesMuteButtonPressedDuringCall", "TimesVolumeUpButtonPressedDuringCall",
					"TimesVolumeDownButtonPressedDuringCall", "AverageAudioExposureDb", "MaximumAudioExposureDb",
					"AverageBackgroundNoiseDb", "MaximumBackgroundNoiseDb", "TimesBoomArmBadlyPositioned",
					"MicrophoneMalfunctionDetected", "LinkQualityDistribution", "LinkQualityIndicators"} {
					if _, ok := recs[0][k]; !ok {
						t.Errorf("a call lacks key %s", k)
					}
				}
				c1, c2 := recs[1], recs[0]
				if c1["CallDurationMinutes"] != 1.5 || c1["TimesMuteButtonPressedDuringCall"] != 2.0 ||
					c1["TimesVolumeUpButtonPressedDuringCall"] != nil || c1["Start"] != "2026-11-20T09:00:00Z" {
					t.Errorf("c1 = %v", c1)
				}
				if c2["CallEndReason"] != "DeviceRemoved" || c2["TimesMuteButtonPressedDuringCall"] != nil {
					t.Errorf("c2 = %v", c2)
				}
				dect, _ := c2["LinkQualityIndicators"].(map[string]any)["Dect"].(map[string]any)
				if dect["Handovers"] != 3.0 {
					t.Errorf("c2 handovers = %v", c2["LinkQualityIndicators"])
				}
			}},
		{name: "CSV with a header and empty cells for null", seed: true, args: []string{"calls", "--csv"},
			stdout: func(t *testing.T, out string) {
				rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != 3 || strings.Join(rows[0], ",") != strings.Join(calls.CSVHeader, ",") {
					t.Fatalf("rows = %v", rows)
				}
				if rows[1][0] != "c2" || rows[1][6] != "" || rows[2][6] != "2" || rows[2][15] != "90" {
					t.Errorf("rows = %v", rows[1:])
				}
			}},
		{name: "--limit keeps the newest", seed: true, args: []string{"calls", "--json", "--limit", "1"},
			stdout: func(t *testing.T, out string) {
				var recs []map[string]any
				mustDecode(t, out, &recs)
				if len(recs) != 1 || recs[0]["CallId"] != "c2" {
					t.Errorf("calls = %v", recs)
				}
			}},
		{name: "--until is exclusive and takes a time", seed: true, args: []string{"calls", "--csv", "--until", "2026-11-20T09:00:01Z"},
			stdout: func(t *testing.T, out string) {
				rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
				if len(rows) != 2 || rows[1][0] != "c1" {
					t.Errorf("rows = %v", rows)
				}
			}},
		{name: "--since past every call", seed: true, args: []string{"calls", "--json", "--since", "2030-01-01"},
			stdout: func(t *testing.T, out string) { mustContain(t, out, "[]") }},
		{name: "--since that is no time is misuse", args: []string{"calls", "--since", "yesterday"}, code: 2,
			stderr: "--since yesterday: give a date"},
		{name: "--limit below zero is misuse", args: []string{"calls", "--limit", "-3"}, code: 2, stderr: "--limit -3"},
		{name: "a table", seed: true, args: []string{"calls"},
			stdout: func(t *testing.T, out string) {
				mustContain(t, out, "STARTED")
				mustContain(t, out, "Jabra Engage 75")
				mustContain(t, out, "Device removed")
				mustContain(t, out, "1.50")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			if tt.seed {
				seedCalls(t, data)
			}
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"--data", data}, tt.args...), &stdout, &stderr, []string{"LANG=en_US.UTF-8"})
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, stderr.String())
			}
			if tt.stdout != nil {
				tt.stdout(t, stdout.String())
			}
			if tt.stderr != "" {
				mustContain(t, stderr.String(), tt.stderr)
			}
		})
	}
}

// TestCallsFromTheScenarioClock plays a 2-minute call at speed 60 in a real
// service (about two seconds), then reads the history: once from the
// running owner over the local API, once from the database after it exited.
func TestCallsFromTheScenarioClock(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	scenario := filepath.Join(dir, "call.json")
	if err := os.WriteFile(scenario, []byte(twoMinuteCall), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(how string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run([]string{"calls", "--json", "--data", data}, &stdout, &stderr, nil); code != 0 {
			t.Fatalf("%s: calls: exit %d: %s", how, code, stderr.String())
		}
		var recs []map[string]any
		mustDecode(t, stdout.String(), &recs)
		if len(recs) != 2 {
			t.Fatalf("%s: %d entries, want a call and a camera session: %s", how, len(recs), stdout.String())
		}
		// Newest first by start: the session began 10 s after the call.
		sess, c := recs[0], recs[1]
		if sess["Kind"] != "CameraSession" || sess["DeviceName"] != "Jabra PanaCast 50" || sess["CallEndReason"] != "Ended" ||
			sess["TimesMuteButtonPressedDuringCall"] != nil || c["Kind"] != "Call" {
			t.Errorf("%s: session %v", how, sess)
		}
		if d, _ := sess["CallDurationMinutes"].(float64); d < 0.9 || d > 1.1 {
			t.Errorf("%s: session minutes %v, want 1 ± 0.1", how, sess["CallDurationMinutes"])
		}
		if d, _ := c["CallDurationMinutes"].(float64); d < 1.9 || d > 2.1 {
			t.Errorf("%s: CallDurationMinutes %v, want 2 ± 0.1", how, c["CallDurationMinutes"])
		}
		if c["TimesMuteButtonPressedDuringCall"] != nil || c["TimesVolumeUpButtonPressedDuringCall"] != 1.0 ||
			c["DeviceName"] != "Jabra Evolve2 65" || c["ESN"] != "ABC123" || c["CallEndReason"] != "Ended" {
			t.Errorf("%s: call %v", how, c)
		}
		// The table and CSV mark it too, through the owner and without.
		var table, csvOut bytes.Buffer
		if code := run([]string{"calls", "--data", data}, &table, &bytes.Buffer{}, nil); code != 0 {
			t.Fatalf("%s: table: exit %d", how, code)
		}
		mustContain(t, table.String(), "Camera session")
		if code := run([]string{"calls", "--csv", "--limit", "1", "--data", data}, &csvOut, &bytes.Buffer{}, nil); code != 0 {
			t.Fatalf("%s: csv: exit %d", how, code)
		}
		rows, err := csv.NewReader(strings.NewReader(csvOut.String())).ReadAll()
		if err != nil || len(rows) != 2 || rows[1][slices.Index(rows[0], "Kind")] != "CameraSession" {
			t.Errorf("%s: csv %v %v", how, rows, err)
		}
	}

	owner := self(t, "service", "--data", data, "--sim", scenario)
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = owner.Process.Kill(); _ = owner.Wait() })
	waitForSocket(t, data)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var stdout bytes.Buffer
		run([]string{"calls", "--json", "--data", data}, &stdout, &bytes.Buffer{}, nil)
		if strings.Count(stdout.String(), "CallId") >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	check("from the owner")
	if err := owner.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := owner.Wait(); err != nil {
		t.Fatal(err)
	}
	check("from the database")
}

// TestCallsTableWordsAsTheWindow: for every end reason and kind, the table
// shows the label calls.EndReasonText and calls.KindText give (the
// window's too, views.TestHistoryWordsAsTheTable), in every language, and
// CSV and JSON the stable token.
func TestCallsTableWordsAsTheWindow(t *testing.T) {
	data := t.TempDir()
	st, err := store.Open(filepath.Join(data, "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i, r := range calls.EndReasons {
		at := t0.Add(time.Duration(i) * time.Hour)
		dev := store.HistoryDevice{Key: "K" + r, Name: "Headset " + r, ESN: "K" + r}
		if err := st.SaveCall(store.CallRecord{CallID: "c-" + r, Device: dev, Start: at, End: at.Add(time.Minute), EndReason: r}); err != nil {
			t.Fatal(err)
		}
		cam := store.HistoryDevice{Key: "C" + r, Name: "Camera " + r, ESN: "C" + r, Kind: "camera"}
		if err := st.SaveCameraSession(store.SessionRecord{SessionID: "s-" + r, Device: cam, Start: at.Add(time.Minute),
			End: at.Add(2 * time.Minute), EndReason: r}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	for _, lang := range translations.Languages() {
		t.Run(lang, func(t *testing.T) {
			tr := translations.New(lang)
			var stdout, stderr bytes.Buffer
			if code := run([]string{"--data", data, "calls"}, &stdout, &stderr, []string{"EARSHOT_LANGUAGE=" + lang}); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			lines := strings.Split(stdout.String(), "\n")
			for _, r := range calls.EndReasons {
				for _, k := range calls.Kinds {
					name := map[string]string{calls.KindCall: "Headset ", calls.KindCameraSession: "Camera "}[k] + r
					reason, kind := calls.EndReasonText(tr, r), calls.KindText(tr, k)
					if strings.HasPrefix(reason, "calls.") || strings.HasPrefix(kind, "calls.") {
						t.Fatalf("no label for %s / %s: %q %q", r, k, reason, kind)
					}
					i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, name+" ") })
					if i < 0 {
						t.Fatalf("no row for %s:\n%s", name, stdout.String())
					}
					if !strings.Contains(lines[i], reason) || !strings.Contains(lines[i], kind) {
						t.Errorf("row %q lacks %q or %q", lines[i], reason, kind)
					}
				}
			}
		})
	}
	var stdout bytes.Buffer
	if code := run([]string{"--data", data, "calls", "--csv"}, &stdout, &bytes.Buffer{}, []string{"LANG=de_DE.UTF-8"}); code != 0 {
		t.Fatal("csv: exit", code)
	}
	rows, err := csv.NewReader(strings.NewReader(stdout.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	for _, row := range rows[1:] {
		if !slices.Contains(calls.EndReasons, row[col("CallEndReason")]) || !slices.Contains(calls.Kinds, row[col("Kind")]) {
			t.Errorf("CSV row carries no token: %v", row)
		}
	}
}
