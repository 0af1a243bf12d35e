package hid

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeDev is one hidraw node of a fake sysfs tree, laid out as the kernel
// does: /sys/class/hidraw/hidrawN → the HID device's hidraw/hidrawN
// directory, whose "device" link leads to the HID device (uevent,
// report_descriptor), inside the USB interface (bInterfaceNumber), inside
// the USB device (idVendor, strings).
type fakeDev struct {
	node   string // hidraw0
	usb    string // "usb1/1-2" ("" for a device not on USB)
	iface  int
	hidDir string // 0003:047F:C056.0003
	uevent string
	desc   []byte
	attrs  map[string]string // of the USB device
}

func loadDesc(t testing.TB, files ...string) []byte {
	t.Helper()
	var out []byte
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join("descriptor", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := hex.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

// blackwire is the Blackwire 3220's HID interface: its three collections
// in one descriptor, as hidraw gives them (Consumer first; the order on a
// real device is not known from the source, see descriptor/testdata).
func blackwire(t testing.TB, node string) fakeDev {
	return fakeDev{
		node: node, usb: "usb1/1-2", iface: 3, hidDir: "0003:047F:C056.0003",
		uevent: "DRIVER=plantronics\nHID_ID=0003:0000047F:0000C056\nHID_NAME=Plantronics Plantronics Blackwire 3220 Series\nHID_PHYS=usb-0000:00:14.0-2/input3\nHID_UNIQ=\nMODALIAS=hid:b0003g0001v0000047Fp0000C056\n",
		desc:   loadDesc(t, "047F_C056_0001_000C.hex", "047F_C056_0005_000B.hex", "047F_C056_0003_FFA0.hex"),
		attrs: map[string]string{
			"idVendor": "047f", "idProduct": "c056", "bcdDevice": "0109",
			"manufacturer": "Plantronics", "product": "Plantronics Blackwire 3220 Series", "serial": "D1CEC32927974D5F9BD6B2AEBF2EA8E3",
		},
	}
}

func fakeTree(t *testing.T, devs ...fakeDev) *Hidraw {
	t.Helper()
	root := t.TempDir()
	h := &Hidraw{SysRoot: filepath.Join(root, "sys"), DevRoot: filepath.Join(root, "dev")}
	for _, p := range []string{filepath.Join(h.SysRoot, "class", "hidraw"), h.DevRoot} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range devs {
		plug(t, h, d)
	}
	return h
}

// plug adds d to the tree: sysfs entries and a FIFO standing in for
// /dev/hidrawN (poll, read and write behave alike).
func plug(t testing.TB, h *Hidraw, d fakeDev) {
	t.Helper()
	var hid string
	if d.usb != "" {
		usbDir := filepath.Join(h.SysRoot, "devices", "pci0000:00", "0000:00:14.0", d.usb)
		ifDir := filepath.Join(usbDir, filepath.Base(d.usb)+":1."+string(rune('0'+d.iface)))
		hid = filepath.Join(ifDir, d.hidDir)
		mkdir(t, hid)
		write(t, filepath.Join(ifDir, "bInterfaceNumber"), []byte("0"+string(rune('0'+d.iface))+"\n"))
		for k, v := range d.attrs {
			write(t, filepath.Join(usbDir, k), []byte(v+"\n"))
		}
	} else {
		hid = filepath.Join(h.SysRoot, "devices", "virtual", "misc", "uhid", d.hidDir)
		mkdir(t, hid)
	}
	write(t, filepath.Join(hid, "uevent"), []byte(d.uevent))
	if d.desc != nil {
		write(t, filepath.Join(hid, "report_descriptor"), d.desc)
	}
	nodeDir := filepath.Join(hid, "hidraw", d.node)
	mkdir(t, nodeDir)
	if err := os.Symlink("../../", filepath.Join(nodeDir, "device")); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(filepath.Join(h.SysRoot, "class", "hidraw"), nodeDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(rel, filepath.Join(h.SysRoot, "class", "hidraw", d.node)); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(filepath.Join(h.DevRoot, d.node), 0o600); err != nil {
		t.Fatal(err)
	}
}

func unplug(t testing.TB, h *Hidraw, node string) {
	t.Helper()
	for _, p := range []string{filepath.Join(h.SysRoot, "class", "hidraw", node), filepath.Join(h.DevRoot, node)} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
}

func mkdir(t testing.TB, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t testing.TB, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestEnumerate(t *testing.T) {
	bt := fakeDev{
		node: "hidraw10", hidDir: "0005:046D:B010.0007",
		uevent: "HID_ID=0005:0000046D:0000B010\nHID_NAME=Logitech M557\nHID_UNIQ=00:1f:20:aa:bb:cc\n",
		desc:   []byte{0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0xC0},
	}
	broken := fakeDev{node: "hidraw2", hidDir: "0003:0B0E:0000.0009", uevent: "HID_ID=nonsense\n"}
	noDesc := blackwire(t, "hidraw1")
	noDesc.hidDir, noDesc.usb, noDesc.desc = "0003:047F:C056.0004", "usb1/1-3", nil
	h := fakeTree(t, blackwire(t, "hidraw0"), bt, broken, noDesc)
	got, err := h.Enumerate()
	if err != nil {
		t.Fatal(err)
	}
	want := []Info{
		{Path: filepath.Join(h.DevRoot, "hidraw0"), VendorID: 0x047F, ProductID: 0xC056, Release: 0x0109, Serial: "D1CEC32927974D5F9BD6B2AEBF2EA8E3",
			Product: "Plantronics Blackwire 3220 Series", Manufacturer: "Plantronics", Interface: 3, UsagePage: 0x0C, Usage: 0x01, Bus: "usb"},
		{Path: filepath.Join(h.DevRoot, "hidraw1"), VendorID: 0x047F, ProductID: 0xC056, Release: 0x0109, Serial: "D1CEC32927974D5F9BD6B2AEBF2EA8E3",
			Product: "Plantronics Blackwire 3220 Series", Manufacturer: "Plantronics", Interface: 3, Bus: "usb"},
		{Path: filepath.Join(h.DevRoot, "hidraw10"), VendorID: 0x046D, ProductID: 0xB010, Serial: "00:1f:20:aa:bb:cc",
			Product: "Logitech M557", Interface: -1, UsagePage: 0x01, Usage: 0x02, Bus: "bluetooth"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d devices: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("device %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	// No hidraw at all (this container): no devices, no error.
	empty := &Hidraw{SysRoot: t.TempDir(), DevRoot: t.TempDir()}
	if infos, err := empty.Enumerate(); err != nil || len(infos) != 0 {
		t.Fatalf("without hidraw: %v, %v", infos, err)
	}
}

func TestParseHIDID(t *testing.T) {
	cases := []struct {
		in            string
		bus, vid, pid uint16
		ok            bool
	}{
		{"0003:0000047F:0000C056", 3, 0x047F, 0xC056, true},
		{"0005:0000046D:0000B010", 5, 0x046D, 0xB010, true},
		{"0003:0001047F:0000C056", 0, 0, 0, false},
		{"0003:047F", 0, 0, 0, false},
		{"", 0, 0, 0, false},
		{"zz:1:2", 0, 0, 0, false},
	}
	for _, tc := range cases {
		bus, vid, pid, ok := parseHIDID(tc.in)
		if bus != tc.bus || vid != tc.vid || pid != tc.pid || ok != tc.ok {
			t.Errorf("parseHIDID(%q) = %x %x %x %v", tc.in, bus, vid, pid, ok)
		}
	}
}

func TestOpenReadWrite(t *testing.T) {
	unnumbered := blackwire(t, "hidraw1")
	unnumbered.hidDir, unnumbered.usb = "0003:0B0E:0001.0005", "usb1/1-4"
	unnumbered.desc = []byte{0x05, 0x0C, 0x09, 0x01, 0xA1, 0x01, 0x09, 0xE9, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xC0}
	h := fakeTree(t, blackwire(t, "hidraw0"), unnumbered)
	cases := []struct {
		name   string
		node   string
		inject []byte
		want   []byte
	}{
		{"numbered report as read", "hidraw0", []byte{0x08, 0x02}, []byte{0x08, 0x02}},
		{"unnumbered report gets 00 in front", "hidraw1", []byte{0x7F}, []byte{0x00, 0x7F}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(h.DevRoot, tc.node)
			d, err := h.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if d.Info().Path != path || d.Info().VendorID == 0 {
				t.Fatalf("info %+v", d.Info())
			}
			w, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			w.Write(tc.inject)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			buf := make([]byte, 64)
			n, err := d.Read(ctx, buf)
			if err != nil || !bytes.Equal(buf[:n], tc.want) {
				t.Fatalf("read % X, %v; want % X", buf[:n], err, tc.want)
			}
			desc, err := d.ReportDescriptor()
			if err != nil || len(desc) == 0 {
				t.Fatalf("descriptor %d bytes, %v", len(desc), err)
			}
			// A FIFO answers the feature ioctl with ENOTTY: an error, no panic.
			if _, err := d.GetFeature([]byte{0x1B, 0, 0}); err == nil {
				t.Fatal("feature ioctl on a FIFO succeeded")
			}
			if n, err := d.Write([]byte{0x09, 0x01}); err != nil || n != 2 {
				t.Fatalf("write %d, %v", n, err)
			}
		})
	}
}

func TestReadEnds(t *testing.T) {
	h := fakeTree(t, blackwire(t, "hidraw0"))
	path := filepath.Join(h.DevRoot, "hidraw0")
	cases := []struct {
		name string
		end  func(d Device, cancel context.CancelFunc)
		want error
	}{
		{"context", func(_ Device, cancel context.CancelFunc) { cancel() }, context.Canceled},
		{"close", func(d Device, _ context.CancelFunc) { d.Close() }, ErrClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := h.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := d.Read(ctx, make([]byte, 64))
				done <- err
			}()
			time.Sleep(20 * time.Millisecond)
			tc.end(d, cancel)
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) {
					t.Fatalf("read ended with %v, want %v", err, tc.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("read did not end")
			}
		})
	}
	d, err := h.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := d.Write([]byte{1}); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	if _, err := d.Read(context.Background(), make([]byte, 8)); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	h := fakeTree(t, blackwire(t, "hidraw0"))
	cases := []struct {
		name string
		err  error
		is   error
	}{
		{"no access", unix.EACCES, ErrPermission},
		{"not permitted", unix.EPERM, ErrPermission},
		{"gone", unix.ENODEV, ErrClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := openError("/dev/hidraw0", tc.err)
			if !errors.Is(err, tc.is) || !errors.Is(err, tc.err) || !strings.Contains(err.Error(), "/dev/hidraw0") {
				t.Fatalf("openError = %v", err)
			}
		})
	}
	if _, err := h.Open("/etc/passwd"); err == nil || !strings.Contains(err.Error(), "not a hidraw node") {
		t.Fatalf("open outside dev root: %v", err)
	}
	if _, err := h.Open(filepath.Join(h.DevRoot, "hidraw9")); err == nil {
		t.Fatal("opened a node that does not exist")
	}
	dev := &hidrawDevice{info: Info{Path: "/dev/hidraw0"}}
	if err := dev.opError("write", unix.EIO); !errors.Is(err, ErrClosed) || !dev.gone.Load() {
		t.Fatalf("EIO: %v", err)
	}
}

func TestIoctlNumbers(t *testing.T) {
	// docs/hardware.md §4.6: HIDIOCSFEATURE(len) = 0xC0004806 | len<<16,
	// HIDIOCGFEATURE(len) = 0xC0004807 | len<<16.
	if got := hidiocRW(hidiocSFeature, 64); got != 0xC0404806 {
		t.Errorf("HIDIOCSFEATURE(64) = %#x", got)
	}
	if got := hidiocRW(hidiocGFeature, 9); got != 0xC0094807 {
		t.Errorf("HIDIOCGFEATURE(9) = %#x", got)
	}
}

// The sysfs texts Enumerate parses: a uevent file and its HID_ID.
func FuzzSysfsUevent(f *testing.F) {
	f.Add([]byte("DRIVER=plantronics\nHID_ID=0003:0000047F:0000C056\nHID_NAME=Plantronics\nHID_UNIQ=\n"))
	f.Add([]byte("HID_ID=0005:0000046D:0000B010\n"))
	f.Add([]byte("HID_ID=0003:0001047F:0000C056"))
	f.Add([]byte("=\n==\nHID_ID=::\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		env := parseEnv(b)
		bus, vid, pid, ok := parseHIDID(env["HID_ID"])
		if !ok && (bus|vid|pid) != 0 {
			t.Fatalf("refused HID_ID %q gave %x %x %x", env["HID_ID"], bus, vid, pid)
		}
		if ok && !strings.Contains(strings.ToUpper(env["HID_ID"]), strings.ToUpper(strings.TrimLeft(fmt.Sprintf("%x", pid), "0"))) && pid != 0 {
			t.Fatalf("HID_ID %q gave product %x", env["HID_ID"], pid)
		}
		_ = busName(bus)
	})
}
