package presence

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
)

// fakeLights is a device.Manager's light side: devices, and what each light
// was last set to.
type fakeLights struct {
	mu    sync.Mutex
	devs  map[string]device.Device
	shown map[string]device.LightState
	set   chan string
}

func newFakeLights() *fakeLights {
	return &fakeLights{devs: map[string]device.Device{}, shown: map[string]device.LightState{}, set: make(chan string, 100)}
}

func (f *fakeLights) add(id string, kind device.Kind) device.Device {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := device.Device{Info: device.Info{ID: id, Name: "dev " + id, Kind: kind}}
	f.devs[id] = d
	return d
}

func (f *fakeLights) Devices() []device.Device {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []device.Device
	for _, d := range f.devs {
		out = append(out, d)
	}
	return out
}

func (f *fakeLights) HasLight(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.devs[id]
	return d.Kind == device.KindBusylight || strings.HasPrefix(d.ID, "lit-") // a headset with its own busylight
}

func (f *fakeLights) SetLight(_ context.Context, id string, s device.LightState) error {
	f.mu.Lock()
	f.shown[id] = s
	f.mu.Unlock()
	f.set <- id
	return nil
}

// waitShown waits until light id shows want.
func (f *fakeLights) waitShown(t *testing.T, id string, want device.LightState) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		f.mu.Lock()
		got, ok := f.shown[id]
		f.mu.Unlock()
		if ok && got == want {
			return
		}
		select {
		case <-f.set:
		case <-deadline:
			t.Fatalf("light %s shows %v (set %v), want %v", id, got, ok, want)
		}
	}
}

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func newTestService(t *testing.T, p ServiceParams) (*Service, *fakeLights, *clock.Fake, *logBuf) {
	t.Helper()
	lights := newFakeLights()
	clk := clock.NewFake(t0)
	logs := &logBuf{}
	p.Lights, p.Clock, p.Logger = lights, clk, slog.New(slog.NewTextHandler(logs, nil))
	s := NewService(p)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s, lights, clk, logs
}

func TestServiceLightsFollowCalls(t *testing.T) {
	s, lights, _, _ := newTestService(t, ServiceParams{})
	col := DefaultColours()
	omega := lights.add("omega", device.KindBusylight)
	s.HandleEvent(device.Event{Type: device.Arrived, Device: omega})
	lights.waitShown(t, "omega", col[Free])
	if _, err := s.Post("Manual Changer", "busy"); err != nil {
		t.Fatal(err)
	}
	lights.waitShown(t, "omega", col[Busy])
	headset := lights.add("h", device.KindHeadset)
	s.HandleEvent(device.Event{Type: device.Arrived, Device: headset})
	headset.InCall = true
	s.HandleEvent(device.Event{Type: device.Changed, Device: headset})
	lights.waitShown(t, "omega", col[OnThePhone])
	if st := s.Status(); st.State != OnThePhone || st.Rule != RuleCall || st.DecidedBy != "dev h" {
		t.Fatalf("status = %+v", st.Decision)
	}
	// A light attached during the call takes the state at once.
	late := lights.add("late", device.KindBusylight)
	s.HandleEvent(device.Event{Type: device.Arrived, Device: late})
	lights.waitShown(t, "late", col[OnThePhone])
	headset.InCall = false
	s.HandleEvent(device.Event{Type: device.Changed, Device: headset})
	lights.waitShown(t, "omega", col[Busy])
	lights.waitShown(t, "late", col[Busy])
	h := s.Status().History
	if len(h) < 3 || h[0].Reason != "call ended on dev h" || h[1].Reason != "call started on dev h" {
		t.Fatalf("history = %+v", h)
	}
	// Quitting turns the lights off.
	s.Stop()
	lights.waitShown(t, "omega", device.LightState{})
	lights.waitShown(t, "late", device.LightState{})
}

func TestServiceRingingBlinks(t *testing.T) {
	s, lights, _, _ := newTestService(t, ServiceParams{Colours: Colours{Ringing: {Colour: device.Colour{B: 0xFF}, Blink: true}}})
	l := lights.add("l", device.KindBusylight)
	s.HandleEvent(device.Event{Type: device.Arrived, Device: l})
	if _, err := s.Post("MS Teams", "Call-Alert"); err != nil {
		t.Fatal(err)
	}
	lights.waitShown(t, "l", device.LightState{Colour: device.Colour{B: 0xFF}, Blink: true})
	if _, err := s.Post("MS Teams", "on the phone"); err != nil {
		t.Fatal(err)
	}
	lights.waitShown(t, "l", DefaultColours()[OnThePhone])
}

