package sim

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
)

var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// player runs a Driver on a fake clock and records what it emits and logs.
type player struct {
	t      *testing.T
	clk    *clock.Fake
	driver *Driver
	log    bytes.Buffer // guarded by mu
	mu     sync.Mutex
	events []device.Event
}

func (p *player) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.Write(b)
}

// play starts the scenario on a fake clock (or on clk when given) and stops it
// when the test ends.
func play(t *testing.T, json string) *player {
	t.Helper()
	s, err := ParseScenario([]byte(json))
	if err != nil {
		t.Fatal(err)
	}
	p := &player{t: t, clk: clock.NewFake(t0)}
	p.driver = New(s, p.clk)
	p.driver.Logger = slog.New(slog.NewTextHandler(p, nil))
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error)
	go func() {
		ran <- p.driver.Run(ctx, func(e device.Event) {
			p.mu.Lock()
			p.events = append(p.events, e)
			p.mu.Unlock()
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	})
	return p
}

// eventually fails the test when cond does not hold within a few seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// advance moves the clock by d once the driver waits on it.
func (p *player) advance(d time.Duration) {
	p.t.Helper()
	eventually(p.t, "the driver to wait on the clock", func() bool { return p.clk.Waiters() > 0 })
	p.clk.Advance(d)
}

// finish advances the clock a second at a time until the first pass is done.
func (p *player) finish() {
	p.t.Helper()
	for {
		eventually(p.t, "the driver to wait or finish", func() bool { return p.clk.Waiters() > 0 || p.done() })
		if p.done() {
			return
		}
		p.clk.Advance(time.Second)
	}
}

func (p *player) done() bool {
	select {
	case <-p.driver.Done():
		return true
	default:
		return false
	}
}

// emitted describes the events emitted after time zero.
func (p *player) emitted() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, e := range p.events {
		if e.At.After(t0) {
			out = append(out, describe(e))
		}
	}
	return out
}

func (p *player) logged() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// describe is a short readable form of an event.
func describe(e device.Event) string {
	s := e.Type.String() + " " + e.Device.ID
	switch e.Type {
	case device.Arrived, device.Changed, device.Removed:
		s += " " + describeState(e.Device)
	case device.ButtonPressed:
		s += " " + string(e.Button)
	case device.LinkQualitySample:
		s += " " + string(e.LinkQuality)
	case device.TelemetrySample:
		tm := e.Telemetry
		if tm.AudioExposureDb != nil {
			s += fmt.Sprintf(" exposure=%v", *tm.AudioExposureDb)
		}
		if tm.BackgroundNoiseDb != nil {
			s += fmt.Sprintf(" noise=%v", *tm.BackgroundNoiseDb)
		}
		if tm.BoomArmBadlyPositioned != nil {
			s += fmt.Sprintf(" boomArm=%v", *tm.BoomArmBadlyPositioned)
		}
		if tm.MicrophoneMalfunction != nil {
			s += fmt.Sprintf(" mic=%v", *tm.MicrophoneMalfunction)
		}
	}
	return strings.TrimSpace(s)
}

// describeState lists what is notable in a device's State and Settings.
func describeState(d device.Device) string {
	var parts []string
	if d.InCall {
		parts = append(parts, "call")
	}
	if d.Muted {
		parts = append(parts, "muted")
	}
	if d.Streaming {
		parts = append(parts, "streaming")
	}
	if b := d.Battery; b != nil {
		s := fmt.Sprintf("battery=%d", b.Level)
		if b.Charging {
			s += "+charging"
		}
		if b.Low {
			s += "+low"
		}
		parts = append(parts, s)
	}
	if d.PeopleCount != nil {
		parts = append(parts, fmt.Sprintf("people=%d", *d.PeopleCount))
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range d.Settings {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, k+"="+d.Settings[k])
	}
	return strings.Join(parts, " ")
}

