package presence

import (
	"context"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/busylight"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
	"github.com/earshot-app/earshot/device/hidhost"
	"github.com/earshot-app/earshot/device/sim"
)

// The frames each light must receive, in its own format (docs/hardware.md §3): the
// kuando's 64-byte frame after the 00 report ID, the Embrava's R B G report.
func kuandoHex(step, sum string) string {
	return "00" + step + strings.Repeat("00", 51) + "ffffff" + sum
}

var (
	omegaRed       = kuandoHex("1000640000000000", "0371") // onthephone: red, 100 on kuando's scale
	omegaPurple    = kuandoHex("1000320064000000", "03a3") // dnd: #8000FF → 50, 0, 100
	omegaKeepAlive = kuandoHex("8f00000000000000", "038c")
	embravaRed     = "00ff0000000000ff22"
	embravaPurple  = "0080ff000000" + "00ff22" // red 80, blue FF, green 00
)

// desk is a headset played from a scenario beside two scripted HID lights,
// all in one Manager, with the presence service fed by its stream as the
// Core feeds it.
type desk struct {
	bus *replay.Bus
	clk *clock.Fake
	mgr *device.Manager
	svc *Service
}

func newDesk(t *testing.T, scenario string) *desk {
	t.Helper()
	b, err := os.ReadFile(scenario)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.ParseScenario(b)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	bus := replay.New()
	for _, sp := range []hid.Info{
		{Path: "sim:omega/0", VendorID: 0x27BB, ProductID: 0x3BCD, Product: "kuando Busylight Omega", Bus: "sim", Interface: 0},
		{Path: "sim:embrava/0", VendorID: 0x2C0D, ProductID: 0x0002, Product: "Blynclight Plus", Bus: "sim", Interface: 0},
	} {
		if err := bus.Add(replay.Spec{Info: sp}); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.DiscardHandler)
	host := hidhost.New(hidhost.Params{Bus: bus, Protocols: []hid.Protocol{busylight.New(clk)}, Clock: clk, Logger: log})
	player := sim.New(sc, clk)
	player.Logger = log
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{player, host}, Logger: log})
	svc := NewService(ServiceParams{Lights: mgr, Clock: clk, Logger: log})
	player.OnPresence = func(app, ev string) { _, _ = svc.Post(app, ev) }

	ctx, cancel := context.WithCancel(context.Background())
	events, unsubscribe := mgr.Subscribe()
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		for e := range events {
			svc.HandleEvent(e)
		}
	}()
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ran := make(chan struct{})
	go func() { defer close(ran); _ = mgr.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-ran
		unsubscribe()
		<-fed
		svc.Stop()
	})
	return &desk{bus: bus, clk: clk, mgr: mgr, svc: svc}
}

// lastFrame is the last colour frame (not a keep-alive) written to the
// light at path, in hex.
func (d *desk) lastFrame(path string) string {
	var last string
	for _, w := range d.bus.Writes() {
		if f := hex.EncodeToString(w.Report); w.Path == path && f != omegaKeepAlive {
			last = f
		}
	}
	return last
}

// waitFrame waits until the last colour frame written to the light at path
// is want.
func (d *desk) waitFrame(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for d.lastFrame(path) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s last got %s\nwant          %s", path, d.lastFrame(path), want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitSimLight waits until the simulated busylight id shows want (its
// snapshot in the Manager, as the card shows it).
func (d *desk) waitSimLight(t *testing.T, id string, want device.LightState) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		dev, ok := d.mgr.Device(id)
		if ok && dev.Light != nil && *dev.Light == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s shows %+v, want %v", id, dev.Light, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// advanceTo moves the scenario clock second by second to at (from the
// start), letting the drivers' goroutines see each second.
func (d *desk) advanceTo(start time.Time, at time.Duration) {
	for d.clk.Now().Before(start.Add(at)) {
		d.clk.Advance(time.Second)
		time.Sleep(3 * time.Millisecond)
	}
}

// TestLightsFollowTheHeadsetsCall plays testdata/desk-call.json (a headset
// whose call starts at 10 s and ends at 40 s, a simulated kuando Alpha, and
// a Manual Changer posting DND at 2 s) beside a scripted kuando Omega and a
// scripted Embrava Blynclight Plus on the HID host.
func TestLightsFollowTheHeadsetsCall(t *testing.T) {
	d := newDesk(t, "testdata/desk-call.json")
	start := d.clk.Now()
	for _, id := range []string{"sim:omega/0", "sim:embrava/0"} {
		deadline := time.Now().Add(5 * time.Second)
		for !d.mgr.HasLight(id) {
			if time.Now().After(deadline) {
				t.Fatalf("%s never became a light", id)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	d.advanceTo(start, 3*time.Second)
	d.waitFrame(t, "sim:omega/0", omegaPurple)
	d.waitFrame(t, "sim:embrava/0", embravaPurple)
	d.waitSimLight(t, "bl", DefaultColours()[DND])

	d.advanceTo(start, 10*time.Second)
	d.waitFrame(t, "sim:omega/0", omegaRed)
	d.waitFrame(t, "sim:embrava/0", embravaRed)
	d.waitSimLight(t, "bl", DefaultColours()[OnThePhone])
	if st := d.svc.Status(); st.State != OnThePhone || st.DecidedBy != "Jabra Evolve2 65" {
		t.Fatalf("during the call: %+v", st.Decision)
	}
	callStarted := len(d.bus.Writes())

	d.advanceTo(start, 39*time.Second)
	var keepAlives, otherOmega int
	for _, w := range d.bus.Writes()[callStarted:] {
		switch {
		case w.Path == "sim:omega/0" && hex.EncodeToString(w.Report) == omegaKeepAlive:
			keepAlives++
		case w.Path == "sim:omega/0":
			otherOmega++
		case w.Path == "sim:embrava/0":
			t.Errorf("the Embrava was written during the call: % X", w.Report)
		}
	}
	// 29 s of call: a keep-alive every 8 s, so at least 3, and no colour
	// frame in between.
	if keepAlives < 3 || otherOmega != 0 {
		t.Errorf("during the call the Omega got %d keep-alives and %d other frames", keepAlives, otherOmega)
	}

	d.advanceTo(start, 40*time.Second)
	d.waitFrame(t, "sim:omega/0", omegaPurple)
	d.waitFrame(t, "sim:embrava/0", embravaPurple)
	d.waitSimLight(t, "bl", DefaultColours()[DND])
	h := d.svc.Status().History
	if len(h) < 3 || h[0].Reason != "call ended on Jabra Evolve2 65" || h[1].Reason != "call started on Jabra Evolve2 65" {
		t.Errorf("history = %+v", h)
	}
	for _, w := range d.bus.Writes() {
		if w.Kind != replay.KindOutput || (w.Path == "sim:omega/0" && len(w.Report) != 65) || (w.Path == "sim:embrava/0" && len(w.Report) != 9) {
			t.Errorf("a malformed write: %+v", w)
		}
	}
}
