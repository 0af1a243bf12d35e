package hid

import (
	"encoding/binary"
	"strings"
	"testing"
)

func udevFrame(props string) []byte {
	b := []byte("libudev\x00")
	b = binary.BigEndian.AppendUint32(b, udevMagic)
	for _, v := range []uint32{40, 40, uint32(len(props)), 0, 0, 0, 0} {
		b = binary.NativeEndian.AppendUint32(b, v)
	}
	return append(b, props...)
}

func TestParseUevent(t *testing.T) {
	cases := []struct {
		name    string
		msg     []byte
		err     string
		node    string
		added   bool
		hidraw  bool
		udev    bool
		devpath string
	}{
		{name: "kernel hidraw add", msg: []byte("add@/devices/x/hidraw/hidraw3\x00ACTION=add\x00DEVPATH=/devices/x/hidraw/hidraw3\x00SUBSYSTEM=hidraw\x00DEVNAME=hidraw3\x00SEQNUM=9\x00"),
			node: "hidraw3", added: true, hidraw: true, devpath: "/devices/x/hidraw/hidraw3"},
		{name: "kernel hidraw remove without DEVNAME", msg: []byte("remove@/devices/x/hidraw/hidraw12\x00SUBSYSTEM=hidraw\x00"),
			node: "hidraw12", hidraw: true, devpath: "/devices/x/hidraw/hidraw12"},
		{name: "bind is not an arrival", msg: []byte("bind@/devices/x\x00ACTION=bind\x00SUBSYSTEM=hidraw\x00DEVNAME=hidraw3\x00")},
		{name: "other subsystem", msg: []byte("add@/devices/x/input5\x00ACTION=add\x00SUBSYSTEM=input\x00")},
		{name: "udev framing", msg: udevFrame("ACTION=add\x00DEVPATH=/devices/y\x00SUBSYSTEM=hidraw\x00DEVNAME=/dev/hidraw0\x00"),
			node: "hidraw0", added: true, hidraw: true, udev: true, devpath: "/devices/y"},
		{name: "not a hidraw name", msg: []byte("add@/devices/x\x00SUBSYSTEM=hidraw\x00DEVNAME=../../etc\x00")},
		{name: "garbage", msg: []byte("hello"), err: "does not begin with ACTION@DEVPATH"},
		{name: "empty", msg: nil, err: "does not begin with ACTION@DEVPATH"},
		{name: "relative path", msg: []byte("add@devices\x00"), err: "does not begin"},
		{name: "property without =", msg: []byte("add@/d\x00JUNK\x00"), err: `property "JUNK" is not KEY=VALUE`},
		{name: "header disagrees", msg: []byte("add@/d\x00ACTION=remove\x00"), err: `header says "add" but ACTION="remove"`},
		{name: "udev short", msg: []byte("libudev\x00\xfe\xed"), err: "shorter than its header"},
		{name: "udev bad magic", msg: append([]byte("libudev\x00\x00\x00\x00\x00"), make([]byte, 32)...), err: "has magic 00000000"},
		{name: "udev properties outside", msg: udevFrame("ACTION=add\x00")[:44], err: "outside its 44 bytes"},
		{name: "udev without action", msg: udevFrame("SUBSYSTEM=hidraw\x00"), err: "without ACTION"},
		{name: "too many properties", msg: []byte("add@/d\x00" + strings.Repeat("A=1\x00", maxUeventKeys+1)), err: "more than 256 properties"},
		{name: "too long", msg: make([]byte, maxUeventSize+1), err: "longer than 16384"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := parseUevent(tc.msg)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			node, added, ok := ev.hidrawNode()
			if ok != tc.hidraw || node != tc.node || added != tc.added || ev.Udev != tc.udev {
				t.Fatalf("hidrawNode = %q %v %v (udev %v)", node, added, ok, ev.Udev)
			}
			if tc.devpath != "" && ev.DevPath != tc.devpath {
				t.Fatalf("DevPath %q", ev.DevPath)
			}
		})
	}
}

func FuzzParseUevent(f *testing.F) {
	f.Add([]byte("add@/devices/x/hidraw/hidraw3\x00ACTION=add\x00SUBSYSTEM=hidraw\x00DEVNAME=hidraw3\x00"))
	f.Add([]byte("remove@/devices/x/hidraw/hidraw12\x00SUBSYSTEM=hidraw\x00"))
	f.Add(udevFrame("ACTION=add\x00DEVPATH=/devices/y\x00SUBSYSTEM=hidraw\x00DEVNAME=/dev/hidraw0\x00"))
	f.Add([]byte("libudev\x00\xfe\xed\xca\xfe"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		ev, err := parseUevent(msg)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if ev.Action == "" || len(ev.Env) > maxUeventKeys {
			t.Fatalf("parsed %+v", ev)
		}
		if name, _, ok := ev.hidrawNode(); ok && (strings.ContainsAny(name, "/\x00") || !strings.HasPrefix(name, "hidraw")) {
			t.Fatalf("node name %q", name)
		}
	})
}
