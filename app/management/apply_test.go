package management

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"

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

// recordedEvents is an Events and a firmware.Events that keeps what was
// committed with each transaction.
type recordedEvents struct {
	mu     sync.Mutex
	config []string // "applied=A:1,B:2 rejected=C,D"
	fw     []string // "Success" or the failure
}

func (r *recordedEvents) DeviceConfigurationApplied(_ *store.Tx, _ device.Device, _ time.Time, applied, rejected map[string]string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var a []string
	for _, k := range slices.Sorted(maps.Keys(applied)) {
		a = append(a, k+":"+applied[k])
	}
	r.config = append(r.config, "applied="+strings.Join(a, ",")+" rejected="+strings.Join(slices.Sorted(maps.Keys(rejected)), ","))
	return nil
}

func (r *recordedEvents) FirmwareUpdateCompleted(_ *store.Tx, _ device.Device, _ time.Time, f device.FirmwareFailure) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f == "" {
		r.fw = append(r.fw, "Success")
	} else {
		r.fw = append(r.fw, string(f))
	}
	return nil
}

func (r *recordedEvents) snapshot() ([]string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.config), slices.Clone(r.fw)
}

// desk is a simulated Evolve2 85 (a model of the embedded catalog) on USB,
// with the settings service, the firmware updater and a store.
type desk struct {
	mgr      *device.Manager
	st       *store.Store
	settings *settings.Service
	updater  *firmware.Updater
	applier  *Applier
	events   *recordedEvents
	hs       device.Device
}

const deskScenario = `{"devices": [
	{"id": "hs1", "kind": "headset", "name": "Jabra Evolve2 85", "vendorId": "0B0E", "productId": "30A4",
	 "variant": "01-96", "esn": "501AA5D6337F", "firmware": "1.25.0", "connection": "USB",
	 "battery": {"level": 80}, "settings": {"WIRELESS_RANGE": "1", "AUDIO_PROTECTION": "2"},
	 "firmwareUpdate": {"result": "Success", "seconds": 0}}]}`

