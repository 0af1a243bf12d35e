package app

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// scriptDriver emits a fixed list of events, then waits for the context.
type scriptDriver struct{ events []device.Event }

func (d scriptDriver) Name() string { return "script" }

func (d scriptDriver) Run(ctx context.Context, emit func(device.Event)) error {
	for _, e := range d.events {
		emit(e)
	}
	<-ctx.Done()
	return nil
}

func TestCoreRecordsDevicesAndNotifies(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	dongle := device.Device{Info: device.Info{ID: "dg", Kind: device.KindDongle, Name: "Jabra Link 380",
		VendorID: 0x0B0E, ProductID: 0x3053, ESN: "DONGLE1", Connection: device.ConnUSB}}
	headset := device.Device{Info: device.Info{ID: "hs", Kind: device.KindHeadset, Name: "Jabra Evolve2 85",
		VendorID: 0x0B0E, ProductID: 0x30A4, Variant: "01-96", ESN: "HS1", Connection: device.ConnBluetooth, Parent: "dg"},
		State: device.State{Battery: &device.Battery{Level: 80}}}
	drained := headset.Clone()
	drained.Battery.Level, drained.Battery.Low = 12, true
	drained.InCall = true

	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// A device from an earlier session that is not attached now.
	if err := st.SaveDevice(store.DeviceRecord{Key: "OLD", Name: "Old headset"}, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{scriptDriver{events: []device.Event{
		{Type: device.Arrived, At: t0, Device: dongle},
		{Type: device.Arrived, At: t0, Device: headset},
		{Type: device.ButtonPressed, At: t0.Add(time.Second), Device: headset, Button: device.ButtonMute},
		{Type: device.Changed, At: t0.Add(2 * time.Second), Device: drained},
		{Type: device.Removed, At: t0.Add(3 * time.Second), Device: dongle},
	}}}})
	core := NewCore(CoreParams{Manager: mgr, Store: st, Clock: clock.NewFake(t0)})

	var mu sync.Mutex
	changes := 0
	cancelSub := core.Subscribe(func() { mu.Lock(); changes++; mu.Unlock() })
	defer cancelSub()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- core.Run(ctx) }()
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return changes == 4 })

	devs := core.Devices()
	if len(devs) != 1 || devs[0].DeviceName != "Jabra Evolve2 85" || *devs[0].BatteryLevel != 12 || !devs[0].InCall {
		t.Fatalf("devices = %+v", devs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	recs, err := st.Devices()
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]store.DeviceRecord{}
	for _, r := range recs {
		byKey[r.Key] = r
	}
	if r := byKey["HS1"]; !r.Connected || *r.BatteryLevel != 12 || r.ParentKey != "DONGLE1" || !r.FirstSeen.Equal(t0) {
		t.Errorf("headset record = %+v", r)
	}
	if r := byKey["DONGLE1"]; r.Connected || !r.LastSeen.Equal(t0.Add(3*time.Second)) {
		t.Errorf("dongle record = %+v", r)
	}
	if r := byKey["OLD"]; r.Connected {
		t.Errorf("a device of an earlier session is still marked connected")
	}
}

func TestSummarize(t *testing.T) {
	d := device.Device{Info: device.Info{ID: "x", Kind: device.KindHeadset, Name: "H", VendorID: 0xB0E, ProductID: 0x2465,
		Variant: "01-3D", ESN: "501AA5D6337F", Firmware: "2.0.0", Connection: device.ConnDECT, Parent: "base"},
		State: device.State{Battery: &device.Battery{Level: 55, Charging: true}}}
	s := Summarize(d, "Engage base")
	if s.VendorID != "0B0E" || s.ProductID != "2465" || s.Parent != "Engage base" || s.Key != "501AA5D6337F" ||
		*s.BatteryLevel != 55 || !*s.BatteryCharging || *s.BatteryLow {
		t.Errorf("summary = %+v", s)
	}
	d.Battery.Level = 99 // the summary holds its own copy
	if *s.BatteryLevel != 55 {
		t.Error("summary shares the device's battery")
	}
	if w := Summarize(device.Device{Info: device.Info{Kind: device.KindBusylight}}, ""); w.HasBattery() || w.BatteryLow != nil {
		t.Errorf("a wired device has battery fields: %+v", w)
	}
	lit := device.Device{Info: device.Info{Kind: device.KindBusylight},
		State: device.State{Light: &device.LightState{Colour: device.Colour{R: 0x80, B: 0xFF}, Blink: true}}}
	if l := Summarize(lit, "").Light; l == nil || l.Hex() != "#8000FF" || !l.Blink || !l.Lit() {
		t.Errorf("light summary = %+v", l)
	}
	if Summarize(d, "").Light != nil {
		t.Error("a headset without a light has a light summary")
	}
}

