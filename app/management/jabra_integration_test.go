package management

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
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
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hidhost"
	"github.com/earshot-app/earshot/device/jabra"
	"github.com/earshot-app/earshot/device/jabra/jabratest"
	"github.com/earshot-app/earshot/store"
)

// startHIDStack is startStack on a desk of scripted HID devices driven by
// the real HID host and the jabra driver.
func startHIDStack(t *testing.T, bus hid.Bus, endpoint string) *stack {
	t.Helper()
	clk := clock.Real{}
	host := hidhost.New(hidhost.Params{Bus: bus, Protocols: []hid.Protocol{jabra.New(jabra.Options{})}, Clock: clk})
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{host}})
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

// TestIntegrationJabraHeadsetBehindDongle: a firmware zip in Jabra's own
// format, served by a device-management backend on loopback, is staged,
// validated and written over the GN protocol to a headset behind a Link
// 390, whose settings the same answer changes; the update ends in
// FirmwareUpdateCompleted Success.
func TestIntegrationJabraHeadsetBehindDongle(t *testing.T) {
	appImage := firmwaretest.Image(5000)
	german, french := firmwaretest.Image(300), firmwaretest.Image(200)
	archive := firmwaretest.GNArchive("2.6.0", []uint16{0x24B3},
		firmwaretest.File{Name: "app.bin", Language: "English", Partition: 0, Data: appImage},
		firmwaretest.File{Name: "de.bin", Language: "German", Partition: 1, Data: german},
		firmwaretest.File{Name: "fr.bin", Language: "French", Partition: 2, Data: french})
	be := &loopbackBackend{t: t,
		firmware: map[string][]byte{"Firmware/evolve2-65-2.6.0.zip": archive},
		answers: map[string]string{"HS-ESN-1": `{
			"firmware": {"version": "2.6.0", "downloadUrl": "Firmware/evolve2-65-2.6.0.zip"},
			"settings": {"AUTO_OFF": "30", "SIDETONE": "3"}}`}}
	srv := httptest.NewServer(be)
	defer srv.Close()

	headset := &jabratest.Unit{Name: "Jabra Evolve2 65", Serial: "HS-ESN-1", Firmware: "2.5.1", DFUPID: 0x24B3, FWU: 7,
		Battery: []byte{0x00, 72},
		Settings: map[[2]byte][]byte{{0x13, 0x7C}: {0x00, 0x00}, {0x13, 0x90}: {0x0C}, {0x13, 0x3A}: {0x01},
			{0x12, 0x08}: {0x00}, {0x13, 0x01}: {0x00}}}
	dongle := &jabratest.Unit{Name: "Jabra Link 390", Serial: "LINK-ESN-1", Firmware: "3.1.0", DFUPID: 0x2E57, FWU: 7}
	gn := jabratest.NewDevice(map[byte]*jabratest.Unit{0x01: dongle, 0x04: headset})
	bus := jabratest.NewBus()
	if err := bus.Add(hid.Info{Path: "sim:link390/3", VendorID: 0x0B0E, ProductID: 0x2E57, Serial: "LINK-ESN-1",
		Product: "Jabra Link 390", Interface: 3, Bus: "sim"}, gn); err != nil {
		t.Fatal(err)
	}
	s := startHIDStack(t, bus, srv.URL+"/api/dm?Token=T0K")

	var hsID string
	s.settle(t, "the headset's update", func() bool {
		for _, d := range s.mgr.Devices() {
			if d.ESN == "HS-ESN-1" {
				hsID = d.ID
				return d.Firmware == "2.6.0"
			}
		}
		return false
	})
	hs, _ := s.mgr.Device(hsID)
	dg, ok := s.mgr.Device(hs.Parent)
	if !ok || dg.Name != "Jabra Link 390" || dg.Kind != device.KindDongle || hs.Connection != device.ConnBluetooth {
		t.Errorf("headset %+v behind %+v", hs.Info, dg.Info)
	}
	fw := s.events(t, analytics.TypeFirmwareUpdateCompleted)
	if len(fw) != 1 || fw[0]["FirmwareUpdateCompletedStatus"] != "Success" || fw[0]["FirmwareVersion"] != "2.6.0" {
		t.Errorf("FirmwareUpdateCompleted events = %v; log:\n%s", fw, s.logs.String())
	}
	u := gn.Unit(0x04)
	if !bytes.Equal(u.Images[0], appImage) || u.Version != [3]byte{2, 6, 0} {
		t.Errorf("the headset holds %d bytes in partition 0, version %v", len(u.Images[0]), u.Version)
	}
	if _, ok := u.Images[2]; ok {
		t.Error("the French image was written; only English and the chosen language are")
	}
	if got := u.Settings[[2]byte{0x13, 0x90}]; !bytes.Equal(got, []byte{0x06}) || !bytes.Equal(u.Settings[[2]byte{0x13, 0x7C}], []byte{0x00, 0x06}) {
		t.Errorf("the headset's auto-off % X, sidetone % X", got, u.Settings[[2]byte{0x13, 0x7C}])
	}
	if hs.Settings["AUTO_OFF"] != "30" || hs.Settings["SIDETONE"] != "3" {
		t.Errorf("settings after the answer: %v", hs.Settings)
	}
}

