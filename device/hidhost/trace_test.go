package hidhost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
)

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestTrace(t *testing.T) {
	bus := replay.New()
	spec := headsetSpec("/dev/hidraw1", 0x0B)
	spec.Features = map[byte][]byte{0x1B: {0x1B, 0x02}}
	spec.Rules = []replay.Rule{mustRule(t, "17 01", "08 02")}
	if err := bus.Add(spec); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 5, time.UTC))
	traced := Trace(bus, &out, clk, nil)
	dev, err := traced.Open("/dev/hidraw1")
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if _, err := dev.Write([]byte{0x17, 0x01}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := dev.Read(ctx, buf); err != nil {
		t.Fatal(err)
	}
	buf[0] = 0x1B
	if _, err := dev.GetFeature(buf); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.SendFeature([]byte{0x1B, 0x01}); err != nil {
		t.Fatal(err)
	}
	want := []TraceLine{
		{"2026-12-01T09:00:00.000000005Z", "047F", "C056", "/dev/hidraw1", "out", "17 01"},
		{"2026-12-01T09:00:00.000000005Z", "047F", "C056", "/dev/hidraw1", "in", "08 02"},
		{"2026-12-01T09:00:00.000000005Z", "047F", "C056", "/dev/hidraw1", "feature-in", "1B 02"},
		{"2026-12-01T09:00:00.000000005Z", "047F", "C056", "/dev/hidraw1", "feature-out", "1B 01"},
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("trace:\n%s", out.String())
	}
	for i, l := range lines {
		var got TraceLine
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatal(err)
		}
		if got != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, got, want[i])
		}
	}

	var failures []error
	broken := Trace(bus, failWriter{}, clk, func(err error) { failures = append(failures, err) })
	d2, err := broken.Open("/dev/hidraw1")
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	for range 3 {
		if _, err := d2.Write([]byte{0x09, 0x01}); err != nil {
			t.Fatal(err)
		}
	}
	if len(failures) != 1 {
		t.Errorf("%d failures reported, want 1", len(failures))
	}
	var _ hid.Bus = broken
}

func mustRule(t *testing.T, match, reply string) replay.Rule {
	t.Helper()
	r, err := replay.ParseRule(match, reply)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
