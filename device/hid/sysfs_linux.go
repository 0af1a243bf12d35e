package hid

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/earshot-app/earshot/device/hid/descriptor"
)

// Hidraw is the Linux Bus: it enumerates /sys/class/hidraw and opens
// /dev/hidrawN in pure Go. It never detaches a kernel driver: hidraw hands
// every open file its own copy of each input report, so softphones, browsers
// and the desktop's volume keys keep the headset while Earshot reads it
// (docs/ARCHITECTURE.md "HID transport").
type Hidraw struct {
	// SysRoot and DevRoot are "/sys" and "/dev"; tests point them at a fake
	// tree.
	SysRoot string
	DevRoot string
	// OpenRetry is how long Watch keeps trying to read a device that just
	// arrived while udev has not yet given the seat's user access to it
	// (docs/hardware.md §4.7); 0 means DefaultOpenRetry.
	OpenRetry time.Duration
	// uevents, when set, replaces the netlink socket, and access the
	// read-write check of a new node (tests).
	uevents func() (ueventSource, error)
	access  func(path string) error
}

// DefaultOpenRetry bounds the wait for udev's ACL after an arrival.
const DefaultOpenRetry = 3 * time.Second

// NewHidraw returns the bus of the running system.
func NewHidraw() *Hidraw { return &Hidraw{SysRoot: "/sys", DevRoot: "/dev"} }

var _ Bus = (*Hidraw)(nil)

// maxSysfsFile bounds every sysfs attribute read (a report descriptor is at
// most 4096 bytes; uevent files are far smaller).
const maxSysfsFile = 8192

// Enumerate lists every hidraw node. A node that vanishes while it is read
// (an unplug during enumeration) is left out; a system without hidraw (no
// /sys/class/hidraw) has no devices.
func (h *Hidraw) Enumerate() ([]Info, error) {
	dir := filepath.Join(h.SysRoot, "class", "hidraw")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list HID devices: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "hidraw") {
			names = append(names, e.Name())
		}
	}
	sort.Slice(names, func(i, j int) bool { return nodeNumber(names[i]) < nodeNumber(names[j]) })
	out := make([]Info, 0, len(names))
	for _, n := range names {
		info, _, err := h.info(n)
		if err != nil {
			continue // gone meanwhile, or not a HID device we can describe
		}
		out = append(out, info)
	}
	return out, nil
}

func nodeNumber(name string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(name, "hidraw"))
	if err != nil {
		return 1 << 30
	}
	return n
}

// info describes hidraw node name ("hidraw3") from sysfs and returns its
// report descriptor too (nil when unreadable).
func (h *Hidraw) info(name string) (Info, []byte, error) {
	if name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return Info{}, nil, fmt.Errorf("%q is not a hidraw node name", name)
	}
	node := filepath.Join(h.SysRoot, "class", "hidraw", name, "device")
	hidDir, err := filepath.EvalSymlinks(node)
	if err != nil {
		return Info{}, nil, fmt.Errorf("HID device of %s: %w", name, err)
	}
	ue, err := readAttr(filepath.Join(hidDir, "uevent"))
	if err != nil {
		return Info{}, nil, fmt.Errorf("HID device of %s: %w", name, err)
	}
	vars := parseEnv(ue)
	info := Info{Path: filepath.Join(h.DevRoot, name), Interface: -1}
	bus, vid, pid, ok := parseHIDID(vars["HID_ID"])
	if !ok {
		return Info{}, nil, fmt.Errorf("HID device of %s: HID_ID %q is not bus:vendor:product", name, vars["HID_ID"])
	}
	info.VendorID, info.ProductID, info.Bus = vid, pid, busName(bus)
	info.Product = vars["HID_NAME"]
	info.Serial = vars["HID_UNIQ"]
	// A USB HID device sits in its USB interface, which sits in the USB
	// device that has the strings the OS shows.
	if ifaceDir := filepath.Dir(hidDir); within(h.SysRoot, ifaceDir) {
		if s, err := readAttr(filepath.Join(ifaceDir, "bInterfaceNumber")); err == nil {
			if n, err := strconv.ParseUint(strings.TrimSpace(string(s)), 16, 8); err == nil {
				info.Interface = int(n)
			}
			usbDir := filepath.Dir(ifaceDir)
			if within(h.SysRoot, usbDir) {
				if s := attrString(usbDir, "product"); s != "" {
					info.Product = s
				}
				if s := attrString(usbDir, "serial"); s != "" {
					info.Serial = s
				}
				info.Manufacturer = attrString(usbDir, "manufacturer")
				if v, err := strconv.ParseUint(attrString(usbDir, "bcdDevice"), 16, 16); err == nil {
					info.Release = uint16(v)
				}
			}
		}
	}
	desc, err := readAttr(filepath.Join(hidDir, "report_descriptor"))
	if err != nil {
		desc = nil
	}
	if len(desc) > 0 {
		if d, _ := descriptor.Parse(desc); d != nil {
			if top := d.TopLevel(); len(top) > 0 {
				info.UsagePage, info.Usage = top[0].Usage.Page(), top[0].Usage.ID()
			}
		}
	}
	return info, desc, nil
}

// within tells whether dir is still inside root (symlinks resolved by
// EvalSymlinks may lead anywhere in a broken tree).
func within(root, dir string) bool {
	rel, err := filepath.Rel(root, dir)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func readAttr(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSysfsFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSysfsFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxSysfsFile)
	}
	return b, nil
}

func attrString(dir, name string) string {
	b, err := readAttr(filepath.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// parseEnv reads KEY=VALUE lines (a sysfs uevent file).
func parseEnv(b []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			out[k] = v
		}
	}
	return out
}

// parseHIDID reads HID_ID=0003:0000047F:0000C056 (bus, vendor, product in
// hex; the ids are 32-bit in the kernel's text but 16-bit in USB).
func parseHIDID(s string) (bus, vid, pid uint16, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	var v [3]uint64
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 16, 32)
		if err != nil || n > 0xFFFF {
			return 0, 0, 0, false
		}
		v[i] = n
	}
	return uint16(v[0]), uint16(v[1]), uint16(v[2]), true
}

// busName names the kernel's BUS_* numbers Earshot meets.
func busName(b uint16) string {
	switch b {
	case 0x03:
		return "usb"
	case 0x05:
		return "bluetooth"
	case 0x06:
		return "virtual"
	case 0x18:
		return "i2c"
	}
	return fmt.Sprintf("bus-%04x", b)
}
