package hidhost

import (
	"context"
	"fmt"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/hid"
)

// serve records handler for the device id (nil withdraws it).
func (h *Host) serve(id string, handler any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if handler == nil {
		delete(h.handlers, id)
		return
	}
	h.handlers[id] = handler
}

// handler returns the handler the protocol served for id as a T.
func handler[T any](h *Host, id string) (T, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t, ok := h.handlers[id].(T)
	return t, ok
}

// WriteSettings writes values through the SettingsHandler of the device.
func (h *Host) WriteSettings(ctx context.Context, id string, values map[string]string) map[string]error {
	if s, ok := handler[hid.SettingsHandler](h, id); ok {
		return s.WriteSettings(ctx, values)
	}
	errs := make(map[string]error, len(values))
	for name := range values {
		errs[name] = fmt.Errorf("write setting %s: %s: %w", name, id, errNoSettings)
	}
	return errs
}

var errNoSettings = fmt.Errorf("its driver writes no settings: %w", device.ErrNotWritable)

// CanWrite asks the device's SettingsHandler.
func (h *Host) CanWrite(id, name string) error {
	if s, ok := handler[hid.SettingsHandler](h, id); ok {
		return s.CanWrite(name)
	}
	return errNoSettings
}

// UpdateFirmware updates through the FirmwareHandler of the device.
func (h *Host) UpdateFirmware(ctx context.Context, id string, img device.FirmwareImage, progress func(int)) error {
	if f, ok := handler[hid.FirmwareHandler](h, id); ok {
		return f.UpdateFirmware(ctx, img, progress)
	}
	return fmt.Errorf("update firmware: %s: its driver cannot update firmware", id)
}

// CanUpdateFirmware tells whether the device's protocol served a
// FirmwareHandler.
func (h *Host) CanUpdateFirmware(id string) bool {
	_, ok := handler[hid.FirmwareHandler](h, id)
	return ok
}

// SetLight switches the light through the LightHandler of the device.
func (h *Host) SetLight(ctx context.Context, id string, state device.LightState) error {
	if l, ok := handler[hid.LightHandler](h, id); ok {
		return l.SetLight(ctx, state)
	}
	return fmt.Errorf("set light: %s has no light its driver can switch", id)
}

// HasLight tells whether the device's protocol served a LightHandler.
func (h *Host) HasLight(id string) bool {
	_, ok := handler[hid.LightHandler](h, id)
	return ok
}

var (
	_ device.Driver          = (*Host)(nil)
	_ device.SettingsWriter  = (*Host)(nil)
	_ device.SettingsChecker = (*Host)(nil)
	_ device.FirmwareUpdater = (*Host)(nil)
	_ device.FirmwareChecker = (*Host)(nil)
	_ device.Lighter         = (*Host)(nil)
)
