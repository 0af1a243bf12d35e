package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
)

// thirdPartyBackend is a device-management and analytics backend written
// from docs/device-management.md and docs/analytics.md alone, as a partner would: it reads the ESN from the
// User-Agent, answers a configuration per ESN, serves firmware files below
// the endpoint, and collects the events posted to it.
type thirdPartyBackend struct {
	user, password string
	answers        map[string]string // by ESN
	files          map[string][]byte // by path below /dm/

	mu       sync.Mutex
	events   []map[string]any
	requests []string // method, path and query, and the User-Agent of GETs
	noAuth   []string
}

func (b *thirdPartyBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests = append(b.requests, r.Method+" "+r.URL.RequestURI()+" "+r.UserAgent())
	if u, p, ok := r.BasicAuth(); !ok || u != b.user || p != b.password {
		b.noAuth = append(b.noAuth, r.Method+" "+r.URL.Path)
		http.Error(w, "who are you", http.StatusUnauthorized)
		return
	}
	if r.URL.Query().Get("Token") != "abc" {
		http.Error(w, "no token", http.StatusForbidden)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/events":
		var ev map[string]any
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b.events = append(b.events, ev)
	case r.Method == http.MethodGet && r.URL.Path == "/dm":
		ua := r.UserAgent()
		i := strings.Index(ua, "ESN=")
		if !strings.HasPrefix(ua, "JabraClient/1.0 (") || i < 0 {
			http.Error(w, "not a JabraClient", http.StatusBadRequest)
			return
		}
		esn, _, _ := strings.Cut(ua[i+4:], ";")
		a, ok := b.answers[esn]
		if !ok {
			a = `{"firmware": {}, "settings": {}}`
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, a)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/dm/"):
		data, ok := b.files[strings.TrimPrefix(r.URL.Path, "/dm/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "fw.zip", time.Time{}, bytes.NewReader(data))
	default:
		http.NotFound(w, r)
	}
}

// eventsOf returns the events of one type about one ESN.
func (b *thirdPartyBackend) eventsOf(typ, esn string) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, ev := range b.events {
		if ev["EventType"] == typ && ev["ESN"] == esn {
			out = append(out, ev)
		}
	}
	return out
}

// TestServiceAgainstThirdPartyBackend runs `earshot service --sim F
// --exit-when-done` on a scenario written from docs/simulator.md alone (thirdParty)
// against a backend written from docs/device-management.md alone, and checks the settings,
// the firmware downloads and the events that come out — and that the
// password appears nowhere in clear: not in the output, the logs, the
// database or the data folder.
func TestServiceAgainstThirdPartyBackend(t *testing.T) {
	const password = "Zq9-only-in-memory-Pa55"
	be := &thirdPartyBackend{user: "fleet", password: password,
		answers: map[string]string{
			// The headset: two settings that apply, one the catalog does not
			// know, and newer firmware — which its battery (12 %, not
			// charging, at time zero) refuses.
			"501AA5D6337F": `{"firmware": {"version": "1.3.0", "downloadUrl": "Firmware/evolve2-85-1.3.0.zip"},
				"settings": {"WIRELESS_RANGE": "3", "AUTO_OFF": "45", "NOT_IN_ANY_CATALOG": "1"}}`,
			// The dongle: an older version by an absolute URL, allowed.
			"70BF92A0C1D2": `{"firmware": {"version": "2.10.0", "downloadUrl": "%s/dm/Firmware/link380-2.10.0.zip?Token=abc"},
				"settings": {"ALLOW_DOWNGRADE": "1"}}`,
		},
		files: map[string][]byte{
			"Firmware/evolve2-85-1.3.0.zip": firmwaretest.Archive("1.3.0", []uint16{0x30A4}, 100_000),
			"Firmware/link380-2.10.0.zip":   firmwaretest.Archive("2.10.0", []uint16{0x3053}, 50_000),
		}}
	srv := httptest.NewServer(be)
	defer srv.Close()
	be.answers["70BF92A0C1D2"] = fmt.Sprintf(be.answers["70BF92A0C1D2"], srv.URL)

	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	scenario := filepath.Join(dir, "desk.json")
	if err := os.WriteFile(scenario, []byte(thirdParty), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := self(t, "service", "--data", data, "--sim", scenario, "--exit-when-done", "--verbose")
	cmd.Env = append(cmd.Env,
		"EARSHOT_DEVICEMANAGEMENTENDPOINT="+srv.URL+"/dm?Token=abc",
		"EARSHOT_ANALYTICSENDPOINT="+srv.URL+"/events?Token=abc",
		"EARSHOT_USERNAME=fleet", "EARSHOT_PASSWORD="+password)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("service: %v\n%s", err, out)
	}

	be.mu.Lock()
	noAuth, requests := append([]string(nil), be.noAuth...), append([]string(nil), be.requests...)
	be.mu.Unlock()
	if len(noAuth) > 0 {
		t.Errorf("requests without Basic auth: %v", noAuth)
	}
	for _, want := range []string{
		"GET /dm?Token=abc JabraClient/1.0 (Vendor=0B0E; Product=30A4; Variant=01-96; ESN=501AA5D6337F; Firmware=1.2.0; Version=" + Version + ")",
		"GET /dm/Firmware/evolve2-85-1.3.0.zip?Token=abc JabraClient/1.0 (Vendor=0B0E; Product=30A4;",
		"GET /dm/Firmware/link380-2.10.0.zip?Token=abc JabraClient/1.0 (Vendor=0B0E; Product=3053;",
	} {
		if !hasPrefixIn(requests, want) {
			t.Errorf("no request starts %q; requests:\n%s", want, strings.Join(requests, "\n"))
		}
	}

	cfg := be.eventsOf("DeviceConfigurationApplied", "501AA5D6337F")
	if len(cfg) != 1 {
		t.Fatalf("DeviceConfigurationApplied for the headset: %v", cfg)
	}
	applied, _ := cfg[0]["AppliedSettings"].(map[string]any)
	rejected, _ := cfg[0]["RejectedSettings"].(map[string]any)
	if applied["WIRELESS_RANGE"] != "3" || applied["AUTO_OFF"] != "45" || rejected["NOT_IN_ANY_CATALOG"] == nil || len(rejected) != 1 {
		t.Errorf("applied %v, rejected %v", applied, rejected)
	}
	hs := be.eventsOf("FirmwareUpdateCompleted", "501AA5D6337F")
	if len(hs) != 1 || hs[0]["FirmwareUpdateCompletedStatus"] != "Failure" ||
		hs[0]["FirmwareUpdateFailureDescription"] != "Battery level too low for firmware update" {
		t.Errorf("headset FirmwareUpdateCompleted: %v", hs)
	}
	dg := be.eventsOf("FirmwareUpdateCompleted", "70BF92A0C1D2")
	if len(dg) != 1 || dg[0]["FirmwareUpdateCompletedStatus"] != "Success" || dg[0]["FirmwareVersion"] != "2.10.0" ||
		dg[0]["FirmwareUpdateFailureDescription"] != nil {
		t.Errorf("dongle FirmwareUpdateCompleted: %v", dg)
	}
	if added := be.eventsOf("DeviceAdded", "501AA5D6337F"); len(added) == 0 {
		t.Error("no DeviceAdded for the headset")
	}

	// The password never appears in clear: output, logs, database, data folder.
	if bytes.Contains(out, []byte(password)) {
		t.Errorf("the output shows the password:\n%s", out)
	}
	files := 0
	err = filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(raw, []byte(password)) {
			t.Errorf("%s holds the password in clear", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 { // the database, a log, a staged file at least
		t.Errorf("only %d files in the data folder", files)
	}
	logs, _ := os.ReadFile(filepath.Join(data, "logs", "earshot.log"))
	if !bytes.Contains(logs, []byte("device-management setting rejected")) {
		t.Errorf("the log does not say which setting was rejected:\n%s", logs)
	}
}

func hasPrefixIn(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