const desk = `{"id": "dg1", "kind": "dongle"},
	{"id": "hs1", "kind": "headset", "parent": "dg1", "connection": "Bluetooth", "battery": {"level": 80}},
	{"id": "base1", "kind": "base"},
	{"id": "hs2", "kind": "headset", "parent": "base1", "connection": "DECT", "battery": {"level": 60}},
	{"id": "cam1", "kind": "camera"},
	{"id": "sp1", "kind": "speakerphone"},
	{"id": "pc1", "kind": "other", "vendorId": "47F", "productId": "C056"}`

func TestDriverPlaysActions(t *testing.T) {
	tests := []struct {
		name, timeline string
		want           []string
		logged         string
	}{
		{"attach", `{"at": 1, "do": "attach", "device": "sp1"}`,
			[]string{"arrived sp1"}, ""},
		{"detach", `{"at": 1, "do": "detach", "device": "sp1"}`, []string{"removed sp1"}, ""},
		{"detach a parent detaches its children first", `{"at": 1, "do": "detach", "device": "base1"}`,
			[]string{"removed hs2 battery=60", "removed base1"}, ""},
		{"detach drops the call", `{"at": 0, "do": "attach", "device": "hs1"}, {"at": 1, "do": "callStart", "device": "hs1"}, {"at": 2, "do": "detach", "device": "hs1"},
			{"at": 3, "do": "attach", "device": "hs1"}`,
			[]string{"changed hs1 call battery=80", "removed hs1 call battery=80", "arrived hs1 battery=80"}, ""},
		{"callStart and callEnd", `{"at": 1, "do": "callStart", "device": "sp1"}, {"at": 2, "do": "callEnd", "device": "sp1"}`,
			[]string{"changed sp1 call", "changed sp1"}, ""},
		{"mute in a call toggles and callEnd unmutes", `{"at": 1, "do": "callStart", "device": "sp1"},
			{"at": 2, "do": "press", "device": "sp1", "button": "mute"}, {"at": 3, "do": "callEnd", "device": "sp1"}`,
			[]string{"changed sp1 call", "button sp1 mute", "changed sp1 call muted", "changed sp1"}, ""},
		{"mute twice", `{"at": 1, "do": "callStart", "device": "sp1"},
			{"at": 2, "do": "press", "device": "sp1", "button": "mute"}, {"at": 3, "do": "press", "device": "sp1", "button": "mute"}`,
			[]string{"changed sp1 call", "button sp1 mute", "changed sp1 call muted", "button sp1 mute", "changed sp1 call"}, ""},
		{"mute outside a call", `{"at": 1, "do": "press", "device": "sp1", "button": "mute"}`, []string{"button sp1 mute"}, ""},
		{"volume buttons", `{"at": 1, "do": "press", "device": "sp1", "button": "volumeUp"},
			{"at": 1, "do": "press", "device": "sp1", "button": "volumeDown"}`,
			[]string{"button sp1 volumeUp", "button sp1 volumeDown"}, ""},
		{"telemetry", `{"at": 1, "do": "telemetry", "device": "hs1", "audioExposureDb": 72.5, "backgroundNoiseDb": 45,
			"boomArmBadlyPositioned": true, "microphoneMalfunction": false}, {"at": 2, "do": "telemetry", "device": "hs1", "backgroundNoiseDb": 40}`,
			[]string{"telemetry hs1 exposure=72.5 noise=45 boomArm=true mic=false", "telemetry hs1 noise=40"}, ""},
		{"linkQuality", `{"at": 1, "do": "linkQuality", "device": "hs1", "level": "LOW"}, {"at": 2, "do": "linkQuality", "device": "hs1", "level": "high"}`,
			[]string{"linkQuality hs1 Low", "linkQuality hs1 High"}, ""},
		{"dectHandover", `{"at": 1, "do": "dectHandover", "device": "hs2"}`, []string{"dectHandover hs2"}, ""},
		{"battery", `{"at": 1, "do": "battery", "device": "hs1", "level": 21}, {"at": 2, "do": "battery", "device": "hs1", "level": 20},
			{"at": 3, "do": "battery", "device": "hs1", "level": 20, "charging": true}, {"at": 4, "do": "battery", "device": "hs1", "level": 50, "low": true},
			{"at": 5, "do": "battery", "device": "hs1", "level": 5, "low": false}`,
			[]string{"changed hs1 battery=21", "changed hs1 battery=20+low", "changed hs1 battery=20+charging",
				"changed hs1 battery=50+low", "changed hs1 battery=5"}, ""},
		{"peopleCount", `{"at": 1, "do": "peopleCount", "device": "cam1", "count": 4}, {"at": 2, "do": "peopleCount", "device": "cam1", "count": 0}`,
			[]string{"changed cam1 people=4", "changed cam1 people=0"}, ""},
		{"streaming", `{"at": 1, "do": "streamStart", "device": "cam1"}, {"at": 2, "do": "streamEnd", "device": "cam1"}`,
			[]string{"changed cam1 streaming", "changed cam1"}, ""},
		{"action on a detached device is skipped", `{"at": 1, "do": "detach", "device": "sp1"}, {"at": 2, "do": "callStart", "device": "sp1"}`,
			[]string{"removed sp1"}, "device not attached; step skipped"},
		{"attaching twice is skipped", `{"at": 1, "do": "attach", "device": "sp1"}, {"at": 2, "do": "attach", "device": "sp1"}`,
			[]string{"arrived sp1"}, "device already attached; step skipped"},
		{"attaching a child without its parent is skipped", `{"at": 0, "do": "attach", "device": "hs1"}, {"at": 1, "do": "detach", "device": "dg1"}, {"at": 2, "do": "attach", "device": "hs1"}`,
			[]string{"removed hs1 battery=80", "removed dg1"}, "parent not attached; step skipped"},
		{"a device keeps its battery while detached", `{"at": 0, "do": "attach", "device": "dg1"}, {"at": 0, "do": "attach", "device": "hs1"},
			{"at": 1, "do": "battery", "device": "hs1", "level": 30}, {"at": 2, "do": "detach", "device": "dg1"},
			{"at": 3, "do": "attach", "device": "dg1"}, {"at": 4, "do": "attach", "device": "hs1"}`,
			[]string{"changed hs1 battery=30", "removed hs1 battery=30", "removed dg1", "arrived dg1", "arrived hs1 battery=30"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := play(t, scenario(desk, tt.timeline))
			p.finish()
			if got := p.emitted(); !slices.Equal(got, tt.want) {
				t.Errorf("events\n got %q\nwant %q", got, tt.want)
			}
			if logged := p.logged(); tt.logged == "" && logged != "" || !strings.Contains(logged, tt.logged) {
				t.Errorf("logged %q, want %q", logged, tt.logged)
			}
		})
	}
}

