package hidhost

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
)

func TestRecord(t *testing.T) {
	bus := replay.New()
	spec := headsetSpec("/dev/hidraw1", 0x0B)
	spec.Descriptor = hexFile(t, "047F_C056_0005_000B.hex")
	if err := bus.Add(spec); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]byte{{0x08, 0x02}, {0x08, 0x03}} {
		if err := bus.Input("/dev/hidraw1", r); err != nil {
			t.Fatal(err)
		}
	}
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	type result struct {
		rec *Recording
		err error
	}
	done := make(chan result, 1)
	go func() {
		rec, err := Record(context.Background(), bus, "/dev/hidraw1", 10*time.Second, clk)
		done <- result{rec, err}
	}()
	waitClock(t, clk)
	clk.Advance(10 * time.Second)
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.rec.Reports) != 2 || len(res.rec.Descriptor) == 0 || len(bus.Writes()) != 0 {
		t.Fatalf("recording %+v, writes %v", res.rec, bus.Writes())
	}
	sc := string(res.rec.Scenario())
	for _, want := range []string{`"vendorId":"047F"`, `"esn":"S/dev/hidraw1"`, `"descriptor":"05 0B 09 05 A1 01`,
		`{"at":0,"device":"rec","do":"input","report":"08 02"}`, `"interface":3`} {
		if !strings.Contains(sc, want) {
			t.Errorf("scenario lacks %s:\n%s", want, sc)
		}
	}

	if _, err := Record(context.Background(), bus, "/dev/hidraw9", time.Second, clk); err == nil {
		t.Error("recording a missing device succeeded")
	}
	denied := headsetSpec("/dev/hidraw2", 0x0B)
	denied.NoPermission = true
	if err := bus.Add(denied); err != nil {
		t.Fatal(err)
	}
	if _, err := Record(context.Background(), bus, "/dev/hidraw2", time.Second, clk); !errors.Is(err, hid.ErrPermission) {
		t.Errorf("err = %v, want ErrPermission", err)
	}
}