func TestServiceExpiry(t *testing.T) {
	s, lights, clk, _ := newTestService(t, ServiceParams{Lifetime: time.Minute})
	l := lights.add("l", device.KindBusylight)
	s.HandleEvent(device.Event{Type: device.Arrived, Device: l})
	if _, err := s.Post("Manual Changer", "DND"); err != nil {
		t.Fatal(err)
	}
	lights.waitShown(t, "l", DefaultColours()[DND])
	// The expiry loop must have registered its wait before the clock moves.
	deadline := time.Now().Add(5 * time.Second)
	for s.Status().State == DND && time.Now().Before(deadline) {
		clk.Advance(10 * time.Second)
		time.Sleep(10 * time.Millisecond)
	}
	lights.waitShown(t, "l", DefaultColours()[Free])
	st := s.Status()
	if len(st.Sources) != 1 || !st.Sources[0].Expired || st.History[0].Reason != "an application's state expired" {
		t.Fatalf("status = %+v", st)
	}
}

func TestServiceUnknownIsLoggedInTheSeedsWords(t *testing.T) {
	s, _, _, logs := newTestService(t, ServiceParams{})
	if _, err := s.Post("Skype", "On-The-Phone"); err != ErrUnknownApplication {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.Post("Zoom", "Sleeping"); err != ErrUnknownEvent {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{`msg="transforming: ignored, sending application is unknown" application=Skype`,
		`msg="transforming: ignored, sending event is unknown" application=Zoom event=Sleeping`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if st := s.Status(); len(st.Sources) != 0 || st.State != Free {
		t.Fatalf("an unknown post changed the state: %+v", st)
	}
}

func TestServicePrefsSurviveRestart(t *testing.T) {
	prefs := &Prefs{Fs: afero.NewMemMapFs(), Dir: "/data"}
	s, _, _, _ := newTestService(t, ServiceParams{Prefs: prefs})
	for _, app := range []string{"Zoom", "Webex", "Slack"} {
		if _, err := s.Post(app, "Call Alert"); err != nil {
			t.Fatal(err)
		}
	}
	s.MovePriority("Zoom", -1)
	if err := s.SetManual(Lunch); err != nil {
		t.Fatal(err)
	}
	if err := s.SetColour(Lunch, device.LightState{Colour: device.Colour{R: 1, G: 2, B: 3}, Blink: true}); err != nil {
		t.Fatal(err)
	}
	again := NewService(ServiceParams{Prefs: prefs, Lights: newFakeLights()})
	st := again.Status()
	if got := strings.Join(st.Priority, ","); got != "Slack,Zoom,Webex" {
		t.Errorf("priority = %s", got)
	}
	if st.Manual != Lunch || st.State != Lunch || st.Colours[Lunch] != (device.LightState{Colour: device.Colour{R: 1, G: 2, B: 3}, Blink: true}) {
		t.Errorf("status = %+v", st)
	}
	if err := s.SetManual("asleep"); err == nil {
		t.Error("SetManual accepted asleep")
	}
}

func TestServiceTestLight(t *testing.T) {
	s, lights, clk, _ := newTestService(t, ServiceParams{})
	l := lights.add("l", device.KindBusylight)
	s.HandleEvent(device.Event{Type: device.Arrived, Device: l})
	lights.waitShown(t, "l", DefaultColours()[Free])
	blue := device.LightState{Colour: device.Colour{B: 0xFF}}
	s.TestLight(blue)
	lights.waitShown(t, "l", blue)
	clk.Advance(TestLightFor)
	lights.waitShown(t, "l", DefaultColours()[Free])
}

func TestPrefsAPIChoice(t *testing.T) {
	p := &Prefs{Fs: afero.NewMemMapFs(), Dir: "/d"}
	log := slog.New(slog.DiscardHandler)
	if _, ok := p.LoadAPI(log); ok {
		t.Fatal("a choice before any was made")
	}
	if err := p.SaveAPI(true, "127.0.0.1:9000"); err != nil {
		t.Fatal(err)
	}
	if c, ok := p.LoadAPI(log); !ok || !c.Enabled || c.Address != "127.0.0.1:9000" {
		t.Fatalf("LoadAPI = %+v, %v", c, ok)
	}
	for name, body := range map[string]string{"damaged": "{", "bad address": `{"enabled":true,"address":"9000"}`} {
		if err := afero.WriteFile(p.Fs, "/d/presence-api.json", []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, ok := p.LoadAPI(log); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestServiceHeadsetBusylight: a headset's own busylight is one red light:
// on while busy, in a call or in dnd, off when free or away, whatever the
// colours of the USB busylights.
func TestServiceHeadsetBusylight(t *testing.T) {
	s, lights, _, _ := newTestService(t, ServiceParams{})
	hs := lights.add("lit-hs", device.KindHeadset)
	s.HandleEvent(device.Event{Type: device.Arrived, Device: hs})
	off, on := device.LightState{}, device.LightState{Colour: device.Colour{R: 0xFF}}
	lights.waitShown(t, "lit-hs", off)
	for _, c := range []struct {
		st   State
		want device.LightState
	}{{DND, on}, {Away, off}, {Busy, on}, {Lunch, off}, {Free, off}, {OnThePhone, on}} {
		if err := s.SetManual(c.st); err != nil {
			t.Fatal(err)
		}
		lights.waitShown(t, "lit-hs", c.want)
	}
	// Quitting turns it off too.
	s.Stop()
	lights.waitShown(t, "lit-hs", off)
}
