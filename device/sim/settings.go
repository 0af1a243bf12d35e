package sim

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/earshot-app/earshot/device"
)

// A scenario device may carry "readOnlySettings" (Earshot's extension): an
// object of setting names the simulated driver refuses to write, each with
// the reason a person is shown ("" gives a generic one), the way a real
// driver cannot write some settings over some connections:
//
//	"readOnlySettings": { "BLUETOOTH_MULTIPOINT": "only while the headset is connected by USB cable" }
//
// Driver implements device.SettingsChecker with it.

// CanWrite returns nil when the simulated driver can write the setting name
// to the device id, else why not (wrapping device.ErrNotWritable).
func (d *Driver) CanWrite(id, name string) error {
	if h := d.hostFor(id); h != nil {
		return h.CanWrite(id, name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	sd := d.st.devices[id]
	if sd == nil || !sd.attached {
		return fmt.Errorf("simulated device %q is not attached: %w", id, device.ErrNotWritable)
	}
	return sd.canWrite(name)
}

func (sd *simDevice) canWrite(name string) error {
	reason, ro := sd.readOnly[name]
	if !ro {
		return nil
	}
	if reason == "" {
		reason = "the simulated device does not let this setting be written"
	}
	return fmt.Errorf("%s: %w", reason, device.ErrNotWritable)
}

// Settle applies every step at time zero without emitting events, so a
// driver that is never run — a one-shot command — stands as
// Scenario.AtZero shows. Use it instead of Run, not before it.
func (d *Driver) Settle() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.scenario.timeline {
		if s.at > 0 {
			break
		}
		d.st.play(s, time.Time{}, func(device.Event) {}, slog.New(slog.DiscardHandler))
	}
}

// Device returns a snapshot of the attached simulated device id.
func (d *Driver) Device(id string) (device.Device, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	sd := d.st.devices[id]
	if sd == nil || !sd.attached {
		return device.Device{}, false
	}
	return sd.Clone(), true
}
