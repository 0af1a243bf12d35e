// Package micuse tells whether a headset's microphone is in use, the call
// signal of a softphone that never touches the headset's call-control keys.
//
// On Linux it reads ALSA's view of the headset's USB audio card: the card
// whose /proc/asound/cardN/usbid is "vvvv:pppp", and the status of its
// capture substreams (/proc/asound/cardN/pcm*c/sub*/status: "state:
// RUNNING" while something records, "closed" otherwise). The files are read
// through an fs.FS rooted at /proc/asound, so tests fake them.
//
// On Windows and macOS the signal lives in OS APIs (the capability access
// manager's per-app microphone use; Core Audio's
// kAudioDevicePropertyDeviceIsRunningSomewhere) that need platform code no
// machine here can run; those builds use None, which says so in the log.
package micuse

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
)

// Source tells whether the microphone of the USB audio device with the
// given vendor and product id is in use.
type Source interface {
	// InUse returns whether something captures from the device's
	// microphone; known is false when the device has no audio card the
	// source can see.
	InUse(vendorID, productID uint16) (inUse, known bool)
}

// ALSA reads /proc/asound through Root.
type ALSA struct {
	Root fs.FS
}

// maxFile bounds every file read: usbid and status files are a few dozen
// bytes.
const maxFile = 4096

// maxCards and maxSubs bound the walk (ALSA allows 32 cards).
const (
	maxCards = 64
	maxSubs  = 64
)

// InUse finds the card of vendorID:productID and reports whether any of
// its capture substreams runs.
func (a ALSA) InUse(vendorID, productID uint16) (inUse, known bool) {
	cards, err := fs.Glob(a.Root, "card*/usbid")
	if err != nil {
		return false, false
	}
	for i, usbid := range cards {
		if i >= maxCards {
			break
		}
		raw, err := readBounded(a.Root, usbid)
		if err != nil {
			continue
		}
		v, p, ok := ParseUSBID(raw)
		if !ok || v != vendorID || p != productID {
			continue
		}
		known = true
		card := strings.TrimSuffix(usbid, "/usbid")
		subs, _ := fs.Glob(a.Root, card+"/pcm*c/sub*/status")
		for j, st := range subs {
			if j >= maxSubs {
				break
			}
			if raw, err := readBounded(a.Root, st); err == nil && ParseStatus(raw) {
				return true, true
			}
		}
	}
	return false, known
}

func readBounded(root fs.FS, name string) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFile {
		return nil, errors.New("file too long")
	}
	return b, nil
}

// ParseUSBID reads a /proc/asound/cardN/usbid file: "vvvv:pppp" and a
// newline.
func ParseUSBID(raw []byte) (vendorID, productID uint16, ok bool) {
	s := strings.TrimSpace(string(raw))
	v, p, found := strings.Cut(s, ":")
	if !found || len(v) != 4 || len(p) != 4 {
		return 0, 0, false
	}
	vn, err1 := strconv.ParseUint(v, 16, 16)
	pn, err2 := strconv.ParseUint(p, 16, 16)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uint16(vn), uint16(pn), true
}

// ParseStatus reads a substream status file and reports whether the
// stream runs: its "state:" line says RUNNING (or DRAINING, still
// capturing). A closed substream's file holds just "closed".
func ParseStatus(raw []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 256), maxFile)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "state" {
			switch strings.TrimSpace(val) {
			case "RUNNING", "DRAINING":
				return true
			}
			return false
		}
	}
	return false
}

// None is the Source of a platform whose microphone-in-use signal Earshot
// does not read: it never knows.
type None struct{}

// InUse returns false, false.
func (None) InUse(uint16, uint16) (bool, bool) { return false, false }

// LogUnavailable writes the one line that says the signal is missing on
// this platform.
func LogUnavailable(log *slog.Logger, goos string) {
	log.Info("micuse: the microphone-in-use call signal is not read on this platform; calls come from the headset's call-control keys only",
		"os", goos)
}