func TestFindDevice(t *testing.T) {
	devs := []DeviceSummary{
		{DeviceName: "Jabra Evolve2 85", ESN: "501AA5D6337F"},
		{DeviceName: "Jabra Engage 75", ESN: "AB12"},
		{DeviceName: "Poly Blackwire 3220"},
		{DeviceName: "Jabra Engage 75 Base"},
	}
	tests := []struct{ ref, want, err string }{
		{ref: "501aa5d6337f", want: "Jabra Evolve2 85"},
		{ref: "jabra ev", want: "Jabra Evolve2 85"},
		{ref: "Poly", want: "Poly Blackwire 3220"},
		{ref: "Jabra", err: `"Jabra" matches 3 devices (Jabra Evolve2 85, Jabra Engage 75, Jabra Engage 75 Base)`},
		{ref: "jabra engage 75", want: "Jabra Engage 75"},
		{ref: "Jabra Engage 75 B", want: "Jabra Engage 75 Base"},
		{ref: "Sony", err: `no attached device has the ESN or a name starting with "Sony"`},
		{ref: "", err: "no attached device"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			d, err := FindDevice(devs, tt.ref)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || d.DeviceName != tt.want {
				t.Fatalf("got %q, %v; want %q", d.DeviceName, err, tt.want)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recordingService notes what the Core hands it.
type recordingService struct {
	mu  sync.Mutex
	log []string
}

func (s *recordingService) add(x string) { s.mu.Lock(); s.log = append(s.log, x); s.mu.Unlock() }

func (s *recordingService) Start(context.Context) error { s.add("start"); return nil }
func (s *recordingService) HandleEvent(e device.Event)  { s.add(e.Type.String()) }
func (s *recordingService) Stop()                       { s.add("stop") }

func (s *recordingService) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func TestCoreFeedsServices(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	sp := device.Device{Info: device.Info{ID: "sp", Kind: device.KindSpeakerphone, Name: "Speak", ESN: "SP1"}}
	inCall := sp.Clone()
	inCall.InCall = true
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{scriptDriver{events: []device.Event{
		{Type: device.Arrived, At: t0, Device: sp},
		{Type: device.Changed, At: t0, Device: inCall},
		{Type: device.ButtonPressed, At: t0, Device: inCall, Button: device.ButtonMute},
		{Type: device.Removed, At: t0, Device: inCall},
	}}}})
	svc := &recordingService{}
	core := NewCore(CoreParams{Manager: mgr, Store: st, Clock: clock.NewFake(t0), Services: []Service{svc}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- core.Run(ctx) }()
	waitFor(t, func() bool { return len(svc.lines()) == 5 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := "start arrived changed button removed stop"
	if got := strings.Join(svc.lines(), " "); got != want {
		t.Errorf("service saw %q, want %q", got, want)
	}
}

func TestCoreCaughtUp(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var evs []device.Event
	for i := range 50 {
		evs = append(evs, device.Event{Type: device.Changed, Device: device.Device{Info: device.Info{ID: "d", Name: strings.Repeat("x", i%3)}}})
	}
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{scriptDriver{events: evs}}})
	block := make(chan struct{})
	core := NewCore(CoreParams{Manager: mgr, Store: st, Services: []Service{blockingService{block}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { core.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for mgr.Published() < 50 {
		time.Sleep(time.Millisecond)
	}
	if core.CaughtUp() {
		t.Fatal("caught up while a service still holds the first event")
	}
	close(block)
	for deadline := time.Now().Add(5 * time.Second); !core.CaughtUp(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("never caught up")
		}
	}
}

// blockingService holds the first event until its channel closes.
type blockingService struct{ block chan struct{} }

func (blockingService) Start(context.Context) error { return nil }
func (b blockingService) HandleEvent(device.Event)  { <-b.block }
func (blockingService) Stop()                       {}
