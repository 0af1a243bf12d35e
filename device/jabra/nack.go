package jabra

import (
	"errors"
	"fmt"
)

var (
	// ErrNotConnected: the device at the address is off or not connected
	// (NACK F3, F4 or F5). Behind a dongle it reads "headset not connected
	// to the dongle".
	ErrNotConnected = errors.New("not connected")
	// ErrNotSupported: the device does not know the command (NACK F6 or FF).
	ErrNotSupported = errors.New("not supported")
	// ErrNoReply: the device did not answer within the timeout, after every
	// retry.
	ErrNoReply = errors.New("no reply from the device")
	// errGone: the HID interface closed (unplugged) while a request waited.
	errGone = errors.New("the device is gone")
)

// NACKError is a request the device refused (docs/hardware.md §2.4).
type NACKError struct {
	Addr, Cmd, Sub byte
	Reason         byte
}

func (e *NACKError) Error() string {
	what := fmt.Sprintf("GN %02X/%02X at address %02X", e.Cmd, e.Sub, e.Addr)
	switch {
	case errors.Is(e, ErrNotConnected) && e.Addr == AddrChild:
		return what + ": headset not connected to the dongle"
	case errors.Is(e, ErrNotConnected):
		return what + ": device offline"
	case errors.Is(e, ErrNotSupported):
		return what + ": not supported"
	}
	return fmt.Sprintf("%s: refused (%s)", what, reasonName(e.Reason))
}

// Unwrap maps the reason to ErrNotConnected or ErrNotSupported.
func (e *NACKError) Unwrap() error {
	switch e.Reason {
	case 0xF3, 0xF4, 0xF5:
		return ErrNotConnected
	case 0xF6, 0xFF:
		return ErrNotSupported
	}
	return nil
}

// reasonName names the reasons docs/hardware.md §2.4 lists from an unverified
// source, with the code, so that a log says what the device meant.
func reasonName(r byte) string {
	names := map[byte]string{0x00: "no error code", 0xF7: "file not found", 0xF8: "internal error",
		0xF9: "reply error", 0xFA: "illegal parameter", 0xFB: "out of sequence", 0xFC: "no space",
		0xFD: "access denied", 0xFE: "no more data"}
	if n, ok := names[r]; ok {
		return fmt.Sprintf("NACK %02X, %s", r, n)
	}
	return fmt.Sprintf("NACK %02X", r)
}
