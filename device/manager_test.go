package device_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
)

// fakeDriver emits the events a test sends on its channel; with fail set, Run
// returns that error at once.
type fakeDriver struct {
	name   string
	events chan device.Event
	fail   error
}

func newFakeDriver(name string) *fakeDriver {
	return &fakeDriver{name: name, events: make(chan device.Event)}
}

func (f *fakeDriver) Name() string { return f.name }

func (f *fakeDriver) Run(ctx context.Context, emit func(device.Event)) error {
	if f.fail != nil {
		return f.fail
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-f.events:
			emit(e)
		}
	}
}

// writingDriver is a fakeDriver that records the settings written to it and
// refuses the value "bad".
type writingDriver struct {
	*fakeDriver
	mu      sync.Mutex
	written map[string]map[string]string
}

func (w *writingDriver) WriteSettings(_ context.Context, id string, values map[string]string) map[string]error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs map[string]error
	for name, v := range values {
		if v == "bad" {
			errs = map[string]error{name: errors.New("refused")}
			continue
		}
		if w.written[id] == nil {
			w.written[id] = map[string]string{}
		}
		w.written[id][name] = v
	}
	return errs
}

// startManager runs a Manager over drivers until the test ends.
func startManager(t *testing.T, log *slog.Logger, drivers ...device.Driver) *device.Manager {
	t.Helper()
	m := device.NewManager(device.ManagerParams{Drivers: drivers, Logger: log})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error)
	go func() { ran <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-ran:
			if err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return m
}

func dev(id string, kind device.Kind, name, parent string) device.Device {
	return device.Device{Info: device.Info{ID: id, Kind: kind, Name: name, Parent: parent}}
}

func event(t device.EventType, d device.Device) device.Event { return device.Event{Type: t, Device: d} }

