package sim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
)

const readOnlyScenario = `{"devices":[
 {"id":"hs1","kind":"headset","name":"H","vendorId":"0B0E","productId":"30A4","settings":{"A":"1"},
  "readOnlySettings":{"B":"only by USB cable","C":""}},
 {"id":"hs2","kind":"headset","name":"Late","vendorId":"0B0E","productId":"30A4"}],
 "timeline":[{"at":"0s","do":"attach","device":"hs2"},{"at":"5s","do":"detach","device":"hs1"}]}`

func TestReadOnlySettings(t *testing.T) {
	s, err := ParseScenario([]byte(readOnlyScenario))
	if err != nil {
		t.Fatal(err)
	}
	d := New(s, clock.NewFake(time.Unix(0, 0)))
	d.Settle()
	if err := d.CanWrite("hs1", "A"); err != nil {
		t.Errorf("A: %v", err)
	}
	if err := d.CanWrite("hs1", "B"); !errors.Is(err, device.ErrNotWritable) || !strings.HasPrefix(err.Error(), "only by USB cable") {
		t.Errorf("B: %v", err)
	}
	if err := d.CanWrite("hs1", "C"); err == nil || !strings.Contains(err.Error(), "does not let this setting be written") {
		t.Errorf("C: %v", err)
	}
	errs := d.WriteSettings(context.Background(), "hs1", map[string]string{"A": "2", "B": "x"})
	if len(errs) != 1 || errs["B"] == nil {
		t.Errorf("write errors = %v", errs)
	}
	if dev, ok := d.Device("hs1"); !ok || dev.Settings["A"] != "2" || dev.Settings["B"] != "" {
		t.Errorf("device = %+v", dev.Settings)
	}
	// Settle attached the device the timeline attaches at 0s.
	if _, ok := d.Device("hs2"); !ok {
		t.Error("hs2 is not attached after Settle")
	}
	if _, err := ParseScenario([]byte(strings.Replace(readOnlyScenario, `"C":""`, `"C":3`, 1))); err == nil ||
		!strings.Contains(err.Error(), "devices[0].readOnlySettings.C") {
		t.Errorf("a reason that is not a string: %v", err)
	}
}
