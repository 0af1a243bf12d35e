// Package gncrc computes the checksum Jabra's GN protocol puts on a firmware
// image (docs/hardware.md §2.8): a CRC-32 over FF FF FF FF followed by the image,
// with an MSB-first table of generator 0xDB710641, walked from the end of
// the buffer two bytes at a time, with start value 0 and no final XOR.
//
// The archive stager checks an info.xml crc with it, and the jabra driver
// sends it to the device before the image's chunks.
package gncrc

import (
	"fmt"
	"strconv"
	"strings"
)

// Generator is the CRC's polynomial, MSB first.
const Generator = 0xDB710641

var table = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ Generator
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func update(acc uint32, b byte) uint32 {
	return acc<<8 ^ table[acc>>24] ^ uint32(b)
}

// Checksum returns the GN CRC of image.
//
// The walk runs over FF FF FF FF ‖ image from its end in steps of two
// bytes, feeding the earlier byte of each pair first. An image of odd
// length makes the whole buffer odd: its last step, at the start, has one
// byte, which is fed alone; nothing before the buffer is read.
func Checksum(image []byte) uint32 {
	const prefix = 4 // FF FF FF FF
	var acc uint32
	i := len(image) + prefix
	// Pairs wholly inside the image, without a branch per byte.
	for ; i-2 >= prefix; i -= 2 {
		acc = update(update(acc, image[i-2-prefix]), image[i-1-prefix])
	}
	at := func(j int) byte {
		if j < prefix {
			return 0xFF
		}
		return image[j-prefix]
	}
	for ; i > 0; i -= 2 {
		if i > 1 {
			acc = update(acc, at(i-2))
		}
		acc = update(acc, at(i-1))
	}
	return acc
}

// Parse reads an info.xml crc: hexadecimal with 0x, else decimal, as a
// 32-bit value.
func Parse(s string) (uint32, error) {
	t := strings.TrimSpace(s)
	var (
		n   uint64
		err error
	)
	if h, ok := strings.CutPrefix(strings.ToLower(t), "0x"); ok {
		n, err = strconv.ParseUint(h, 16, 32)
	} else {
		n, err = strconv.ParseUint(t, 10, 32)
	}
	if err != nil || t == "" {
		return 0, fmt.Errorf("crc %q is not a 32-bit number (0x… hexadecimal or decimal)", t)
	}
	return uint32(n), nil
}

// Format writes a checksum the way info.xml carries it.
func Format(sum uint32) string { return fmt.Sprintf("0x%08X", sum) }
