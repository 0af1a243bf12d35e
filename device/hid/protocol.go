package hid

import (
	"context"
	"log/slog"
	"time"

	"github.com/earshot-app/earshot/device"
)

// Protocol is a HID protocol driver (hidtel, jabra, busylight). The HID host
// (one device.Driver for every HID interface) enumerates the Bus, watches it
// for hot-plug, asks every Protocol to Claim each interface, opens it, and
// runs the protocol with the highest claim on it.
type Protocol interface {
	Name() string
	// Claim returns how strongly the protocol wants to drive the interface
	// (0: not at all; the highest claim wins). desc is its raw report
	// descriptor, which may be empty when it could not be read.
	Claim(info Info, desc []byte) int
	// Run drives one open interface until ctx ends or the device is gone
	// (a read returning ErrClosed), reporting through s. It returns nil
	// when ctx ended or the device went away.
	Run(ctx context.Context, dev Device, s Session) error
}

// Session is what the host gives one Protocol.Run. Device IDs: the interface
// itself is ID(""); a device reached through it (a headset behind a dongle
// at GN address 04) is ID("04").
type Session interface {
	ID(sub string) string
	Now() time.Time
	Log() *slog.Logger
	// Emit reports an event of a device this run drives (Arrived first;
	// the host emits Removed for every device still present when Run
	// returns).
	Emit(ev device.Event)
	// Serve registers what the device with the given ID can do beyond
	// reporting events: any of SettingsHandler, FirmwareHandler and
	// LightHandler. Serve(id, nil) withdraws it.
	Serve(id string, h any)
}

// SettingsHandler writes settings of one device (see device.SettingsWriter).
type SettingsHandler interface {
	WriteSettings(ctx context.Context, values map[string]string) map[string]error
	// CanWrite returns nil when the device can write the setting, else an
	// error wrapping device.ErrNotWritable that says why.
	CanWrite(name string) error
}

// FirmwareHandler updates the firmware of one device (see
// device.FirmwareUpdater for the contract).
type FirmwareHandler interface {
	UpdateFirmware(ctx context.Context, img device.FirmwareImage, progress func(percent int)) error
}

// LightHandler switches the light of one device (see device.Lighter).
type LightHandler interface {
	SetLight(ctx context.Context, state device.LightState) error
}
