package sim

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
)

func TestBusylightAndPresenceSteps(t *testing.T) {
	sc, err := ParseScenario([]byte(`{"devices": [
		{"id": "bl1", "kind": "busylight", "name": "kuando Busylight Omega"},
		{"id": "hs1", "kind": "headset"}],
	 "timeline": [
		{"at": "1s", "do": "presence", "application": "Manual Changer", "event": "Busy"},
		{"at": "2s", "do": "detach", "device": "bl1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	d := New(sc, clk)
	var (
		mu     sync.Mutex
		posted []string
		events []device.Event
	)
	d.OnPresence = func(app, ev string) { mu.Lock(); posted = append(posted, app+"/"+ev); mu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arrived := make(chan struct{}, 10)
	go func() {
		_ = d.Run(ctx, func(e device.Event) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
			arrived <- struct{}{}
		})
	}()
	<-arrived
	<-arrived
	if !d.HasLight("bl1") || d.HasLight("hs1") || d.HasLight("nope") {
		t.Fatal("HasLight is wrong")
	}
	red := device.LightState{Colour: device.Colour{R: 0xFF}, Blink: true}
	if err := d.SetLight(ctx, "bl1", red); err != nil {
		t.Fatal(err)
	}
	<-arrived
	mu.Lock()
	last := events[len(events)-1]
	mu.Unlock()
	if last.Type != device.Changed || last.Device.Light == nil || *last.Device.Light != red {
		t.Fatalf("SetLight emitted %+v", last)
	}
	if err := d.SetLight(ctx, "hs1", red); err == nil {
		t.Fatal("a headset without a light took a colour")
	}
	for range 3 {
		clk.Advance(time.Second)
		time.Sleep(20 * time.Millisecond)
	}
	<-d.Done()
	mu.Lock()
	defer mu.Unlock()
	if len(posted) != 1 || posted[0] != "Manual Changer/Busy" {
		t.Fatalf("posted %v", posted)
	}
	if d.HasLight("bl1") {
		t.Fatal("a detached light still has a light")
	}
	if err := d.SetLight(ctx, "bl1", red); err == nil {
		t.Fatal("a detached light took a colour")
	}
}
