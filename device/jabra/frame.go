package jabra

import (
	"errors"
	"fmt"
)

// ReportID is the HID report that carries GN protocol frames (docs/hardware.md §2.1).
const ReportID = 0x05

// Addresses of docs/hardware.md §2.3.
const (
	AddrHost   byte = 0x00 // the host: src of requests, dst of replies
	AddrDongle byte = 0x01 // a dongle or base itself
	AddrChild  byte = 0x04 // the headset behind a dongle or base
	AddrUSB    byte = 0x08 // a headset on its own USB cable
)

// Type is a frame's type, the top two bits of byte 4 (docs/hardware.md §2.2).
type Type uint8

// The frame types.
const (
	TypeEvent    Type = 0 // unsolicited event, or an unacknowledged write
	TypeGet      Type = 1
	TypeSet      Type = 2
	TypeResponse Type = 3
)

// Command groups with a meaning of their own (docs/hardware.md §2.4).
const (
	CmdNACK byte = 0xFE
	CmdACK  byte = 0xFF
)

// headerLen is report ID, dst, src, seq, type/len, cmd and sub.
const headerLen = 7

// Frame is one GN protocol frame.
type Frame struct {
	Dst, Src, Seq byte
	Type          Type
	Cmd, Sub      byte
	// NoSub marks the 5-byte form without a sub-command byte (an ACK reads
	// 05 00 08 32 C5 FF).
	NoSub   bool
	Payload []byte
}

// Len is the frame's length field: bytes from dst to the end of the payload.
func (f Frame) Len() int {
	if f.NoSub {
		return 5
	}
	return 6 + len(f.Payload)
}

func (f Frame) String() string {
	return fmt.Sprintf("%02X→%02X seq %02X type %d %02X/%02X % X", f.Src, f.Dst, f.Seq, f.Type, f.Cmd, f.Sub, f.Payload)
}

// maxLen is the largest length the 6-bit field can carry.
const maxLen = 0x3F

// Encode writes f into buf as one report, zero-padded to len(buf), which is
// the report's size from the descriptor (report ID included).
func (f Frame) Encode(buf []byte) error {
	n := f.Len()
	if n > maxLen || 1+n > len(buf) || (f.NoSub && len(f.Payload) > 0) {
		return fmt.Errorf("a GN frame of %d bytes does not fit a %d-byte report", 1+n, len(buf))
	}
	buf[0] = ReportID
	buf[1], buf[2], buf[3] = f.Dst, f.Src, f.Seq
	buf[4] = byte(f.Type)<<6 | byte(n)
	buf[5] = f.Cmd
	end := 6
	if !f.NoSub {
		buf[6] = f.Sub
		end = headerLen + copy(buf[headerLen:], f.Payload)
	}
	clear(buf[end:])
	return nil
}

// Errors of Decode.
var (
	errNotGNP   = errors.New("not a GN frame")
	errTooShort = errors.New("GN frame shorter than its length field")
)

// Decode reads one report. The payload aliases report; copy it to keep it.
func Decode(report []byte) (Frame, error) {
	if len(report) < 6 || report[0] != ReportID {
		return Frame{}, errNotGNP
	}
	n := int(report[4] & maxLen)
	if n < 5 {
		return Frame{}, fmt.Errorf("GN frame length %d is under 5: %w", n, errNotGNP)
	}
	if 1+n > len(report) {
		return Frame{}, fmt.Errorf("%w (%d > %d)", errTooShort, 1+n, len(report))
	}
	f := Frame{Dst: report[1], Src: report[2], Seq: report[3], Type: Type(report[4] >> 6), Cmd: report[5]}
	if n == 5 {
		f.NoSub = true
		return f, nil
	}
	f.Sub = report[6]
	f.Payload = report[headerLen : 1+n]
	return f, nil
}
