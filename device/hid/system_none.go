//go:build !linux && !((windows || darwin) && cgo)

package hid

import (
	"context"
	"fmt"
	"runtime"
)

// System returns the HID bus of the running system. This build has none:
// on Windows and macOS the HID transport needs cgo (karalabe/hid), and
// other systems have no transport yet.
func System() Bus { return noBus{} }

// noBus answers every call with ErrNotSupported.
type noBus struct{}

func (noBus) Enumerate() ([]Info, error) {
	return nil, fmt.Errorf("HID devices on %s (a build without cgo): %w", runtime.GOOS, ErrNotSupported)
}

func (noBus) Open(path string) (Device, error) {
	return nil, fmt.Errorf("open %s: %w", path, ErrNotSupported)
}

func (noBus) Watch(context.Context, chan<- Change) error {
	return fmt.Errorf("watch HID devices: %w", ErrNotSupported)
}