func TestDriverArrivalsAndTimes(t *testing.T) {
	p := play(t, scenario(desk, `{"at": 0, "do": "detach", "device": "sp1"}, {"at": 0, "do": "battery", "device": "hs1", "level": 79},
		{"at": "1m30s", "do": "callStart", "device": "hs1"}`))
	p.advance(90 * time.Second)
	p.finish()
	p.mu.Lock()
	defer p.mu.Unlock()
	var got []string
	for _, e := range p.events {
		got = append(got, fmt.Sprintf("%v %s", e.At.Sub(t0), describe(e)))
	}
	want := []string{"0s arrived dg1", "0s arrived base1", "0s arrived cam1", "0s arrived sp1", "0s arrived pc1",
		"0s arrived hs1 battery=80", "0s arrived hs2 battery=60", "0s removed sp1", "0s changed hs1 battery=79",
		"1m30s changed hs1 call battery=79"}
	if !slices.Equal(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
	if pc := p.events[4].Device; pc.VendorID != 0x047F || pc.ProductID != 0xC056 || pc.Kind != device.KindOther {
		t.Errorf("pc1 = %+v", pc.Info)
	}
}

func TestDriverSpeed(t *testing.T) {
	s, err := ParseScenario([]byte(scenario(desk, `{"at": "2m", "do": "callStart", "device": "sp1"}`, `"speed": 60`)))
	if err != nil {
		t.Fatal(err)
	}
	base := clock.NewFake(t0)
	d := New(s, clock.NewScaled(base, t0, s.Speed()))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan device.Event, 100)
	go d.Run(ctx, func(e device.Event) { events <- e })
	eventually(t, "the driver to wait on the clock", func() bool { return base.Waiters() > 0 })
	base.Advance(1999 * time.Millisecond)
	select {
	case <-d.Done():
		t.Fatal("played 2 minutes of scenario in 1.999 s at speed 60")
	case <-time.After(10 * time.Millisecond):
	}
	base.Advance(time.Millisecond)
	<-d.Done()
	for e := range events {
		if e.Type == device.Changed {
			if e.At != t0.Add(2*time.Minute) {
				t.Errorf("callStart at %v, want t0+2m", e.At.Sub(t0))
			}
			break
		}
	}
}

