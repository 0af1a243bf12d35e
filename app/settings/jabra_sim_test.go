package settings

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/catalog"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/jabra"
	"github.com/earshot-app/earshot/device/sim"
	"github.com/earshot-app/earshot/store"
)

// The scenario of a Link 390 with an Evolve2 65 behind it (scripted HID
// devices, written from HARDWARE.md §2) played by the simulator through
// the real HID host and the jabra driver: the one-shot listing shows the
// dongle and the headset with its parent, name, firmware and battery, and
// a settings change goes through the catalog's validation and the GN
// frames (the scenario acknowledges only the SET that HARDWARE.md §2.6
// predicts for 30 minutes, 05 04 00 <seq> 87 13 90 06).
func TestJabraScenarioThroughTheSimulator(t *testing.T) {
	raw, err := os.ReadFile("../../device/jabra/testdata/link390-evolve2-65.json")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.ParseScenario(raw)
	if err != nil {
		t.Fatal(err)
	}
	protocols := []hid.Protocol{jabra.New(jabra.Options{})}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// `earshot devices --sim FILE`: the devices at time zero.
	devs, err := sim.PlayAtZero(ctx, sc, protocols, 10*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	var dongle, headset device.Device
	for _, d := range devs {
		switch d.Kind {
		case device.KindDongle:
			dongle = d
		case device.KindHeadset:
			headset = d
		}
	}
	if len(devs) != 2 || dongle.Name != "Jabra Link 390" || dongle.Firmware != "3.1.0" {
		t.Fatalf("devices %+v", devs)
	}
	if headset.Parent != dongle.ID || headset.Name != "Jabra Evolve2 65" || headset.Firmware != "2.5.1" ||
		headset.ESN != "HS-ESN-7" || headset.Battery == nil || headset.Battery.Level != 72 || headset.Connection != device.ConnBluetooth {
		t.Fatalf("headset %+v %+v", headset.Info, headset.Battery)
	}

	// `earshot settings set HS-ESN-7 AUTO_OFF=30` on the same scenario.
	drv := sim.New(sc, clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)))
	drv.Protocols = protocols
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{drv}})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { mgr.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	if err := drv.Settled(ctx); err != nil {
		t.Fatal(err)
	}
	var id string
	for _, d := range mgr.Devices() {
		if d.ESN == "HS-ESN-7" {
			id = d.ID
		}
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cat, _ := catalog.Load(assets.Catalog(), afero.NewMemMapFs(), "")
	s := New(Params{Catalog: cat, Devices: mgr, Store: st})
	res, err := s.Apply(ctx, id, map[string]string{"AUTO_OFF": "30"}, ApplyOptions{AllOrNothing: true})
	if err != nil || !slices.Equal(res.Applied, []string{"AUTO_OFF"}) || len(res.Refused) != 0 {
		t.Fatalf("apply AUTO_OFF=30: %+v, %v", res, err)
	}
	if d, _ := mgr.Device(id); d.Settings["AUTO_OFF"] != "30" {
		t.Errorf("AUTO_OFF after the write: %q", d.Settings["AUTO_OFF"])
	}
	// 45 minutes is valid for the catalog (steps of 15) but the scripted
	// headset refuses its frame: the change fails and says why.
	res, err = s.Apply(ctx, id, map[string]string{"AUTO_OFF": "45"}, ApplyOptions{AllOrNothing: true})
	if err == nil && len(res.Refused) == 0 {
		t.Fatalf("a refused write succeeded: %+v", res)
	}
	t.Logf("refused: %v %v", err, res.Err())
}
