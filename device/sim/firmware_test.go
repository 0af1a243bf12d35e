package sim

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
)

// updateResult is what one UpdateFirmware call ended with.
type updateResult struct {
	err      error
	progress []int
}

// startUpdate runs UpdateFirmware in the background.
func (p *player) startUpdate(id string, img device.FirmwareImage) <-chan updateResult {
	out := make(chan updateResult, 1)
	go func() {
		var mu sync.Mutex
		var r updateResult
		err := p.driver.UpdateFirmware(context.Background(), id, img, func(pct int) {
			mu.Lock()
			r.progress = append(r.progress, pct)
			mu.Unlock()
		})
		mu.Lock()
		r.err = err
		mu.Unlock()
		out <- r
	}()
	return out
}

func TestUpdateFirmware(t *testing.T) {
	img := device.FirmwareImage{Version: "2.0.0", ProductIDs: []uint16{0x30A4}}
	tests := []struct {
		name        string
		update      string // the device's "firmwareUpdate", or "" for none
		timeline    string
		img         device.FirmwareImage
		advance     []time.Duration // clock moves while the update runs
		wantFailure device.FirmwareFailure
		wantLost    bool
		wantVersion string
	}{
		{name: "success after the scenario's seconds", update: `{"result": "Success", "seconds": 30}`,
			img: img, advance: repeat(20, 1500*time.Millisecond), wantVersion: "2.0.0"},
		{name: "no firmwareUpdate key succeeds at once", img: img, wantVersion: "2.0.0"},
		{name: "the scenario's failure", update: `{"result": "Battery level too low for firmware update", "seconds": 2}`,
			img: img, advance: repeat(20, 100*time.Millisecond),
			wantFailure: device.FailureBatteryTooLow, wantVersion: "1.0.0"},
		{name: "a PID that does not match", update: `{"result": "Success", "seconds": 2}`,
			img:         device.FirmwareImage{Version: "2.0.0", ProductIDs: []uint16{0x1111}},
			wantFailure: device.FailureFileMismatch, wantVersion: "1.0.0"},
		{name: "detached mid-update", update: `{"result": "Success", "seconds": 40}`,
			timeline: `{"at": "10s", "do": "detach", "device": "hs1"}`,
			img:      img, advance: repeat(5, 2*time.Second)[:5], wantLost: true, wantVersion: "1.0.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fu := ""
			if tc.update != "" {
				fu = `, "firmwareUpdate": ` + tc.update
			}
			p := play(t, `{"devices": [{"id": "hs1", "kind": "headset", "productId": "30A4", "firmware": "1.0.0"`+fu+`}],
				"timeline": [`+tc.timeline+`]}`)
			eventually(t, "the device to arrive", func() bool { return len(p.snapshot()) > 0 })
			done := p.startUpdate("hs1", tc.img)
			for _, d := range tc.advance {
				p.advance(d)
			}
			var r updateResult
			select {
			case r = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("UpdateFirmware did not return")
			}
			switch {
			case tc.wantLost:
				if !errors.Is(r.err, device.ErrDeviceLost) {
					t.Fatalf("err = %v, want ErrDeviceLost", r.err)
				}
			case tc.wantFailure != "":
				if got := device.FailureOf(r.err); got != tc.wantFailure || r.err == nil {
					t.Fatalf("err = %v, want failure %q", r.err, tc.wantFailure)
				}
			case r.err != nil:
				t.Fatalf("err = %v", r.err)
			}
			if !slices.IsSorted(r.progress) {
				t.Errorf("progress %v goes down", r.progress)
			}
			if tc.wantFailure == "" && !tc.wantLost && (len(r.progress) == 0 || r.progress[len(r.progress)-1] != 100) {
				t.Errorf("progress %v does not end at 100", r.progress)
			}
			last := p.lastSnapshot("hs1")
			if last.Firmware != tc.wantVersion {
				t.Errorf("firmware after = %q, want %q", last.Firmware, tc.wantVersion)
			}
		})
	}
}

func TestUpdateFirmwareRefusesADetachedDevice(t *testing.T) {
	p := play(t, `{"devices": [{"id": "hs1", "kind": "headset", "productId": "30A4"}],
		"timeline": [{"at": "1s", "do": "attach", "device": "hs1"}]}`)
	err := p.driver.UpdateFirmware(context.Background(), "hs1", device.FirmwareImage{ProductIDs: []uint16{0x30A4}}, nil)
	if !errors.Is(err, device.ErrDeviceLost) {
		t.Fatalf("err = %v, want ErrDeviceLost", err)
	}
}

func repeat(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// snapshot returns the events seen so far.
func (p *player) snapshot() []device.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.events)
}

// lastSnapshot returns the device as the last event about it left it.
func (p *player) lastSnapshot(id string) device.Device {
	evs := p.snapshot()
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Device.ID == id {
			return evs[i].Device
		}
	}
	return device.Device{}
}
