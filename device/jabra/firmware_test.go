package jabra

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/jabra/gncrc"
)

// flashDevice plays the device side of docs/hardware.md §2.8 at one address:
// ACKs to the SETs, the erase notice after start, a chunk notice after
// every tenth chunk and the last, the verify notice after the last. It
// keeps what it was sent, byte by byte.
type flashDevice struct {
	addr  byte
	proto byte

	mu         sync.Mutex
	partitions []byte
	crcFrames  []string
	versions   []string
	chunks     map[int][]byte // by chunk number, last write wins
	images     [][]byte       // one per partition, assembled at verify
	expected   int            // chunk count from the CRC frame
	sends      map[int]int    // how often each chunk came
	started    bool
	// wrongAckAt makes the first notice for this chunk name wrongAck.
	wrongAckAt, wrongAck int
	// unplugAt unplugs the device when this chunk comes.
	unplugAt int
	dev      *fakeDev
}

func (f *flashDevice) frame(t Type, cmd, sub byte, payload ...byte) []byte {
	b := make([]byte, 64)
	fr := Frame{Dst: AddrHost, Src: f.addr, Type: t, Cmd: cmd, Sub: sub, Payload: payload}
	if err := fr.Encode(b); err != nil {
		panic(err)
	}
	return b
}

func (f *flashDevice) ack(seq byte) []byte {
	b := make([]byte, 64)
	copy(b, []byte{0x05, 0x00, f.addr, seq, 0xC5, 0xFF})
	return b
}

