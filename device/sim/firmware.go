package sim

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/earshot-app/earshot/device"
)

// progressSteps is how many progress reports an update makes.
const progressSteps = 20

// UpdateFirmware plays a firmware update as the device's "firmwareUpdate"
// says (docs/simulator.md): it takes "seconds" of scenario time, reporting progress,
// then succeeds — the device runs img.Version and Changed is emitted — or
// fails with the "result" description. A device without "firmwareUpdate"
// succeeds at once. An archive whose target product ids do not include the
// device's productId fails at once with device.FailureFileMismatch. A device
// detached before the end fails with device.ErrDeviceLost and keeps its old
// version.
func (d *Driver) UpdateFirmware(ctx context.Context, id string, img device.FirmwareImage, progress func(int)) error {
	if h := d.hostFor(id); h != nil {
		return h.UpdateFirmware(ctx, id, img, progress)
	}
	if progress == nil {
		progress = func(int) {}
	}
	d.mu.Lock()
	sd := d.st.devices[id]
	switch {
	case sd == nil || !sd.attached:
		d.mu.Unlock()
		return fmt.Errorf("simulated device %q is not attached: %w", id, device.ErrDeviceLost)
	case sd.lost != nil:
		d.mu.Unlock()
		return fmt.Errorf("simulated device %q is already being updated", id)
	case !slices.Contains(img.ProductIDs, sd.ProductID):
		d.mu.Unlock()
		return &device.FirmwareError{Failure: device.FailureFileMismatch,
			Err: fmt.Errorf("archive targets product ids %04X, device is %04X", img.ProductIDs, sd.ProductID)}
	}
	answer := FirmwareUpdate{Result: "Success"}
	if sd.update != nil {
		answer = *sd.update
	}
	lost := make(chan struct{})
	sd.lost = lost
	d.mu.Unlock()
	finish := func() {
		d.mu.Lock()
		if sd.lost == lost {
			sd.lost = nil
		}
		d.mu.Unlock()
	}

	progress(0)
	step := answer.Duration / progressSteps
	for i := 1; i <= progressSteps && step > 0; i++ {
		select {
		case <-ctx.Done():
			finish()
			return fmt.Errorf("simulated firmware update of %q: %w", id, ctx.Err())
		case <-lost:
			return fmt.Errorf("simulated device %q detached at %d%%: %w", id, (i-1)*100/progressSteps, device.ErrDeviceLost)
		case <-d.clk.After(step):
		}
		if i < progressSteps {
			progress(i * 100 / progressSteps)
		}
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-lost:
		return fmt.Errorf("simulated device %q detached at the end: %w", id, device.ErrDeviceLost)
	default:
	}
	sd.lost = nil
	if answer.Result != "Success" {
		f, _ := device.ParseFirmwareFailure(answer.Result)
		return &device.FirmwareError{Failure: f, Err: errors.New("the scenario says so")}
	}
	progress(100)
	sd.Firmware = img.Version
	if d.emit != nil {
		d.emit(device.Event{Type: device.Changed, At: d.clk.Now(), Device: sd.Clone()})
	}
	return nil
}