func TestDriverLoops(t *testing.T) {
	p := play(t, scenario(`{"id": "hs1", "kind": "headset", "battery": {"level": 90}}`, `
		{"at": "5s", "do": "battery", "device": "hs1", "level": 50},
		{"at": "10s", "do": "battery", "device": "hs1", "level": 40},
		{"at": "20s", "do": "battery", "device": "hs1", "level": 30}`, `"loopFrom": "10s"`))
	for range 4 {
		p.advance(5 * time.Second)
	}
	eventually(t, "Done to be closed after the first pass", p.done)
	for range 4 {
		p.advance(5 * time.Second)
	}
	p.advance(0) // the driver waits for 50s: the 40s step has played
	p.mu.Lock()
	defer p.mu.Unlock()
	var got []string
	for _, e := range p.events[1:] {
		got = append(got, fmt.Sprintf("%v %d", e.At.Sub(t0), e.Device.Battery.Level))
	}
	want := []string{"5s 50", "10s 40", "20s 30", "20s 40", "30s 30", "30s 40", "40s 30", "40s 40"}
	if !slices.Equal(got, want) {
		t.Errorf("battery levels\n got %q\nwant %q", got, want)
	}
}

func TestDriverWriteSettings(t *testing.T) {
	p := play(t, scenario(`{"id": "hs1", "kind": "headset", "settings": {"WIRELESS_RANGE": "1", "SIDETONE": "2"}},
		{"id": "sp1", "kind": "speakerphone"}`, `{"at": 1, "do": "detach", "device": "sp1"}`))
	p.advance(time.Second)
	p.finish()
	p.clk.Advance(time.Second)
	if errs := p.driver.WriteSettings(context.Background(), "hs1", map[string]string{"WIRELESS_RANGE": "3"}); errs != nil {
		t.Errorf("WriteSettings(hs1) = %v", errs)
	}
	errs := p.driver.WriteSettings(context.Background(), "sp1", map[string]string{"VOLUME": "1"})
	if err := errs["VOLUME"]; err == nil || !strings.Contains(err.Error(), `simulated device "sp1" is not attached`) {
		t.Errorf("WriteSettings(sp1) = %v, want not attached", errs)
	}
	want := []string{"removed sp1", "changed hs1 SIDETONE=2 WIRELESS_RANGE=3"}
	if got := p.emitted(); !slices.Equal(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
}

// TestDemoPlays plays the demo's first pass and one loop: no step may be
// skipped, and it must keep the desk busy.
func TestDemoPlays(t *testing.T) {
	p := play(t, string(assets.DemoScenario()))
	p.finish()
	sc := p.driver.scenario
	for end := t0.Add(sc.timeline[len(sc.timeline)-1].at + sc.period); p.clk.Now().Before(end); {
		p.advance(time.Second)
	}
	if logged := p.logged(); logged != "" {
		t.Errorf("the demo skips steps:\n%s", logged)
	}
	types := map[device.EventType]int{}
	calls := map[string]bool{}
	p.mu.Lock()
	for _, e := range p.events {
		types[e.Type]++
		if e.Device.InCall {
			calls[e.Device.ID] = true
		}
	}
	p.mu.Unlock()
	for ty := device.Arrived; ty <= device.DectHandover; ty++ {
		if types[ty] == 0 {
			t.Errorf("the demo emits no %s event", ty)
		}
	}
	if len(calls) < 3 {
		t.Errorf("calls on %d devices, want ≥ 3", len(calls))
	}
}
