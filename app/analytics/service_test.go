package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// queued returns "EventType ESN-or-name" for every event in the outbox.
func queued(t testing.TB, st *store.Store) []string {
	t.Helper()
	evs, err := st.OutboxEvents(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, q := range evs {
		var e map[string]any
		if err := json.Unmarshal(q.Body, &e); err != nil {
			t.Fatal(err)
		}
		who := e["DeviceName"]
		if e["PeopleCount"] != nil {
			who = fmt.Sprintf("%v=%v", who, e["PeopleCount"])
		}
		out = append(out, fmt.Sprintf("%s %v", q.Type, who))
	}
	return out
}

func registered(t testing.TB) *store.Store {
	t.Helper()
	st := openStore(t)
	if _, err := st.SetOutboxEndpoints(context.Background(), []store.OutboxEndpoint{{ID: "a", Name: "a"}}); err != nil {
		t.Fatal(err)
	}
	return st
}

// record runs what Record returns in its own write, as the core would.
func record(t testing.TB, s *Service, st *store.Store, e device.Event) {
	t.Helper()
	if w := s.Record(e); w != nil {
		if err := st.Write(context.Background(), w); err != nil {
			t.Fatal(err)
		}
	}
}

func withCount(d device.Device, n int) device.Device {
	c := d.Clone()
	c.PeopleCount = &n
	return c
}

func TestServiceReportsDevicesAndCounts(t *testing.T) {
	noCount := camera.Clone()
	noCount.PeopleCount = nil
	steps := []struct {
		name string
		e    device.Event
		want []string
	}{
		{"headset arrives", device.Event{Type: device.Arrived, Device: headset}, []string{"DeviceAdded Jabra Evolve2 85"}},
		{"camera arrives counting", device.Event{Type: device.Arrived, Device: camera},
			[]string{"CameraDeviceAdded Jabra PanaCast 50", "PeopleCount Jabra PanaCast 50=3"}},
		{"busylight arrives", device.Event{Type: device.Arrived, Device: busylight}, []string{"OtherDeviceAdded kuando Busylight Omega"}},
		{"other-vendor arrives", device.Event{Type: device.Arrived, Device: other}, []string{"OtherDeviceAdded Poly Blackwire 3220"}},
		{"count unchanged", device.Event{Type: device.Changed, Device: withCount(camera, 3)}, nil},
		{"count changes", device.Event{Type: device.Changed, Device: withCount(camera, 5)}, []string{"PeopleCount Jabra PanaCast 50=5"}},
		{"streaming, same count", device.Event{Type: device.Changed, Device: withCount(camera, 5)}, nil},
		{"count drops to 0", device.Event{Type: device.Changed, Device: withCount(camera, 0)}, []string{"PeopleCount Jabra PanaCast 50=0"}},
		{"count unknown", device.Event{Type: device.Changed, Device: noCount}, nil},
		{"count known again", device.Event{Type: device.Changed, Device: withCount(camera, 0)}, []string{"PeopleCount Jabra PanaCast 50=0"}},
		{"battery change", device.Event{Type: device.Changed, Device: headset}, nil},
		{"button", device.Event{Type: device.ButtonPressed, Device: headset, Button: device.ButtonMute}, nil},
		{"camera leaves", device.Event{Type: device.Removed, Device: camera}, []string{"CameraDeviceRemoved Jabra PanaCast 50"}},
		{"busylight leaves", device.Event{Type: device.Removed, Device: busylight}, []string{"OtherDeviceRemoved kuando Busylight Omega"}},
		{"headset leaves", device.Event{Type: device.Removed, Device: headset}, []string{"DeviceRemoved Jabra Evolve2 85"}},
	}
	st := registered(t)
	s := NewService(ServiceParams{Store: st, Builder: testBuilder(), Clock: clock.NewFake(t0)})
	var want []string
	for _, step := range steps {
		step.e.At = t0
		record(t, s, st, step.e)
		want = append(want, step.want...)
		if got := queued(t, st); !slices.Equal(got, want) {
			t.Fatalf("after %q:\n got %q\nwant %q", step.name, got, want)
		}
	}
}

func TestToggles(t *testing.T) {
	st := registered(t)
	var rejected map[string]string
	err := st.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		rejected, err = SetToggles(tx, camera.Key(), map[string]string{
			TogglePeopleCount: "0", ToggleDeviceDetection: "1", ToggleCallStatus: "off", "WIRELESS_RANGE": "2",
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rejected) != `map[EVENT_CALL_STATUS:"off" is not 0 or 1]` {
		t.Errorf("rejected %v", rejected)
	}
	s := NewService(ServiceParams{Store: st, Builder: testBuilder()})
	record(t, s, st, device.Event{Type: device.Arrived, At: t0, Device: camera})
	// Another camera keeps its people counts.
	cam2 := withCount(camera, 1)
	cam2.ID, cam2.ESN, cam2.Name = "cam2", "CAM2", "Room B camera"
	record(t, s, st, device.Event{Type: device.Arrived, At: t0, Device: cam2})
	want := []string{"CameraDeviceAdded Jabra PanaCast 50", "CameraDeviceAdded Room B camera", "PeopleCount Room B camera=1"}
	if got := queued(t, st); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	// The toggles family table.
	for typ, toggle := range map[string]string{
		TypeDeviceAdded: ToggleDeviceDetection, TypeOtherDeviceRemoved: ToggleDeviceDetection,
		TypeCallStatus: ToggleCallStatus, TypePeopleCount: TogglePeopleCount,
		TypeCameraStreamingStarted: ToggleCameraStreamingStatus, TypeCameraStreamingEnded: ToggleCameraStreamingStatus,
		TypeDeviceConfigurationApplied: ToggleDeviceConfiguration, TypeFirmwareUpdateCompleted: "",
	} {
		if got := ToggleOf(typ); got != toggle {
			t.Errorf("ToggleOf(%s) = %q, want %q", typ, got, toggle)
		}
	}
	for _, typ := range Types {
		if tg := ToggleOf(typ); tg != "" && !IsToggle(tg) {
			t.Errorf("%s maps to unknown toggle %s", typ, tg)
		}
	}
	// Switching it on again.
	err = st.Write(context.Background(), func(tx *store.Tx) error {
		_, err := SetToggles(tx, camera.Key(), map[string]string{TogglePeopleCount: "1"})
		if err != nil {
			return err
		}
		on, err := Enabled(tx, camera.Key(), TypePeopleCount)
		if !on || err != nil {
			return fmt.Errorf("enabled = %v, %v", on, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReporterHonoursToggles(t *testing.T) {
	st := registered(t)
	r := NewReporter(testBuilder())
	err := st.Write(context.Background(), func(tx *store.Tx) error {
		if _, err := SetToggles(tx, headset.Key(), map[string]string{ToggleCallStatus: "0", ToggleDeviceConfiguration: "0"}); err != nil {
			return err
		}
		return errors.Join(
			r.CallStarted(tx, headset, t0, "c1"),
			r.CallEnded(tx, headset, t0, CallSummary{CallID: "c1"}),
			r.DeviceConfigurationApplied(tx, headset, t0, nil, nil),
			r.FirmwareUpdateCompleted(tx, headset, t0, ""),
			r.CameraStreamingStarted(tx, camera, t0),
			r.CameraStreamingEnded(tx, camera, t0, StreamingSummary{}),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"FirmwareUpdateCompleted Jabra Evolve2 85", "CameraStreamingStarted Jabra PanaCast 50",
		"CameraStreamingEnded Jabra PanaCast 50"}
	if got := queued(t, st); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestHeartbeat: PeopleCount again once the interval passed since the
// last one; a change restarts the interval; a removed camera stops.
func TestHeartbeat(t *testing.T) {
	st := registered(t)
	clk := clock.NewFake(t0)
	s := NewService(ServiceParams{Store: st, Builder: testBuilder(), Clock: clk, HeartbeatMinutes: 10})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	count := func() int {
		n := 0
		for _, q := range queued(t, st) {
			if q[:11] == "PeopleCount" {
				n++
			}
		}
		return n
	}
	record(t, s, st, device.Event{Type: device.Arrived, At: t0, Device: camera})
	waitFor(t, "the heartbeat to wait", func() bool { return clk.Waiters() > 0 })
	clk.Advance(9 * time.Minute)
	time.Sleep(20 * time.Millisecond)
	if n := count(); n != 1 {
		t.Fatalf("%d PeopleCount events after 9 min, want 1", n)
	}
	clk.Advance(time.Minute)
	waitFor(t, "the first heartbeat", func() bool { return count() == 2 })
	// A change at +12 min; the next heartbeat is due at +22, not +20.
	clk.Advance(2 * time.Minute)
	record(t, s, st, device.Event{Type: device.Changed, At: clk.Now(), Device: withCount(camera, 6)})
	clk.Advance(8 * time.Minute)
	time.Sleep(20 * time.Millisecond)
	if n := count(); n != 3 {
		t.Fatalf("%d PeopleCount events at +20 min, want 3", n)
	}
	clk.Advance(2 * time.Minute)
	waitFor(t, "the heartbeat after the change", func() bool { return count() == 4 })
	last := queued(t, st)
	if last[len(last)-1] != "PeopleCount Jabra PanaCast 50=6" {
		t.Errorf("heartbeat reports %q", last[len(last)-1])
	}
	record(t, s, st, device.Event{Type: device.Removed, At: clk.Now(), Device: camera})
	clk.Advance(time.Hour)
	time.Sleep(20 * time.Millisecond)
	if n := count(); n != 4 {
		t.Errorf("%d PeopleCount events after removal, want 4", n)
	}
}

func TestHeartbeatOff(t *testing.T) {
	st := registered(t)
	clk := clock.NewFake(t0)
	s := NewService(ServiceParams{Store: st, Builder: testBuilder(), Clock: clk, HeartbeatMinutes: 0})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	record(t, s, st, device.Event{Type: device.Arrived, At: t0, Device: camera})
	time.Sleep(20 * time.Millisecond)
	if clk.Waiters() != 0 {
		t.Error("the heartbeat waits although it is off")
	}
	s.Stop()
}

// scriptDriver emits a fixed list of events, then waits.
type scriptDriver struct{ events []device.Event }

func (d scriptDriver) Name() string { return "script" }

func (d scriptDriver) Run(ctx context.Context, emit func(device.Event)) error {
	for _, e := range d.events {
		emit(e)
	}
	<-ctx.Done()
	return nil
}

// failingRecorder refuses every write, to show that the device record and
// the events reporting it commit or fail together.
type failingRecorder struct{}

func (failingRecorder) Start(context.Context) error { return nil }
func (failingRecorder) HandleEvent(device.Event)    {}
func (failingRecorder) Stop()                       {}
func (failingRecorder) Record(e device.Event) func(*store.Tx) error {
	if e.Device.ID != "cam1" {
		return nil
	}
	return func(*store.Tx) error { return errors.New("disk full") }
}

// TestCoreWritesDeviceAndEventTogether runs the real core: a device's
// record and its DeviceAdded event are in one transaction.
func TestCoreWritesDeviceAndEventTogether(t *testing.T) {
	st := registered(t)
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{scriptDriver{events: []device.Event{
		{Type: device.Arrived, At: t0, Device: headset},
		{Type: device.Arrived, At: t0, Device: camera},
	}}}})
	svc := NewService(ServiceParams{Store: st, Builder: testBuilder()})
	core := app.NewCore(app.CoreParams{Manager: mgr, Store: st, Clock: clock.NewFake(t0),
		Services: []app.Service{svc, failingRecorder{}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- core.Run(ctx) }()
	waitFor(t, "the headset recorded", func() bool {
		recs, _ := st.Devices()
		return len(recs) == 1
	})
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	recs, _ := st.Devices()
	if len(recs) != 1 || recs[0].Key != headset.Key() {
		t.Errorf("records %+v: the camera's failed write should have taken its record with it", recs)
	}
	if got := queued(t, st); !slices.Equal(got, []string{"DeviceAdded Jabra Evolve2 85"}) {
		t.Errorf("queued %q", got)
	}
}