func newDesk(t *testing.T, endpoint string) *desk {
	t.Helper()
	sc, err := sim.ParseScenario([]byte(deskScenario))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.Real{}
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{sim.New(sc, clk)}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { mgr.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the headset", func() bool { _, ok := mgr.Device("hs1"); return ok })
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, probs := catalog.Load(assets.Catalog(), afero.NewMemMapFs(), "")
	if len(probs) > 0 {
		t.Fatalf("catalog: %v", probs)
	}
	d := &desk{mgr: mgr, st: st, events: &recordedEvents{}}
	d.settings = settings.New(settings.Params{Catalog: cat, Devices: mgr, Store: st})
	d.updater = firmware.NewUpdater(firmware.UpdaterParams{Devices: mgr, Store: st, Events: d.events,
		Stager:  firmware.NewStager(firmware.StagerParams{Fs: afero.NewMemMapFs(), Dir: "/data/firmware", Backoff: time.Millisecond}),
		Catalog: firmware.CatalogReleases{Catalog: cat}})
	d.applier = NewApplier(ApplierParams{Settings: d.settings, Firmware: d.updater, Store: st, Events: d.events, Endpoint: endpoint})
	d.hs, _ = mgr.Device("hs1")
	return d
}

func (d *desk) apply(t *testing.T, body string) {
	t.Helper()
	ans, err := ParseAnswer([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	now, _ := d.mgr.Device("hs1")
	if err := d.applier.Apply(context.Background(), now, ans); err != nil {
		t.Fatal(err)
	}
}

func TestApplySettingsOneByOne(t *testing.T) {
	d := newDesk(t, "https://dm.example/api/ep")
	d.apply(t, `{"firmware": {}, "settings": {
		"WIRELESS_RANGE": "3",
		"AUDIO_PROTECTION": "9",
		"NO_SUCH_SETTING": "1",
		"FIELD_OF_VIEW": "90",
		"EVENT_CALL_STATUS": "0",
		"VOICE_ANNOUNCEMENTS_LANGUAGE_1": "de-DE",
		"SIDETONE": {"level": 3}}}`)
	hs, _ := d.mgr.Device("hs1")
	if hs.Settings["WIRELESS_RANGE"] != "3" || hs.Settings["AUDIO_PROTECTION"] != "2" {
		t.Errorf("device settings = %v", hs.Settings)
	}
	c, found, _ := d.st.AppliedConfig("501AA5D6337F")
	if !found {
		t.Fatal("nothing recorded")
	}
	wantRejected := map[string]string{
		"AUDIO_PROTECTION":               "not one of",
		"NO_SUCH_SETTING":                "no setting of that name",
		"FIELD_OF_VIEW":                  "does not support this setting",
		"VOICE_ANNOUNCEMENTS_LANGUAGE_1": "only together with a firmware file",
		"SIDETONE":                       "an object, not a string",
	}
	for name, part := range wantRejected {
		if !strings.Contains(c.Rejected[name], part) {
			t.Errorf("rejected[%s] = %q, want it to contain %q", name, c.Rejected[name], part)
		}
	}
	if len(c.Rejected) != len(wantRejected) || c.Applied["WIRELESS_RANGE"] != "3" || c.Applied["EVENT_CALL_STATUS"] != "0" {
		t.Errorf("applied %v, rejected %v", c.Applied, c.Rejected)
	}
	toggles, _ := d.st.EventToggles("501AA5D6337F")
	if on, ok := toggles["EVENT_CALL_STATUS"]; !ok || on {
		t.Errorf("event toggles = %v, want EVENT_CALL_STATUS off", toggles)
	}
	cfg, _ := d.events.snapshot()
	want := "applied=EVENT_CALL_STATUS:0,WIRELESS_RANGE:3 rejected=AUDIO_PROTECTION,FIELD_OF_VIEW,NO_SUCH_SETTING,SIDETONE,VOICE_ANNOUNCEMENTS_LANGUAGE_1"
	if len(cfg) != 1 || cfg[0] != want {
		t.Errorf("events = %q, want [%q]", cfg, want)
	}
	hist, _ := d.st.SettingChanges("501AA5D6337F", 0)
	if len(hist) != 2 || hist[0].Source != store.SourceManagement {
		t.Errorf("history = %+v", hist)
	}

	// The same answer again is not applied twice.
	d.apply(t, `{"firmware": {}, "settings": {"WIRELESS_RANGE": "3", "AUDIO_PROTECTION": "9", "NO_SUCH_SETTING": "1",
		"FIELD_OF_VIEW": "90", "EVENT_CALL_STATUS": "0", "VOICE_ANNOUNCEMENTS_LANGUAGE_1": "de-DE", "SIDETONE": {"level": 3}}}`)
	if cfg, _ := d.events.snapshot(); len(cfg) != 1 {
		t.Errorf("applied twice: %q", cfg)
	}
	// A changed answer is.
	d.apply(t, `{"firmware": {}, "settings": {"WIRELESS_RANGE": "2"}}`)
	if cfg, _ := d.events.snapshot(); len(cfg) != 2 || cfg[1] != "applied=WIRELESS_RANGE:2 rejected=" {
		t.Errorf("events = %q", cfg)
	}
}

func TestApplyFirmware(t *testing.T) {
	var mu sync.Mutex
	served := map[string][]byte{
		"/api/ep/Firmware/new.zip": firmwaretest.Archive("1.27.0", []uint16{0x30A4}, 2000, "de-DE"),
		"/api/ep/Firmware/old.zip": firmwaretest.Archive("1.24.0", []uint16{0x30A4}, 2000),
	}
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.String())
		mu.Unlock()
		if b, ok := served[r.URL.Path]; ok {
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	tests := []struct {
		name        string
		answers     []string
		wantFW      []string
		wantVersion string
		wantURLs    []string
	}{
		{name: "an update with its language, URL relative with the query carried over",
			answers: []string{`{"firmware": {"version": "1.27.0", "downloadUrl": "Firmware/new.zip"}, "settings": {"VOICE_ANNOUNCEMENTS_LANGUAGE_1": "de-DE"}}`},
			wantFW:  []string{"Success"}, wantVersion: "1.27.0", wantURLs: []string{"/api/ep/Firmware/new.zip?Token=T"}},
		{name: "the version installed: nothing downloaded",
			answers: []string{`{"firmware": {"version": "1.25.0", "downloadUrl": "Firmware/new.zip"}, "settings": {}}`},
			wantFW:  nil, wantVersion: "1.25.0"},
		{name: "a downgrade refused, then allowed",
			answers: []string{
				`{"firmware": {"version": "1.24.0", "downloadUrl": "Firmware/old.zip"}, "settings": {}}`,
				`{"firmware": {"version": "1.24.0", "downloadUrl": "Firmware/old.zip"}, "settings": {}}`,
				`{"firmware": {"version": "1.24.0", "downloadUrl": "Firmware/old.zip"}, "settings": {"ALLOW_DOWNGRADE": "1"}}`,
			},
			wantFW: []string{"Downgrade is not allowed for this product", "Success"}, wantVersion: "1.24.0",
			wantURLs: []string{"/api/ep/Firmware/old.zip?Token=T"}},
		{name: "an absolute URL used as given",
			answers: []string{fmt.Sprintf(`{"firmware": {"version": "1.27.0", "downloadUrl": "%s/api/ep/Firmware/new.zip?cdn=1"}, "settings": {}}`, srv.URL)},
			wantFW:  []string{"Success"}, wantVersion: "1.27.0", wantURLs: []string{"/api/ep/Firmware/new.zip?cdn=1"}},
		{name: "a language missing from the file",
			answers: []string{`{"firmware": {"version": "1.27.0", "downloadUrl": "Firmware/new.zip"}, "settings": {"VOICE_ANNOUNCEMENTS_LANGUAGE_1": "ja-JP"}}`},
			wantFW:  []string{"Language not found in firmware file"}, wantVersion: "1.25.0",
			wantURLs: []string{"/api/ep/Firmware/new.zip?Token=T"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			d := newDesk(t, srv.URL+"/api/ep?Token=T")
			for _, a := range tc.answers {
				d.apply(t, a)
			}
			_, fw := d.events.snapshot()
			if strings.Join(fw, "|") != strings.Join(tc.wantFW, "|") {
				t.Errorf("firmware events = %q, want %q", fw, tc.wantFW)
			}
			hs, _ := d.mgr.Device("hs1")
			if hs.Firmware != tc.wantVersion {
				t.Errorf("firmware = %s, want %s", hs.Firmware, tc.wantVersion)
			}
			mu.Lock()
			defer mu.Unlock()
			if strings.Join(got, "|") != strings.Join(tc.wantURLs, "|") {
				t.Errorf("requests = %q, want %q", got, tc.wantURLs)
			}
		})
	}
}
