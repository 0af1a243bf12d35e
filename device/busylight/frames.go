package busylight

import "github.com/earshot-app/earshot/device"

// Frame is one report to write: its bytes (report ID first, the hid
// package's convention) and whether it is a feature report.
type Frame struct {
	Report  []byte
	Feature bool
}

// KuandoFrameSize is the length of a kuando frame without a report ID.
const KuandoFrameSize = 64

// kuando step opcodes (high nibble of a step's first byte).
const (
	kuandoJump      = 0x10
	kuandoKeepAlive = 0x80
)

// KuandoKeepAliveTimeout is the timeout, in seconds, a keep-alive step asks
// for: the light quiesces this long after the last keep-alive. 15 is the
// largest the 4-bit field holds; with a keep-alive every 8 s (KeepAlive) a
// missed write never darkens the light, and it goes dark within 15 s of
// Earshot stopping.
const KuandoKeepAliveTimeout = 15

// kuandoBlinkTenths is the on and off time of a blinking kuando step, in
// 0.1 s units.
const kuandoBlinkTenths = 5

// scale100 maps an 8-bit channel to kuando's PWM range 0–100, rounding.
// docs/hardware.md §3.1: the kuando documentation and two of the three drivers scale
// to 0–100; two others send 0–255. 0–100 is the documented range, and
// values over 100 are not defined by it, so Earshot scales.
func scale100(v uint8) byte { return byte((int(v)*100 + 127) / 255) }

// kuandoFinish writes the footer of a kuando frame: bytes 56–58 (the
// sensitivity, timeout and trigger fields of the kuando box, unused by
// Alpha and Omega) stay 0, 59–61 are FF FF FF and 62–63 the big-endian
// 16-bit sum of bytes 0–61. busylight_core pads with 00 0F FF instead; the
// kuando documentation says the pad is "required to be 0xffffff", and the
// other two drivers agree, so Earshot writes FF FF FF.
func kuandoFinish(f []byte) {
	f[59], f[60], f[61] = 0xFF, 0xFF, 0xFF
	var sum uint16
	for _, b := range f[:62] {
		sum += uint16(b)
	}
	f[62], f[63] = byte(sum>>8), byte(sum)
}

// KuandoFrame encodes state as a kuando frame (64 bytes, no report ID): step
// 0 jumps to itself showing the colour, steadily, or, to blink, on and off
// for kuandoBlinkTenths each. The audio byte stays 0: its update bit clear,
// the ringtone is left silent. Off is black.
func KuandoFrame(s device.LightState) []byte {
	f := make([]byte, KuandoFrameSize)
	f[0] = kuandoJump // target step 0
	f[2], f[3], f[4] = scale100(s.Colour.R), scale100(s.Colour.G), scale100(s.Colour.B)
	if s.Blink && !s.Colour.Off() {
		f[5], f[6] = kuandoBlinkTenths, kuandoBlinkTenths
	}
	kuandoFinish(f)
	return f
}

// KuandoKeepAlive is the keep-alive frame: one keep-alive step asking the
// light to stay on for KuandoKeepAliveTimeout seconds. It does not change
// the program the light runs.
func KuandoKeepAlive() []byte {
	f := make([]byte, KuandoFrameSize)
	f[0] = kuandoKeepAlive | KuandoKeepAliveTimeout
	kuandoFinish(f)
	return f
}

// EmbravaReport encodes a colour for the Blynclight family (and the
// Plantronics Status Indicator): report ID 0, red, blue, green (that order),
// light flags, music, volume, then FF 22.
//
// Off is black with every flag clear. docs/hardware.md §3.2: the sources disagree on
// which bit of the flags byte means "off" (0x01 or 0x02) and "flash" (0x04
// or 0x08); a wrong guess would dim or flash the light instead. Black with
// no flags is dark under every reading, so Earshot never sets a flag, and
// blinks a Blynclight by alternating the colour with black (BlinksItself).
func EmbravaReport(c device.Colour) []byte {
	return []byte{0x00, c.R, c.B, c.G, 0x00, 0x00, 0x00, 0xFF, 0x22}
}

// LuxaforReport encodes a colour for the Luxafor Flag: the "solid" command
// (01) on every LED (FF). Off is the same command with black. The strobe
// command's repeat semantics are not documented well enough to rely on, so
// a Flag blinks by alternating colour and black.
func LuxaforReport(c device.Colour) []byte {
	return []byte{0x00, 0x01, 0xFF, c.R, c.G, c.B, 0x00, 0x00, 0x00}
}

// Blink1Report encodes a colour for the blink(1): feature report 1, command
// 'c' (fade to RGB) with a fade time of 0 (instant) on every LED (0).
func Blink1Report(c device.Colour) []byte {
	return []byte{0x01, 'c', c.R, c.G, c.B, 0x00, 0x00, 0x00, 0x00}
}

// EPOSReport encodes a colour for the EPOS Busylight: report ID 1, action
// SetColor (12 02), the colour for LED 0 and LED 1, and the "on" byte left 0
// as busylight_core leaves it.
func EPOSReport(c device.Colour) []byte {
	return []byte{0x01, 0x12, 0x02, c.R, c.G, c.B, c.R, c.G, c.B, 0x00}
}

// BlinksItself tells whether a family's frame carries blinking, so the
// light blinks without further writes. The others blink by being written
// the colour and black in turn (Encode's phase).
func (f Family) BlinksItself() bool { return f == Kuando }

// NeedsKeepAlive tells whether a family's lights go dark unless written
// regularly.
func (f Family) NeedsKeepAlive() bool { return f == Kuando }

// Encode returns the frame that shows state on a light of family f. For a
// blinking state on a light that does not blink by itself, dark selects the
// dark half of the blink.
func Encode(f Family, s device.LightState, dark bool) Frame {
	c := s.Colour
	if s.Blink && dark && !f.BlinksItself() {
		c = device.Colour{}
	}
	switch f {
	case Kuando:
		// hidapi/hidraw convention: an unnumbered device's report starts
		// with report ID 00, which the OS strips before sending.
		return Frame{Report: append([]byte{0x00}, KuandoFrame(s)...)}
	case Embrava:
		return Frame{Report: EmbravaReport(c)}
	case Luxafor:
		return Frame{Report: LuxaforReport(c)}
	case Blink1:
		return Frame{Report: Blink1Report(c), Feature: true}
	case EPOS:
		return Frame{Report: EPOSReport(c)}
	}
	return Frame{}
}

// KeepAliveFrame is the frame that keeps a light of family f alive, nil when
// it needs none.
func KeepAliveFrame(f Family) []byte {
	if f == Kuando {
		return append([]byte{0x00}, KuandoKeepAlive()...)
	}
	return nil
}
