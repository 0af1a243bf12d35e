package management

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/analytics"
	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/catalog"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/sim"
	"github.com/earshot-app/earshot/store"
)

// loopbackBackend is a device-management backend on a real loopback
// server, written from docs/device-management.md alone: it answers per ESN, serves firmware
// from a folder below the endpoint, and checks every request.
type loopbackBackend struct {
	t        *testing.T
	answers  map[string]string // by ESN
	firmware map[string][]byte // by path below the endpoint
	// dropFirst closes the connection halfway through the first firmware
	// download.
	dropFirst bool

	mu       sync.Mutex
	requests []string // "GET /path?query Range"
	agents   []string
	noAuth   []string
	dropped  bool
}

func (b *loopbackBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.requests = append(b.requests, strings.TrimSpace(r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Range")))
	b.agents = append(b.agents, r.UserAgent())
	if u, p, ok := r.BasicAuth(); !ok || u != "fleet" || p != "Pa55:word!" {
		b.noAuth = append(b.noAuth, r.URL.Path)
	}
	drop := b.dropFirst && !b.dropped && strings.Contains(r.URL.Path, "/Firmware/")
	b.dropped = b.dropped || drop
	b.mu.Unlock()
	if r.URL.Query().Get("Token") != "T0K" {
		http.Error(w, "no token", http.StatusForbidden)
		return
	}
	if r.URL.Path == "/api/dm" {
		esn := ""
		if i := strings.Index(r.UserAgent(), "ESN="); i >= 0 {
			esn, _, _ = strings.Cut(r.UserAgent()[i+4:], ";")
		}
		b.mu.Lock()
		a, ok := b.answers[esn]
		b.mu.Unlock()
		if ok {
			w.Write([]byte(a))
			return
		}
		http.NotFound(w, r)
		return
	}
	data, ok := b.firmware[strings.TrimPrefix(r.URL.Path, "/api/dm/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if drop {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.WriteHeader(http.StatusOK)
		w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
		return
	}
	http.ServeContent(w, r, "fw.zip", time.Time{}, strings.NewReader(string(data)))
}

func (b *loopbackBackend) seen() (requests, agents, noAuth []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...), append([]string(nil), b.agents...), append([]string(nil), b.noAuth...)
}

// stack is Earshot's core with device management, on a simulated desk.
type stack struct {
	core    *app.Core
	mgr     *device.Manager
	st      *store.Store
	updater *firmware.Updater
	poller  *Poller
	logs    *syncBuffer
	cancel  func()
	done    chan struct{}
}

// syncBuffer is a log destination tests read.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startStack(t *testing.T, scenario, endpoint string) *stack {
	t.Helper()
	sc, err := sim.ParseScenario([]byte(scenario))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewScaled(clock.Real{}, time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC), sc.Speed())
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{sim.New(sc, clk)}})
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetOutboxEndpoints(context.Background(), []store.OutboxEndpoint{{ID: "collect", Name: "collect"}}); err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.Load(assets.Catalog(), afero.NewMemMapFs(), "")
	reporter := analytics.NewReporter(analytics.NewBuilder(analytics.BuilderParams{ClientVersion: "0.1.0-test"}))
	svc := settings.New(settings.Params{Catalog: cat, Devices: mgr, Store: st, Clock: clk})
	client, err := NewClient(ClientParams{Endpoint: endpoint, Username: "fleet", Password: "Pa55:word!", Version: "0.1.0-test"})
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{mgr: mgr, st: st, done: make(chan struct{}), logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(s.logs, nil))
	s.updater = firmware.NewUpdater(firmware.UpdaterParams{Devices: mgr, Store: st, Events: reporter, Clock: clk, Logger: log,
		Stager: firmware.NewStager(firmware.StagerParams{Fs: afero.NewMemMapFs(), Dir: "/data/firmware", Clock: clk,
			Backoff: 10 * time.Millisecond}),
		Catalog:   firmware.CatalogReleases{Catalog: cat},
		UserAgent: func(d device.Device) string { return UserAgent(d, "0.1.0-test") },
		Credentials: func(u string) (string, string) {
			if client.SameOrigin(u) {
				return client.Credentials()
			}
			return "", ""
		}})
	applier := NewApplier(ApplierParams{Settings: svc, Firmware: s.updater, Store: st, Events: reporter,
		Endpoint: endpoint, Clock: clk, Logger: log})
	s.poller = NewPoller(PollerParams{Fetcher: client, Applier: applier, Devices: mgr, Clock: clk, Logger: log,
		Interval: 10080 * time.Minute})
	s.core = app.NewCore(app.CoreParams{Manager: mgr, Store: st, Clock: clk,
		Services: []app.Service{s.updater, s.poller}})
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.core.Run(ctx); close(s.done) }()
	t.Cleanup(func() { s.stop(); st.Close() })
	return s
}

