package sim

import (
	"context"
	"fmt"

	"github.com/earshot-app/earshot/device"
)

// HasLight tells whether id is an attached simulated busylight, or a
// scripted HID device whose driver switches its light.
func (d *Driver) HasLight(id string) bool {
	if h := d.hostFor(id); h != nil {
		return h.HasLight(id)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	sd := d.st.devices[id]
	return sd != nil && sd.attached && sd.Light != nil
}

// SetLight shows state on a simulated busylight and emits Changed with
// it; a scripted HID device's light is switched through its driver.
func (d *Driver) SetLight(ctx context.Context, id string, state device.LightState) error {
	if h := d.hostFor(id); h != nil {
		return h.SetLight(ctx, id, state)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	sd := d.st.devices[id]
	if sd == nil || !sd.attached || sd.Light == nil {
		return fmt.Errorf("set light: simulated busylight %q is not attached", id)
	}
	if *sd.Light == state {
		return nil
	}
	*sd.Light = state
	if d.emit != nil {
		d.emit(device.Event{Type: device.Changed, At: d.clk.Now(), Device: sd.Clone()})
	}
	return nil
}
