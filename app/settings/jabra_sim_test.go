package settings

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/catalog"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
	"github.com/earshot-app/earshot/device/jabra"
	"github.com/earshot-app/earshot/device/sim"
	"github.com/earshot-app/earshot/store"
)

// The scenario of a Link 390 with an Evolve2 65 behind it (scripted HID
// devices, written from docs/hardware.md §2) played by the simulator through
// the real HID host and the jabra driver: the one-shot listing shows the
// dongle and the headset with its parent, name, firmware and battery, and
// a settings change goes through the catalog's validation and the GN
// frames (the scenario acknowledges only the SET that docs/hardware.md §2.6
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
	devs, _, err := sim.PlayAtZero(ctx, sc, protocols, 10*time.Second, nil)
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
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	drv := sim.New(sc, clk)
	drv.Protocols = protocols
	trace := &syncBuffer{} // what --hid-trace writes
	var tr *hid.Trace
	drv.WrapBus = func(b hid.Bus) hid.Bus { tr = hid.NewTrace(b, trace, clk.Now); return tr }
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
	// The trace shows the SET docs/hardware.md §2.6 predicts, padded to 64 bytes.
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	var sets [][]byte
	for _, line := range strings.Split(trace.String(), "\n") {
		var l struct{ Dir, Report, ProductID string }
		if json.Unmarshal([]byte(line), &l) != nil || l.Dir != "out" {
			continue
		}
		b, err := replay.ParseHex(l.Report)
		if err != nil {
			t.Fatalf("trace report %q: %v", l.Report, err)
		}
		if len(b) > 7 && bytes.Equal(b[:3], []byte{0x05, 0x04, 0x00}) && bytes.Equal(b[4:7], []byte{0x87, 0x13, 0x90}) {
			sets = append(sets, b)
		}
	}
	want := append([]byte{0x87, 0x13, 0x90, 0x06}, make([]byte, 64-8)...)
	if len(sets) != 1 || len(sets[0]) != 64 || !bytes.Equal(sets[0][4:], want) {
		t.Errorf("auto-off SETs in the trace: % X", sets)
	}
	// 45 minutes is valid for the catalog (steps of 15) but the scripted
	// headset refuses its frame: the change fails and says why.
	res, err = s.Apply(ctx, id, map[string]string{"AUTO_OFF": "45"}, ApplyOptions{AllOrNothing: true})
	if err == nil && len(res.Refused) == 0 {
		t.Fatalf("a refused write succeeded: %+v", res)
	}
	t.Logf("refused: %v %v", err, res.Err())
}

// syncBuffer is a trace destination the test reads.
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