func (s *stack) stop() {
	s.cancel()
	<-s.done
}

// settle waits until the core has handled every event and no poll or
// update is in flight, the condition of `service --exit-when-done`.
func (s *stack) settle(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitFor(t, what, func() bool {
		return s.core.CaughtUp() && !s.poller.Busy() && !s.updater.Busy() && cond()
	})
}

// events returns the queued analytics events of the given types, as
// "Type key=value…" with the fields that matter here.
func (s *stack) events(t *testing.T, types ...string) []map[string]any {
	t.Helper()
	qs, err := s.st.OutboxEvents(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, q := range qs {
		if q.Err != nil {
			t.Fatal(q.Err)
		}
		var ev map[string]any
		if err := json.Unmarshal(q.Body, &ev); err != nil {
			t.Fatal(err)
		}
		for _, typ := range types {
			if ev["EventType"] == typ {
				out = append(out, ev)
			}
		}
	}
	return out
}

// TestIntegrationLoopback runs the poller, the applier and the updater
// against a real HTTP server on loopback: the User-Agent, Basic auth on
// every request, the query carried to a relative firmware URL, a download
// resumed after the connection drops halfway, settings rejected one by one
// while the valid ones apply, and the events.
func TestIntegrationLoopback(t *testing.T) {
	archive := firmwaretest.Archive("1.27.0", []uint16{0x30A4}, 400_000, "de-DE")
	be := &loopbackBackend{t: t, dropFirst: true,
		firmware: map[string][]byte{"Firmware/Jabra-Evolve2-85-1.27.0.zip": archive},
		answers: map[string]string{"501AA5D6337F": `{
			"firmware": {"version": "1.27.0", "downloadUrl": "Firmware/Jabra-Evolve2-85-1.27.0.zip"},
			"settings": {"WIRELESS_RANGE": "2", "AUDIO_PROTECTION": "42", "NOT_A_SETTING": "1",
			             "VOICE_ANNOUNCEMENTS_LANGUAGE_1": "de-DE", "EVENT_CALL_STATUS": "0"}}`}}
	srv := httptest.NewServer(be)
	defer srv.Close()
	s := startStack(t, `{"speed": 100, "devices": [
		{"id": "dg1", "kind": "dongle", "name": "Jabra Link 380", "vendorId": "0B0E", "productId": "30EB", "variant": "04-35",
		 "esn": "70BF92D1C4A2", "firmware": "2.20.0"},
		{"id": "hs1", "kind": "headset", "name": "Jabra Evolve2 85", "vendorId": "0B0E", "productId": "30A4", "variant": "01-96",
		 "esn": "501AA5D6337F", "firmware": "1.25.0", "connection": "Bluetooth", "parent": "dg1",
		 "battery": {"level": 72, "charging": false}, "settings": {"WIRELESS_RANGE": "1"},
		 "firmwareUpdate": {"result": "Success", "seconds": 30}}],
		"timeline": []}`, srv.URL+"/api/dm?Token=T0K")
	s.settle(t, "the headset's update", func() bool {
		d, ok := s.mgr.Device("hs1")
		return ok && d.Firmware == "1.27.0"
	})
	d, _ := s.mgr.Device("hs1")
	if d.Settings["WIRELESS_RANGE"] != "2" {
		t.Errorf("WIRELESS_RANGE = %q, want 2", d.Settings["WIRELESS_RANGE"])
	}

	requests, agents, noAuth := be.seen()
	if len(noAuth) > 0 {
		t.Errorf("requests without Basic auth: %v", noAuth)
	}
	wantUA := "JabraClient/1.0 (Vendor=0B0E; Product=30A4; Variant=01-96; ESN=501AA5D6337F; Firmware=1.25.0; Version=0.1.0-test)"
	if !containsString(agents, wantUA) {
		t.Errorf("User-Agents %q lack %q", agents, wantUA)
	}
	want := []string{
		"GET /api/dm?Token=T0K",
		"GET /api/dm/Firmware/Jabra-Evolve2-85-1.27.0.zip?Token=T0K",
		fmt.Sprintf("GET /api/dm/Firmware/Jabra-Evolve2-85-1.27.0.zip?Token=T0K bytes=%d-", len(archive)/2),
	}
	for _, w := range want {
		if !containsString(requests, w) {
			t.Errorf("requests %q lack %q", requests, w)
		}
	}

	configs := s.events(t, analytics.TypeDeviceConfigurationApplied)
	var hsConfig map[string]any
	for _, ev := range configs {
		if ev["ESN"] == "501AA5D6337F" {
			hsConfig = ev
		}
	}
	if hsConfig == nil {
		t.Fatalf("no DeviceConfigurationApplied for the headset: %v", configs)
	}
	applied, rejected := hsConfig["AppliedSettings"].(map[string]any), hsConfig["RejectedSettings"].(map[string]any)
	for _, name := range []string{"WIRELESS_RANGE", "VOICE_ANNOUNCEMENTS_LANGUAGE_1", "EVENT_CALL_STATUS"} {
		if _, ok := applied[name]; !ok {
			t.Errorf("AppliedSettings %v lacks %s", applied, name)
		}
	}
	for _, name := range []string{"AUDIO_PROTECTION", "NOT_A_SETTING"} {
		if _, ok := rejected[name]; !ok {
			t.Errorf("RejectedSettings %v lacks %s", rejected, name)
		}
	}
	fw := s.events(t, analytics.TypeFirmwareUpdateCompleted)
	if len(fw) != 1 || fw[0]["FirmwareUpdateCompletedStatus"] != "Success" || fw[0]["FirmwareVersion"] != "1.27.0" ||
		fw[0]["FirmwareUpdateFailureDescription"] != nil {
		t.Errorf("FirmwareUpdateCompleted events = %v", fw)
	}
	toggles, _ := s.st.EventToggles("501AA5D6337F")
	if on, set := toggles["EVENT_CALL_STATUS"]; !set || on {
		t.Errorf("EVENT_CALL_STATUS toggle = %v (set %v)", on, set)
	}

	// The dongle had no configuration (404): nothing applied, no event.
	for _, ev := range configs {
		if ev["ESN"] == "70BF92D1C4A2" {
			t.Errorf("an event for the dongle: %v", ev)
		}
	}

	// Arriving again with the same answer applies nothing twice.
	before := len(s.events(t, analytics.TypeDeviceConfigurationApplied, analytics.TypeFirmwareUpdateCompleted))
	s.poller.HandleEvent(device.Event{Type: device.Arrived, Device: d})
	s.settle(t, "the second poll", func() bool { return true })
	if after := len(s.events(t, analytics.TypeDeviceConfigurationApplied, analytics.TypeFirmwareUpdateCompleted)); after != before {
		t.Errorf("an unchanged answer was applied again: %d events, then %d", before, after)
	}
}

// TestIntegrationRefusals: a hostile answer is refused and nothing applied;
// a zip with ../ is refused; a downgrade is refused, then allowed.
func TestIntegrationRefusals(t *testing.T) {
	evil := firmwaretest.Zip(
		firmwaretest.Member{Name: "info.xml", Data: []byte(firmwaretest.InfoXML("1.27.0", []uint16{0x30A4}, "app.bin"))},
		firmwaretest.Member{Name: "app.bin", Data: []byte{1, 2, 3}},
		firmwaretest.Member{Name: "../../../.config/autostart/x.desktop", Data: []byte("[Desktop Entry]")})
	old := firmwaretest.Archive("1.24.0", []uint16{0x30A4}, 10_000)
	tests := []struct {
		name       string
		answers    []string // served in turn, one per poll
		wantFW     []string // FirmwareUpdateCompleted: "Success" or the description
		wantConfig int      // DeviceConfigurationApplied events
		wantRange  string   // WIRELESS_RANGE after
		wantFWVer  string
		wantLogged []string
	}{
		{name: "hostile answers refused, nothing applied",
			answers: []string{
				`{"settings": {"WIRELESS_RANGE": "3"}}`,
				`{"firmware": "1.27.0", "settings": {"WIRELESS_RANGE": "3"}}`,
				`<html>Service Unavailable</html>`,
				`{"firmware": {}, "settings": {"WIRELESS_RANGE": "3"}} trailing`,
			},
			wantRange: "1", wantFWVer: "1.25.0",
			wantLogged: []string{`the \"firmware\" key is missing`, `\"firmware\" is a string, not an object`, "not JSON",
				"more data after the JSON object"}},
		{name: "a zip with ../ refused",
			answers: []string{`{"firmware": {"version": "1.27.0", "downloadUrl": "Firmware/evil.zip"}, "settings": {}}`},
			wantFW:  []string{"Unexpected failure"}, wantRange: "1", wantFWVer: "1.25.0",
			wantLogged: []string{`\"..\" leaves the archive's folder`}},
		{name: "a downgrade refused, then allowed with ALLOW_DOWNGRADE",
			answers: []string{
				`{"firmware": {"version": "1.24.0", "downloadUrl": "Firmware/old.zip"}, "settings": {}}`,
				`{"firmware": {"version": "1.24.0", "downloadUrl": "Firmware/old.zip"}, "settings": {"ALLOW_DOWNGRADE": "1"}}`,
			},
			wantFW:     []string{"Downgrade is not allowed for this product", "Success"},
			wantConfig: 1, wantRange: "1", wantFWVer: "1.24.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The first answer is there before the device arrives: the
			// poller asks at once.
			be := &loopbackBackend{t: t, answers: map[string]string{"501AA5D6337F": tc.answers[0]},
				firmware: map[string][]byte{"Firmware/evil.zip": evil, "Firmware/old.zip": old}}
			srv := httptest.NewServer(be)
			defer srv.Close()
			s := startStack(t, `{"speed": 100, "devices": [
				{"id": "hs1", "kind": "headset", "name": "Jabra Evolve2 85", "vendorId": "0B0E", "productId": "30A4",
				 "variant": "01-96", "esn": "501AA5D6337F", "firmware": "1.25.0", "battery": {"level": 90},
				 "settings": {"WIRELESS_RANGE": "1"}, "firmwareUpdate": {"result": "Success", "seconds": 10}}],
				"timeline": []}`, srv.URL+"/api/dm?Token=T0K")
			for i, a := range tc.answers {
				be.mu.Lock()
				be.answers["501AA5D6337F"] = a
				be.mu.Unlock()
				if i > 0 {
					d, _ := s.mgr.Device("hs1")
					s.poller.HandleEvent(device.Event{Type: device.Arrived, Device: d})
				}
				s.settle(t, fmt.Sprintf("poll %d", i+1), func() bool {
					reqs, _, _ := be.seen()
					n := 0
					for _, r := range reqs {
						if strings.HasPrefix(r, "GET /api/dm?") {
							n++
						}
					}
					return n >= i+1
				})
			}
			var got []string
			for _, ev := range s.events(t, analytics.TypeFirmwareUpdateCompleted) {
				if ev["FirmwareUpdateCompletedStatus"] == "Success" {
					got = append(got, "Success")
				} else {
					got = append(got, ev["FirmwareUpdateFailureDescription"].(string))
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.wantFW, "|") {
				t.Errorf("FirmwareUpdateCompleted = %q, want %q", got, tc.wantFW)
			}
			if n := len(s.events(t, analytics.TypeDeviceConfigurationApplied)); n != tc.wantConfig {
				t.Errorf("%d DeviceConfigurationApplied events, want %d", n, tc.wantConfig)
			}
			logs := s.logs.String()
			for _, want := range tc.wantLogged {
				if !strings.Contains(logs, want) {
					t.Errorf("the log lacks %s:\n%s", want, logs)
				}
			}
			d, _ := s.mgr.Device("hs1")
			if d.Settings["WIRELESS_RANGE"] != tc.wantRange || d.Firmware != tc.wantFWVer {
				t.Errorf("device: WIRELESS_RANGE %q firmware %q, want %q %q", d.Settings["WIRELESS_RANGE"], d.Firmware,
					tc.wantRange, tc.wantFWVer)
			}
		})
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestIntegrationDeviceLostMidUpdate: a headset detached during its managed
// update gives one Failure, keeps the staged file, and arriving again with
// the same answer does not start the update again.
func TestIntegrationDeviceLostMidUpdate(t *testing.T) {
	be := &loopbackBackend{t: t,
		firmware: map[string][]byte{"Firmware/fw.zip": firmwaretest.Archive("1.27.0", []uint16{0x30A4}, 20_000)},
		answers: map[string]string{"501AA5D6337F": `{"firmware": {"version": "1.27.0", "downloadUrl": "Firmware/fw.zip"},
			"settings": {}}`}}
	srv := httptest.NewServer(be)
	defer srv.Close()
	s := startStack(t, `{"speed": 50, "devices": [
		{"id": "hs1", "kind": "headset", "name": "Jabra Evolve2 85", "vendorId": "0B0E", "productId": "30A4",
		 "variant": "01-96", "esn": "501AA5D6337F", "firmware": "1.25.0", "battery": {"level": 90},
		 "firmwareUpdate": {"result": "Success", "seconds": 60}}],
		"timeline": [
		 {"at": "0s", "do": "attach", "device": "hs1"},
		 {"at": "20s", "do": "detach", "device": "hs1"},
		 {"at": "30s", "do": "attach", "device": "hs1"}]}`, srv.URL+"/api/dm?Token=T0K")
	s.settle(t, "the second arrival's poll", func() bool {
		reqs, _, _ := be.seen()
		n := 0
		for _, r := range reqs {
			if strings.HasPrefix(r, "GET /api/dm?") {
				n++
			}
		}
		_, attached := s.mgr.Device("hs1")
		return n >= 2 && attached
	})
	time.Sleep(100 * time.Millisecond) // room for a wrong second update to begin
	s.settle(t, "quiet", func() bool { return true })
	fw := s.events(t, analytics.TypeFirmwareUpdateCompleted)
	if len(fw) != 1 || fw[0]["FirmwareUpdateCompletedStatus"] != "Failure" ||
		fw[0]["FirmwareUpdateFailureDescription"] != "Unexpected failure" {
		t.Fatalf("FirmwareUpdateCompleted events = %v, want one Unexpected failure", fw)
	}
	d, _ := s.mgr.Device("hs1")
	if d.Firmware != "1.25.0" {
		t.Errorf("firmware %s after a lost update", d.Firmware)
	}
	st, found, _ := s.st.StagedFirmware("501AA5D6337F")
	if !found || st.State != store.FirmwareFailed || st.Path == "" {
		t.Fatalf("staged record = %+v", st)
	}
	status, _ := s.updater.Status("hs1")
	if status.Staged == nil || status.Staged.State != store.FirmwareFailed || len(status.History) != 1 {
		t.Errorf("status = %+v", status)
	}
	if !strings.Contains(status.History[0].Detail, "lost") {
		t.Errorf("history detail %q does not say the device was lost", status.History[0].Detail)
	}
	reqs, _, _ := be.seen()
	downloads := 0
	for _, r := range reqs {
		if strings.Contains(r, "/Firmware/") {
			downloads++
		}
	}
	if downloads != 1 {
		t.Errorf("%d downloads, want 1: %v", downloads, reqs)
	}
}