// TestIntegrationJabraUpdateDeviceLost: the headset's dongle is unplugged
// half-way through the update; the update fails with the documented
// description and the staged file stays for the next attempt.
func TestIntegrationJabraUpdateDeviceLost(t *testing.T) {
	archive := firmwaretest.GNArchive("1.3.0", []uint16{0x24B9},
		firmwaretest.File{Name: "app.bin", Language: "English", Partition: 0, Data: firmwaretest.Image(52 * 200)})
	be := &loopbackBackend{t: t, firmware: map[string][]byte{"Firmware/fw.zip": archive},
		answers: map[string]string{"USB-HS-1": `{"firmware": {"version": "1.3.0", "downloadUrl": "Firmware/fw.zip"}, "settings": {}}`}}
	srv := httptest.NewServer(be)
	defer srv.Close()
	gn := jabratest.NewDevice(map[byte]*jabratest.Unit{0x08: {Name: "Jabra Evolve2 85", Serial: "USB-HS-1",
		Firmware: "1.2.0", DFUPID: 0x24B9, FWU: 16, Battery: []byte{0x01, 90}}})
	gn.UnplugAtChunk = 100
	bus := jabratest.NewBus()
	if err := bus.Add(hid.Info{Path: "sim:evolve2/3", VendorID: 0x0B0E, ProductID: 0x24B9, Serial: "USB-HS-1",
		Product: "Jabra Evolve2 85", Interface: 3, Bus: "sim"}, gn); err != nil {
		t.Fatal(err)
	}
	s := startHIDStack(t, bus, srv.URL+"/api/dm?Token=T0K")
	defer func() {
		if t.Failed() {
			t.Log(s.logs.String())
		}
	}()
	s.settle(t, "the failed update", func() bool {
		return len(s.events(t, analytics.TypeFirmwareUpdateCompleted)) == 1
	})
	fw := s.events(t, analytics.TypeFirmwareUpdateCompleted)
	if fw[0]["FirmwareUpdateCompletedStatus"] != "Failure" || fw[0]["FirmwareUpdateFailureDescription"] != string(device.FailureUnexpected) {
		t.Errorf("FirmwareUpdateCompleted = %v", fw[0])
	}
	staged, found, err := s.st.StagedFirmware("USB-HS-1")
	if err != nil || !found || staged.State != store.FirmwareFailed || staged.Path == "" {
		t.Errorf("staged = %+v, %v, %v", staged, found, err)
	}
	if !strings.Contains(s.logs.String(), "the device was lost during the update") {
		t.Error("the log does not say the device was lost")
	}
}
