// Package hid is Earshot's one HID transport: every driver (hidtel, jabra,
// busylight) talks to a Device through this interface, whatever carries the
// reports underneath. On Linux the Bus reads hidraw in pure Go and never
// detaches the kernel's driver; on Windows and macOS it wraps karalabe/hid;
// tests and scripted simulator devices replay reports through the same
// interface (device/devicetest), so a driver cannot tell a replay from a
// headset.
//
// Reports are byte slices whose first byte is the report ID, 0x00 for a
// device whose descriptor declares no report IDs (the hidraw and hidapi
// convention). Read returns the same shape: for an unnumbered device the
// leading 0x00 is added, so drivers index reports the same way everywhere.
package hid

import (
	"context"
	"errors"
)

// Info is what the OS tells about one HID interface without opening it.
type Info struct {
	// Path is the OS's name for the interface: /dev/hidrawN on Linux, the
	// hidapi path elsewhere, "sim:<id>/<interface>" for a scripted device.
	Path         string
	VendorID     uint16
	ProductID    uint16
	Release      uint16 // bcdDevice, 0 when unknown
	Serial       string // USB serial number (a Jabra ESN)
	Product      string // USB product string
	Manufacturer string
	Interface    int    // USB interface number, -1 when unknown
	UsagePage    uint16 // of the first top-level collection, 0 when unknown
	Usage        uint16
	Bus          string // "usb", "bluetooth", "sim", … ("" when unknown)
}

// Device is one open HID interface. Methods may be called from several
// goroutines, but a driver keeps one reader.
type Device interface {
	Info() Info
	// Read waits for one input report and copies it into buf (report ID
	// first), returning its length. It returns ctx.Err() when ctx ends first,
	// and ErrClosed once the device is gone or closed.
	Read(ctx context.Context, buf []byte) (int, error)
	// Write sends an output report (report ID first).
	Write(report []byte) (int, error)
	// GetFeature reads the feature report whose ID is buf[0] into buf.
	GetFeature(buf []byte) (int, error)
	// SendFeature sends a feature report (report ID first).
	SendFeature(report []byte) (int, error)
	// ReportDescriptor returns the interface's raw report descriptor.
	ReportDescriptor() ([]byte, error)
	Close() error
}

// Change is one hot-plug notice: an interface arrived or left.
type Change struct {
	Added bool
	Info  Info // for a removal, at least Path
}

// Bus enumerates and opens HID interfaces and reports hot-plug changes.
type Bus interface {
	Enumerate() ([]Info, error)
	Open(path string) (Device, error)
	// Watch sends every arrival and removal to changes until ctx ends. It
	// returns an error at once when the platform cannot watch; the caller
	// then enumerates on a throttled timer.
	Watch(ctx context.Context, changes chan<- Change) error
}

var (
	// ErrClosed: the device was closed or unplugged.
	ErrClosed = errors.New("hid: device closed")
	// ErrPermission: the OS refused to open the device (see PermissionHint).
	ErrPermission = errors.New("hid: permission denied")
	// ErrNotSupported: this build or platform has no such operation.
	ErrNotSupported = errors.New("hid: not supported")
)