func (f *flashDevice) answer(req []byte) [][]byte {
	fr, err := Decode(req)
	if err != nil || fr.Dst != f.addr {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	reply := func(payload ...byte) [][]byte {
		r := f.frame(TypeResponse, fr.Cmd, fr.Sub, payload...)
		r[3] = fr.Seq
		return [][]byte{r}
	}
	switch [2]byte{fr.Cmd, fr.Sub} {
	case [2]byte{0x02, 0x14}:
		return reply(f.proto)
	case [2]byte{0x02, 0x13}:
		return reply(0xB9, 0x24)
	case [2]byte{0x0F, 0x2D}:
		f.partitions = append(f.partitions, fr.Payload[0])
		f.chunks = map[int][]byte{}
		return [][]byte{f.ack(fr.Seq)}
	case [2]byte{0x0F, 0x17}:
		return [][]byte{f.ack(fr.Seq), f.frame(TypeEvent, 0x0F, 0x18)}
	case [2]byte{0x0F, 0x19}:
		f.crcFrames = append(f.crcFrames, fmt.Sprintf("% X", req[:1+fr.Len()]))
		if f.proto == 7 {
			f.expected = int(fr.Payload[4]) | int(fr.Payload[5])<<8
		} else {
			f.expected = int(fr.Payload[8]) | int(fr.Payload[9])<<8
		}
		return [][]byte{f.ack(fr.Seq)}
	case [2]byte{0x0F, 0x1A}:
		n := int(fr.Payload[0]) | int(fr.Payload[1])<<8
		size := int(fr.Payload[2]) | int(fr.Payload[3])<<8
		if fr.Seq != 0 || fr.Type != TypeEvent || fr.Len() != size+10 {
			panic(fmt.Sprintf("chunk frame % X", req[:8]))
		}
		f.sends[n]++
		if n == f.unplugAt && f.unplugAt > 0 {
			f.dev.unplug()
			return [][]byte{}
		}
		f.chunks[n] = bytes.Clone(fr.Payload[4 : 4+size])
		if n%10 != 0 && n != f.expected-1 {
			return [][]byte{}
		}
		ack := n
		if n == f.wrongAckAt && f.sends[n] == 1 {
			ack = f.wrongAck
		}
		out := [][]byte{f.frame(TypeEvent, 0x0F, 0x1B, byte(ack), byte(ack>>8))}
		if n == f.expected-1 {
			var img []byte
			for i := 0; i < f.expected; i++ {
				img = append(img, f.chunks[i]...)
			}
			f.images = append(f.images, img)
			out = append(out, f.frame(TypeEvent, 0x0F, 0x1C, 0x00))
		}
		return out
	case [2]byte{0x0F, 0x1E}:
		f.versions = append(f.versions, fmt.Sprintf("% X", fr.Payload))
		return [][]byte{f.ack(fr.Seq)}
	case [2]byte{0x0F, 0x1D}:
		return [][]byte{f.ack(fr.Seq)}
	}
	return nil // the rules answer the rest
}

func fileOf(name, lang, partition string, data []byte, crc string) device.FirmwareFile {
	return device.FirmwareFile{Name: name, Language: lang, Partition: partition, CRC: crc,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

func testImage(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

func startFlash(t *testing.T, proto byte) (*fakeDev, *flashDevice, *fakeSession) {
	// The flash device answers 02/13 and 02/14 itself.
	var rules []rule
	for _, r := range usbHeadsetRules() {
		if !strings.HasSuffix(r.match, "02 13") && !strings.HasSuffix(r.match, "02 14") {
			rules = append(rules, r)
		}
	}
	dev := newFakeDev(0x24B9, rules...)
	fd := &flashDevice{addr: AddrUSB, proto: proto, sends: map[int]int{}, dev: dev}
	dev.setScript(fd.answer)
	s, _ := start(t, New(testOptions()), dev)
	s.waitFor("the headset", has(device.Arrived, "hid:test"))
	return dev, fd, s
}

func TestFirmwareUpdate(t *testing.T) {
	app := testImage(1000, 1) // 20 chunks, the last of 12 bytes
	en := testImage(104, 2)   // 2 chunks
	de := testImage(60, 3)
	fr := testImage(60, 4)
	img := device.FirmwareImage{Version: "1.3.0", ProductIDs: []uint16{0x24B9}, Language: "de-DE", Files: []device.FirmwareFile{
		fileOf("app.bin", "", "0", app, gncrc.Format(gncrc.Checksum(app))),
		fileOf("en.bin", "English", "1", en, ""),
		fileOf("de.bin", "German", "2", de, fmt.Sprint(gncrc.Checksum(de))),
		fileOf("fr.bin", "French", "3", fr, "0x00000000"), // wrong, but never read
	}}
	for _, proto := range []byte{7, 16} {
		t.Run(fmt.Sprintf("protocol %d", proto), func(t *testing.T) {
			_, fd, s := startFlash(t, proto)
			fd.wrongAckAt, fd.wrongAck = 10, 7 // the device says it has chunk 7 when 10 was sent
			var pcts []int
			err := s.handler("hid:test").(hid.FirmwareHandler).UpdateFirmware(context.Background(), img, func(p int) { pcts = append(pcts, p) })
			if err != nil {
				t.Fatal(err)
			}
			fd.mu.Lock()
			defer fd.mu.Unlock()
			if !slices.Equal(fd.partitions, []byte{0, 1, 2}) {
				t.Errorf("partitions %v, want the application, English and German", fd.partitions)
			}
			for i, want := range [][]byte{app, en, de} {
				if i >= len(fd.images) || !bytes.Equal(fd.images[i], want) {
					t.Errorf("image %d differs from what was sent", i)
				}
			}
			sum := gncrc.Checksum(app)
			var want string
			if proto == 7 {
				// 0x8E: crc32 LE, 20 chunks LE, preload 10 LE.
				want = fmt.Sprintf("05 08 00 %02X 8E 0F 19 % X 14 00 0A 00", 0, le32(nil, sum))
			} else {
				// 0x92: crc32 LE, 00 00, preload 10 LE, 20 chunks u32 LE.
				want = fmt.Sprintf("05 08 00 %02X 92 0F 19 % X 00 00 0A 00 14 00 00 00", 0, le32(nil, sum))
			}
			if got := fd.crcFrames[0]; got[12:] != want[12:] {
				t.Errorf("CRC frame\n got %s\nwant %s", got, want)
			}
			if !slices.Equal(fd.versions, []string{"01 03 00", "01 03 00", "01 03 00"}) {
				t.Errorf("versions %v", fd.versions)
			}
			if !slices.IsSorted(pcts) || pcts[0] != 0 || pcts[len(pcts)-1] != 100 {
				t.Errorf("progress %v", pcts)
			}
			evs := s.waitFor("the new version", has(device.Changed, "hid:test"))
			if ch, _ := last(evs, device.Changed, "hid:test"); ch.Device.Firmware != "1.3.0" {
				t.Errorf("firmware after the update: %q", ch.Device.Firmware)
			}
		})
	}
}

// After a wrong chunk notice the chunks after the one the device names
// are sent again; nothing else is.
func TestFirmwareResendAfterWrongAck(t *testing.T) {
	data := testImage(1040, 9) // 20 chunks
	_, fd, s := startFlash(t, 7)
	fd.wrongAckAt, fd.wrongAck = 10, 7
	img := device.FirmwareImage{Version: "1.3.0", ProductIDs: []uint16{0x24B9},
		Files: []device.FirmwareFile{fileOf("app.bin", "English", "0", data, "")}}
	if err := s.handler("hid:test").(hid.FirmwareHandler).UpdateFirmware(context.Background(), img, nil); err != nil {
		t.Fatal(err)
	}
	fd.mu.Lock()
	defer fd.mu.Unlock()
	for n := 0; n < 20; n++ {
		want := 1
		if n >= 8 && n <= 10 {
			want = 2
		}
		if fd.sends[n] != want {
			t.Errorf("chunk %d sent %d times, want %d", n, fd.sends[n], want)
		}
	}
	if len(fd.images) != 1 || !bytes.Equal(fd.images[0], data) {
		t.Error("the device did not get the image")
	}
}

func TestFirmwareDeviceLostMidUpdate(t *testing.T) {
	_, fd, s := startFlash(t, 16)
	fd.unplugAt = 30
	data := testImage(52*40, 5)
	img := device.FirmwareImage{Version: "1.3.0", ProductIDs: []uint16{0x24B9},
		Files: []device.FirmwareFile{fileOf("app.bin", "English", "0", data, "")}}
	err := s.handler("hid:test").(hid.FirmwareHandler).UpdateFirmware(context.Background(), img, nil)
	if !errors.Is(err, device.ErrDeviceLost) {
		t.Fatalf("err = %v, want one wrapping device.ErrDeviceLost", err)
	}
}

func TestFirmwareRefusals(t *testing.T) {
	good := testImage(100, 1)
	for _, tc := range []struct {
		name    string
		proto   byte
		img     device.FirmwareImage
		failure device.FirmwareFailure
		is      error
		text    string
	}{
		{name: "protocol 5", proto: 5, img: device.FirmwareImage{Version: "1.0.0", ProductIDs: []uint16{0x24B9},
			Files: []device.FirmwareFile{fileOf("a", "", "0", good, "")}},
			failure: device.FailureUnexpected, is: ErrCannotUpdate, text: "Earshot cannot update this device's firmware yet: Jabra Evolve2 85 uses firmware protocol 5"},
		{name: "wrong product", proto: 7, img: device.FirmwareImage{Version: "1.0.0", ProductIDs: []uint16{0x1234},
			Files: []device.FirmwareFile{fileOf("a", "", "0", good, "")}},
			failure: device.FailureFileMismatch, text: "firmware product id is 24B9"},
		{name: "crc differs", proto: 7, img: device.FirmwareImage{Version: "1.0.0", ProductIDs: []uint16{0x24B9},
			Files: []device.FirmwareFile{fileOf("a", "", "0", good, "0x12345678")}},
			failure: device.FailureFileMismatch, text: "info.xml says crc 0x12345678"},
		{name: "partition name", proto: 7, img: device.FirmwareImage{Version: "1.0.0", ProductIDs: []uint16{0x24B9},
			Files: []device.FirmwareFile{fileOf("a", "", "application", good, "")}},
			failure: device.FailureFileMismatch, text: "not a partition number"},
		{name: "version", proto: 7, img: device.FirmwareImage{Version: "1.300.0", ProductIDs: []uint16{0x24B9},
			Files: []device.FirmwareFile{fileOf("a", "", "0", good, "")}},
			failure: device.FailureFileMismatch, text: "not a number from 0 to 255"},
		{name: "only other languages", proto: 7, img: device.FirmwareImage{Version: "1.0.0", ProductIDs: []uint16{0x24B9},
			Files: []device.FirmwareFile{fileOf("a", "French", "0", good, "")}},
			failure: device.FailureLanguageNotFound, text: "no image in English"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev, _, s := startFlash(t, tc.proto)
			before := len(dev.written(1))
			err := s.handler("hid:test").(hid.FirmwareHandler).UpdateFirmware(context.Background(), tc.img, nil)
			if err == nil || !strings.Contains(err.Error(), tc.text) || device.FailureOf(err) != tc.failure {
				t.Fatalf("err = %v (%s), want %q (%s)", err, device.FailureOf(err), tc.text, tc.failure)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err is not %v", tc.is)
			}
			for _, w := range dev.written(7)[before:] {
				if strings.HasPrefix(w, "05 08 00") && strings.Contains(w, " 0F ") {
					t.Errorf("a refused update wrote %s", w)
				}
			}
		})
	}
}

// A dongle is not updated while its headset is connected (fwupd's rule).
func TestFirmwareDongleWithHeadset(t *testing.T) {
	dev := newFakeDev(0x2E57, append(childRules(), dongleRules()...)...)
	s, _ := start(t, New(testOptions()), dev)
	s.waitFor("the headset", has(device.Arrived, "hid:test/04"))
	before := len(dev.written(1))
	img := device.FirmwareImage{Version: "3.2.0", ProductIDs: []uint16{0x2E57},
		Files: []device.FirmwareFile{fileOf("a", "English", "0", testImage(100, 1), "")}}
	err := s.handler("hid:test").(hid.FirmwareHandler).UpdateFirmware(context.Background(), img, nil)
	if err == nil || !strings.Contains(err.Error(), "turn Jabra Evolve2 65 off or unpair it first") {
		t.Fatalf("err = %v", err)
	}
	if after := len(dev.written(1)); after != before {
		t.Errorf("the refused update wrote %d reports", after-before)
	}
}

// A NACK to the start answers the start, not the erase notice waited for
// beside it: the update fails at once, without resending.
func TestFirmwareStartRefused(t *testing.T) {
	dev, fd, s := startFlash(t, 7)
	dev.setScript(func(req []byte) [][]byte {
		if len(req) > 6 && req[5] == 0x0F && req[6] == 0x17 {
			return [][]byte{padded([]byte{0x05, 0x00, AddrUSB, req[3], 0xC6, 0xFE, 0xFD}, 64)}
		}
		return fd.answer(req)
	})
	before := len(dev.written(1))
	img := device.FirmwareImage{Version: "1.3.0", ProductIDs: []uint16{0x24B9},
		Files: []device.FirmwareFile{fileOf("app.bin", "English", "0", testImage(100, 1), "")}}
	err := s.handler("hid:test").(hid.FirmwareHandler).UpdateFirmware(context.Background(), img, nil)
	if err == nil || !strings.Contains(err.Error(), "start: GN 0F/17 at address 08: refused (NACK FD, access denied)") {
		t.Fatalf("err = %v", err)
	}
	starts := 0
	for _, w := range dev.written(7)[before:] {
		if strings.HasSuffix(w, "0F 17") {
			starts++
		}
	}
	if starts != 1 {
		t.Errorf("the start went out %d times", starts)
	}
}