// receive reads one event or fails the test.
func receive(t *testing.T, events <-chan device.Event) device.Event {
	t.Helper()
	select {
	case e, ok := <-events:
		if !ok {
			t.Fatal("events closed")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	panic("unreachable")
}

func TestManagerDevicesOrder(t *testing.T) {
	tests := []struct {
		name    string
		devices []device.Device
		want    string
	}{
		{"by kind order", []device.Device{
			dev("o", device.KindOther, "A", ""), dev("bl", device.KindBusylight, "A", ""), dev("ad", device.KindAdapter, "A", ""),
			dev("dg", device.KindDongle, "A", ""), dev("b", device.KindBase, "A", ""), dev("c", device.KindCamera, "A", ""),
			dev("sp", device.KindSpeakerphone, "A", ""), dev("hs", device.KindHeadset, "A", ""),
		}, "hs sp c b dg ad bl o"},
		{"then by name, then by id", []device.Device{
			dev("h3", device.KindHeadset, "Evolve2 85", ""), dev("h2", device.KindHeadset, "Engage 75", ""),
			dev("h1", device.KindHeadset, "Evolve2 85", ""),
		}, "h2 h1 h3"},
		{"children follow their parent", []device.Device{
			dev("hs1", device.KindHeadset, "Evolve2 85", "dg1"), dev("cam", device.KindCamera, "PanaCast 50", ""),
			dev("hs2", device.KindHeadset, "Engage 75", "base"), dev("dg1", device.KindDongle, "Link 380", ""),
			dev("base", device.KindBase, "Engage 75 Base", ""), dev("hs0", device.KindHeadset, "Zone", ""),
			dev("hs3", device.KindHeadset, "Evolve2 65", "dg1"),
		}, "hs0 cam base hs2 dg1 hs3 hs1"},
		{"a child without its parent is a root", []device.Device{
			dev("sp", device.KindSpeakerphone, "Speak2 75", ""), dev("hs1", device.KindHeadset, "Evolve2 85", "gone"),
		}, "hs1 sp"},
		{"a parent cycle is still listed", []device.Device{
			dev("a", device.KindHeadset, "A", "b"), dev("b", device.KindDongle, "B", "a"), dev("c", device.KindCamera, "C", ""),
		}, "c a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newFakeDriver("fake")
			m := startManager(t, nil, d)
			events, cancel := m.Subscribe()
			defer cancel()
			for _, dv := range tt.devices {
				d.events <- event(device.Arrived, dv)
				receive(t, events)
			}
			var got []string
			for _, dv := range m.Devices() {
				got = append(got, dv.ID)
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("Devices = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestManagerSnapshotsBeforeFanOut(t *testing.T) {
	d := newFakeDriver("fake")
	m := startManager(t, nil, d)
	events, cancel := m.Subscribe()
	defer cancel()
	hs := dev("hs1", device.KindHeadset, "Evolve2 85", "")
	hs.Battery = &device.Battery{Level: 80}
	steps := []struct {
		name    string
		typ     device.EventType
		level   int
		present bool
	}{
		{"arrived", device.Arrived, 80, true},
		{"changed", device.Changed, 12, true},
		{"button leaves it", device.ButtonPressed, 12, true},
		{"removed", device.Removed, 12, false},
	}
	for _, st := range steps {
		hs.Battery.Level = st.level
		d.events <- event(st.typ, hs.Clone())
		receive(t, events)
		got, ok := m.Device("hs1")
		if ok != st.present || ok && got.Battery.Level != st.level {
			t.Errorf("%s: Device = %+v, %v; want level %d, present %v", st.name, got.Battery, ok, st.level, st.present)
		}
	}
	if n := len(m.Devices()); n != 0 {
		t.Errorf("%d devices after removal", n)
	}
}

func TestManagerSnapshotsAreCopies(t *testing.T) {
	d := newFakeDriver("fake")
	m := startManager(t, nil, d)
	events, cancel := m.Subscribe()
	defer cancel()
	hs := dev("hs1", device.KindHeadset, "Evolve2 85", "")
	hs.Battery = &device.Battery{Level: 80}
	hs.Settings = map[string]string{"SIDETONE": "1"}
	d.events <- event(device.Arrived, hs)
	receive(t, events)
	got, _ := m.Device("hs1")
	got.Battery.Level, got.Settings["SIDETONE"] = 1, "9"
	m.Devices()[0].Battery.Level = 2
	hs.Battery.Level = 3
	if again, _ := m.Device("hs1"); again.Battery.Level != 80 || again.Settings["SIDETONE"] != "1" {
		t.Errorf("snapshot changed under the Manager: %+v %v", again.Battery, again.Settings)
	}
}

func TestManagerFanOut(t *testing.T) {
	const n = 2000
	d := newFakeDriver("fake")
	m := startManager(t, nil, d)
	fast, cancelFast := m.Subscribe()
	defer cancelFast()
	slow, cancelSlow := m.Subscribe()
	defer cancelSlow()
	sent := make(chan struct{})
	go func() {
		for i := range n {
			d.events <- event(device.Changed, dev(fmt.Sprint(i), device.KindHeadset, "", ""))
		}
		close(sent)
	}()
	for i := range n {
		if e := receive(t, fast); e.Device.ID != fmt.Sprint(i) {
			t.Fatalf("fast subscriber: event %d is %s", i, e.Device.ID)
		}
	}
	select {
	case <-sent:
	case <-time.After(5 * time.Second):
		t.Fatal("a subscriber that reads nothing blocks the driver")
	}
	for i := range n {
		if e := receive(t, slow); e.Device.ID != fmt.Sprint(i) {
			t.Fatalf("slow subscriber: event %d is %s", i, e.Device.ID)
		}
	}
}

func TestManagerCancelClosesOnlyThatSubscription(t *testing.T) {
	d := newFakeDriver("fake")
	m := startManager(t, nil, d)
	gone, cancelGone := m.Subscribe()
	kept, cancelKept := m.Subscribe()
	defer cancelKept()
	d.events <- event(device.Arrived, dev("hs1", device.KindHeadset, "", ""))
	receive(t, kept)
	cancelGone() // with an event still queued
	cancelGone() // twice is harmless
	for range gone {
	}
	d.events <- event(device.Changed, dev("hs1", device.KindHeadset, "", ""))
	if e := receive(t, kept); e.Type != device.Changed {
		t.Errorf("kept subscriber got %v", e.Type)
	}
}

func TestManagerFailingDriver(t *testing.T) {
	var logged bytes.Buffer
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logged.Write(b)
	}), nil))
	bad := &fakeDriver{name: "hidtel", fail: errors.New("open hidraw: permission denied")}
	good := newFakeDriver("sim")
	m := startManager(t, log, bad, good)
	events, cancel := m.Subscribe()
	defer cancel()
	good.events <- event(device.Arrived, dev("hs1", device.KindHeadset, "", ""))
	receive(t, events)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		logMu.Lock()
		s := logged.String()
		logMu.Unlock()
		if strings.Contains(s, "device driver failed") && strings.Contains(s, "driver=hidtel") &&
			strings.Contains(s, "permission denied") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %q does not report the failed driver", s)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func TestManagerWriteSettings(t *testing.T) {
	writer := &writingDriver{fakeDriver: newFakeDriver("jabra"), written: map[string]map[string]string{}}
	plain := newFakeDriver("hidtel")
	m := startManager(t, nil, writer, plain)
	events, cancel := m.Subscribe()
	defer cancel()
	writer.events <- event(device.Arrived, dev("hs1", device.KindHeadset, "", ""))
	plain.events <- event(device.Arrived, dev("hs2", device.KindHeadset, "", ""))
	receive(t, events)
	receive(t, events)

	tests := []struct {
		name    string
		id      string
		values  map[string]string
		errs    map[string]string // setting → part of its error
		written map[string]string
	}{
		{"routed to the owning driver", "hs1", map[string]string{"SIDETONE": "2", "VOICE_PROMPTS": "1"}, nil,
			map[string]string{"SIDETONE": "2", "VOICE_PROMPTS": "1"}},
		{"the driver's errors come back", "hs1", map[string]string{"AUTO_OFF": "bad"},
			map[string]string{"AUTO_OFF": "refused"}, nil},
		{"a driver that cannot write", "hs2", map[string]string{"SIDETONE": "2", "AUTO_OFF": "1"},
			map[string]string{"SIDETONE": "driver hidtel cannot write settings", "AUTO_OFF": "driver hidtel cannot write settings"}, nil},
		{"an unknown device", "hs9", map[string]string{"SIDETONE": "2"}, map[string]string{"SIDETONE": `no device "hs9"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writer.mu.Lock()
			clear(writer.written)
			writer.mu.Unlock()
			errs := m.WriteSettings(context.Background(), tt.id, tt.values)
			if !slices.Equal(slices.Sorted(maps.Keys(errs)), slices.Sorted(maps.Keys(tt.errs))) {
				t.Fatalf("errors %v, want errors for %v", errs, tt.errs)
			}
			for name, want := range tt.errs {
				if !strings.Contains(errs[name].Error(), want) {
					t.Errorf("error for %s = %q, want %q", name, errs[name], want)
				}
			}
			writer.mu.Lock()
			defer writer.mu.Unlock()
			if !maps.Equal(writer.written[tt.id], tt.written) {
				t.Errorf("written %v, want %v", writer.written[tt.id], tt.written)
			}
		})
	}
}

func TestManagerRunWithoutDrivers(t *testing.T) {
	m := device.NewManager(device.ManagerParams{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := m.Run(ctx); err != nil {
		t.Errorf("Run = %v", err)
	}
}
