package device_test

import (
	"bytes"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/earshot-app/earshot/device"
)

func f64(v float64) *float64 { return &v }

// TestManagerDropsImplausibleTelemetry: a sound level that is not finite or
// outside 0–200 dB stops at the Manager, the rest of its sample goes on,
// a sample left empty is not published, and each device's episode of
// faulty samples is logged once.
func TestManagerDropsImplausibleTelemetry(t *testing.T) {
	var logged bytes.Buffer
	var logMu sync.Mutex
	log := slogTo(func(b []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logged.Write(b)
	})
	drv := newFakeDriver("sim")
	m := startManager(t, log, drv)
	events, cancel := m.Subscribe()
	defer cancel()
	hs := dev("hs1", device.KindHeadset, "Jabra Evolve2 85", "")
	sp := dev("sp1", device.KindSpeakerphone, "Jabra Speak2 75", "")
	drv.events <- event(device.Arrived, hs)
	drv.events <- event(device.Arrived, sp)
	receive(t, events)
	receive(t, events)
	yes := true
	sample := func(d device.Device, tel device.Telemetry) device.Event {
		return device.Event{Type: device.TelemetrySample, Device: d, Telemetry: tel}
	}
	tests := []struct {
		name     string
		in       device.Event
		want     string // the published sample as "audio noise boom", "" = none published
		rejected uint64 // RejectedTelemetry after
		logs     int    // warnings after
	}{
		{name: "1.7e308 alone: nothing published", in: sample(hs, device.Telemetry{AudioExposureDb: f64(1.7e308)}), rejected: 1, logs: 1},
		{name: "1.7e308 again: the same episode, not logged again", in: sample(hs, device.Telemetry{AudioExposureDb: f64(1.7e308)}), rejected: 2, logs: 1},
		{name: "NaN noise beside a good boom arm", in: sample(hs, device.Telemetry{BackgroundNoiseDb: f64(math.NaN()), BoomArmBadlyPositioned: &yes}),
			want: "- - true", rejected: 3, logs: 1},
		{name: "another device's episode is its own", in: sample(sp, device.Telemetry{AudioExposureDb: f64(math.Inf(1)), BackgroundNoiseDb: f64(40)}),
			want: "- 40 -", rejected: 4, logs: 2},
		{name: "a sound sample ends the episode", in: sample(hs, device.Telemetry{AudioExposureDb: f64(70), BackgroundNoiseDb: f64(0)}),
			want: "70 0 -", rejected: 4, logs: 2},
		{name: "a new episode is logged", in: sample(hs, device.Telemetry{AudioExposureDb: f64(-1), BackgroundNoiseDb: f64(200.5)}), rejected: 6, logs: 3},
		{name: "-Inf", in: sample(sp, device.Telemetry{AudioExposureDb: f64(math.Inf(-1))}), rejected: 7, logs: 3},
		{name: "the bounds themselves are plausible", in: sample(sp, device.Telemetry{AudioExposureDb: f64(200), BackgroundNoiseDb: f64(0)}),
			want: "200 0 -", rejected: 7, logs: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drv.events <- tt.in
			// A marker event after it: whatever comes first tells whether
			// the sample was published.
			drv.events <- event(device.Changed, tt.in.Device)
			got := receive(t, events)
			if got.Type == device.TelemetrySample {
				if s := show(got.Telemetry); s != tt.want {
					t.Errorf("published %q, want %q", s, tt.want)
				}
				got = receive(t, events)
			} else if tt.want != "" {
				t.Errorf("nothing published, want %q", tt.want)
			}
			if got.Type != device.Changed {
				t.Fatalf("got %v, want the marker", got.Type)
			}
			if n := m.RejectedTelemetry(); n != tt.rejected {
				t.Errorf("rejected %d, want %d", n, tt.rejected)
			}
			logMu.Lock()
			n := strings.Count(logged.String(), "implausible telemetry")
			line := logged.String()
			logMu.Unlock()
			if n != tt.logs {
				t.Errorf("%d warnings, want %d:\n%s", n, tt.logs, line)
			}
		})
	}
}

func show(t device.Telemetry) string {
	f := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatFloat(*p, 'g', -1, 64)
	}
	boom := "-"
	if t.BoomArmBadlyPositioned != nil && *t.BoomArmBadlyPositioned {
		boom = "true"
	}
	return f(t.AudioExposureDb) + " " + f(t.BackgroundNoiseDb) + " " + boom
}

func slogTo(w func([]byte) (int, error)) *slog.Logger {
	return slog.New(slog.NewTextHandler(writerFunc(w), nil))
}
