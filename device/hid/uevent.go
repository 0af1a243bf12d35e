package hid

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// Bounds of a uevent message (the kernel's own buffer is 2048 bytes with at
// most 64 variables; udev's messages carry more properties).
const (
	maxUeventSize = 16384
	maxUeventKeys = 256
)

// uevent is one hot-plug message from the kernel or from udev.
type uevent struct {
	Action    string // add, remove, change, bind, unbind, …
	DevPath   string // /devices/…
	Subsystem string
	Env       map[string]string
	Udev      bool // came in udev's "libudev" framing
}

// udevMagic marks udev's netlink messages (network byte order).
const udevMagic = 0xfeedcafe

// parseUevent reads a NETLINK_KOBJECT_UEVENT message in either form:
// the kernel's "ACTION@DEVPATH\0KEY=VALUE\0…" (group 1), or udev's
// "libudev\0" header followed by KEY=VALUE\0 properties (group 2).
func parseUevent(b []byte) (uevent, error) {
	if len(b) > maxUeventSize {
		return uevent{}, fmt.Errorf("uevent of %d bytes is longer than %d", len(b), maxUeventSize)
	}
	ev := uevent{Env: map[string]string{}}
	var props []byte
	if bytes.HasPrefix(b, []byte("libudev\x00")) {
		// prefix[8], magic, header_size, properties_off, properties_len,
		// then filter hashes: 40 bytes. Only the magic is big-endian.
		if len(b) < 24 {
			return uevent{}, fmt.Errorf("udev message of %d bytes is shorter than its header", len(b))
		}
		if m := binary.BigEndian.Uint32(b[8:12]); m != udevMagic {
			return uevent{}, fmt.Errorf("udev message has magic %08x, not %08x", m, udevMagic)
		}
		off := binary.NativeEndian.Uint32(b[16:20])
		n := binary.NativeEndian.Uint32(b[20:24])
		if off < 24 || uint64(off)+uint64(n) > uint64(len(b)) {
			return uevent{}, fmt.Errorf("udev message properties at %d+%d outside its %d bytes", off, n, len(b))
		}
		props = b[off : off+n]
		ev.Udev = true
	} else {
		head, rest, ok := bytes.Cut(b, []byte{0})
		action, path, ok2 := strings.Cut(string(head), "@")
		if !ok || !ok2 || action == "" || !strings.HasPrefix(path, "/") {
			return uevent{}, fmt.Errorf("uevent does not begin with ACTION@DEVPATH")
		}
		ev.Action, ev.DevPath = action, path
		props = rest
	}
	keys := 0
	for len(props) > 0 {
		var kv []byte
		kv, props, _ = bytes.Cut(props, []byte{0})
		if len(kv) == 0 {
			continue
		}
		k, v, ok := strings.Cut(string(kv), "=")
		if !ok || k == "" {
			return uevent{}, fmt.Errorf("uevent property %q is not KEY=VALUE", truncate(string(kv), 40))
		}
		if keys++; keys > maxUeventKeys {
			return uevent{}, fmt.Errorf("uevent has more than %d properties", maxUeventKeys)
		}
		ev.Env[k] = v
	}
	if a := ev.Env["ACTION"]; a != "" {
		if ev.Action != "" && a != ev.Action {
			return uevent{}, fmt.Errorf("uevent header says %q but ACTION=%q", ev.Action, a)
		}
		ev.Action = a
	}
	if p := ev.Env["DEVPATH"]; p != "" {
		ev.DevPath = p
	}
	ev.Subsystem = ev.Env["SUBSYSTEM"]
	if ev.Action == "" {
		return uevent{}, fmt.Errorf("uevent without ACTION")
	}
	return ev, nil
}

// hidrawNode returns the node name ("hidraw3") of a hidraw add or remove,
// and false for every other message.
func (ev uevent) hidrawNode() (name string, added, ok bool) {
	if ev.Subsystem != "hidraw" || (ev.Action != "add" && ev.Action != "remove") {
		return "", false, false
	}
	name = ev.Env["DEVNAME"] // "hidraw3" from the kernel, "/dev/hidraw3" from udev
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if name == "" {
		if i := strings.LastIndexByte(ev.DevPath, '/'); i >= 0 {
			name = ev.DevPath[i+1:]
		}
	}
	if !isHidrawName(name) {
		return "", false, false
	}
	return name, ev.Action == "add", true
}

// isHidrawName accepts "hidraw" followed by one to five digits.
func isHidrawName(name string) bool {
	digits := strings.TrimPrefix(name, "hidraw")
	if len(digits) == len(name) || len(digits) == 0 || len(digits) > 5 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
