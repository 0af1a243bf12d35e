package device

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// FirmwareFailure is one of the failure descriptions of docs/firmware.md, the exact
// text a FirmwareUpdateCompleted event carries.
type FirmwareFailure string

// The failure descriptions of docs/firmware.md, word for word.
const (
	FailureFileMismatch     FirmwareFailure = "Firmware file does not match the device"
	FailureNotDocked        FirmwareFailure = "Headset needs to be docked"
	FailureNotOnDongle      FirmwareFailure = "Bluetooth headset not connected to dongle"
	FailureRegionNotFound   FirmwareFailure = "Region not found in the firmware file"
	FailureLanguageNotFound FirmwareFailure = "Language not found in firmware file"
	FailureDowngrade        FirmwareFailure = "Downgrade is not allowed for this product"
	FailureBatteryTooLow    FirmwareFailure = "Battery level too low for firmware update"
	FailureUnexpected       FirmwareFailure = "Unexpected failure"
)

// FirmwareFailures lists every failure description in the order of docs/firmware.md.
var FirmwareFailures = []FirmwareFailure{
	FailureFileMismatch, FailureNotDocked, FailureNotOnDongle, FailureRegionNotFound,
	FailureLanguageNotFound, FailureDowngrade, FailureBatteryTooLow, FailureUnexpected,
}

// ParseFirmwareFailure returns the failure whose description is s exactly.
func ParseFirmwareFailure(s string) (FirmwareFailure, bool) {
	for _, f := range FirmwareFailures {
		if string(f) == s {
			return f, true
		}
	}
	return "", false
}

// FirmwareError is an update that failed for one of the reasons of docs/firmware.md.
type FirmwareError struct {
	Failure FirmwareFailure
	Err     error // the cause, for the log; may be nil
}

func (e *FirmwareError) Error() string {
	if e.Err == nil {
		return "firmware update failed: " + string(e.Failure)
	}
	return fmt.Sprintf("firmware update failed: %s: %v", e.Failure, e.Err)
}

func (e *FirmwareError) Unwrap() error { return e.Err }

// ErrDeviceLost is the cause of a firmware update that stopped because the
// device went away (detached, unplugged) before it finished.
var ErrDeviceLost = errors.New("device lost during the firmware update")

// FailureOf returns the docs/firmware.md description of an update error: the
// FirmwareError's own, else FailureUnexpected.
func FailureOf(err error) FirmwareFailure {
	var fe *FirmwareError
	if errors.As(err, &fe) && fe.Failure != "" {
		return fe.Failure
	}
	return FailureUnexpected
}

// FirmwareFile is one image of a firmware archive (info.xml files/file).
type FirmwareFile struct {
	Name      string
	Language  string // empty when the image is not a language pack
	CRC       string // the device protocol's checksum; the driver that writes the image checks it
	Partition string
	// Open reads the image from the staged archive.
	Open func() (io.ReadCloser, error)
}

// FirmwareImage is a validated firmware archive as a driver receives it.
type FirmwareImage struct {
	Version    string   // info.xml buildVector@version
	ProductIDs []uint16 // info.xml targetUsbPids
	Files      []FirmwareFile
	Language   string // the language pack asked for by the configuration; empty = keep
	Region     string // the region asked for by the configuration; empty = keep
}

// FirmwareUpdater is implemented by drivers that can update a device's
// firmware.
//
// UpdateFirmware writes img to the device with the given ID, calling
// progress with a percentage (0–100, never going down) as it goes; progress
// must not block. It returns nil once the device runs img.Version (after the
// driver has emitted Changed with the new version), a *FirmwareError when
// the device refused the update, or an error wrapping ErrDeviceLost when the
// device went away before the update finished. It returns when ctx is done.
type FirmwareUpdater interface {
	UpdateFirmware(ctx context.Context, id string, img FirmwareImage, progress func(percent int)) error
}

// UpdateFirmware updates the firmware of the device with the given ID
// through the driver that owns it (see FirmwareUpdater).
func (m *Manager) UpdateFirmware(ctx context.Context, id string, img FirmwareImage, progress func(percent int)) error {
	m.mu.Lock()
	o, ok := m.devices[id]
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("update firmware: no device %q: %w", id, ErrDeviceLost)
	}
	u, can := o.driver.(FirmwareUpdater)
	if !can {
		return fmt.Errorf("update firmware: driver %s cannot update firmware", o.driver.Name())
	}
	return u.UpdateFirmware(ctx, id, img, progress)
}

// FirmwareChecker is implemented by FirmwareUpdaters that cannot update
// every device they drive (the HID host: only devices whose protocol
// serves a firmware handler).
type FirmwareChecker interface {
	CanUpdateFirmware(id string) bool
}

// CanUpdateFirmware tells whether the driver of the attached device with the
// given ID can update its firmware.
func (m *Manager) CanUpdateFirmware(id string) bool {
	m.mu.Lock()
	o, ok := m.devices[id]
	m.mu.Unlock()
	if !ok {
		return false
	}
	if _, can := o.driver.(FirmwareUpdater); !can {
		return false
	}
	if c, ok := o.driver.(FirmwareChecker); ok {
		return c.CanUpdateFirmware(id)
	}
	return true
}

// DockReporter is implemented by drivers that know whether a headset sits
// in its dock (or charging cradle), which some headsets need for a firmware
// update.
type DockReporter interface {
	// Docked returns whether the device with the given ID is docked; known
	// is false when the driver cannot tell for that device.
	Docked(id string) (docked, known bool)
}

// Docked returns whether the attached device with the given ID is docked,
// or nil when its driver cannot tell.
func (m *Manager) Docked(id string) *bool {
	m.mu.Lock()
	o, ok := m.devices[id]
	m.mu.Unlock()
	if !ok {
		return nil
	}
	r, can := o.driver.(DockReporter)
	if !can {
		return nil
	}
	if docked, known := r.Docked(id); known {
		return &docked
	}
	return nil
}
