package jabra

import (
	"context"
	"testing"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/hid"
)

// BenchmarkRequestReply is one GET and its reply through the replay
// transport: the driver's frame building, matching and hand-over.
func BenchmarkRequestReply(b *testing.B) {
	dev := newFakeDev(0x24B9, usbHeadsetRules()...)
	opt := Options{}.withDefaults()
	l := newLink(dev, Layout{Out: 64, In: 64}, &opt, newSession(nil).Log())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.read(ctx)
	for b.Loop() {
		if _, err := l.request(ctx, AddrUSB, TypeGet, 0x12, 0x02); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequestReplyBaseline is the same exchange through the same
// transport without the driver: write a prepared report, read the answer.
func BenchmarkRequestReplyBaseline(b *testing.B) {
	dev := newFakeDev(0x24B9, usbHeadsetRules()...)
	req := padded(mustHex("05 08 00 00 46 12 02"), 64)
	buf := make([]byte, 64)
	ctx := context.Background()
	for b.Loop() {
		if _, err := dev.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := dev.Read(ctx, buf); err != nil {
			b.Fatal(err)
		}
	}
}

const benchImage = 1 << 20

// BenchmarkFirmwareUpdate1MiB writes a 1 MiB image (20 165 chunks of 52
// bytes) to a scripted device that acknowledges as docs/hardware.md §2.8 says;
// chunk/op reports the time per chunk.
func BenchmarkFirmwareUpdate1MiB(b *testing.B) {
	data := testImage(benchImage, 1)
	img := device.FirmwareImage{Version: "1.3.0", ProductIDs: []uint16{0x24B9},
		Files: []device.FirmwareFile{fileOf("app.bin", "English", "0", data, "")}}
	t := &testing.T{}
	dev := newFakeDev(0x24B9)
	fd := &flashDevice{addr: AddrUSB, proto: 16, sends: map[int]int{}, dev: dev}
	dev.setScript(fd.answer)
	s := newSession(t)
	r := newRun(New(testOptions()), nil, s, dev.info, s.Log())
	opt := Options{}.withDefaults()
	r.p.opt = opt
	r.l = newLink(dev, Layout{Out: 64, In: 64}, &r.p.opt, s.Log())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.l.read(ctx)
	r.nodes[AddrUSB] = &node{addr: AddrUSB, dev: device.Device{Info: device.Info{ID: "hid:test", Name: "bench"}}}
	h := &handler{r: r, addr: AddrUSB}
	for b.Loop() {
		if err := h.UpdateFirmware(ctx, img, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(chunks(benchImage)), "ns/chunk")
}

// BenchmarkFirmwareUpdate1MiBBaseline writes the same number of prepared
// chunk reports to the same scripted device, reading its notices: the
// transport's and the device's share of the update.
func BenchmarkFirmwareUpdate1MiBBaseline(b *testing.B) {
	dev := newFakeDev(0x24B9)
	fd := &flashDevice{addr: AddrUSB, proto: 16, sends: map[int]int{}, dev: dev, chunks: map[int][]byte{}}
	fd.expected = chunks(benchImage)
	dev.setScript(fd.answer)
	n := chunks(benchImage)
	reports := make([][]byte, 0, 1024)
	for i := range 1024 {
		f := Frame{Dst: AddrUSB, Type: TypeEvent, Cmd: 0x0F, Sub: 0x1A, Payload: make([]byte, 4+ChunkSize)}
		f.Payload[0], f.Payload[1], f.Payload[2] = byte(i), byte(i>>8), ChunkSize
		buf := make([]byte, 64)
		f.Encode(buf)
		reports = append(reports, buf)
	}
	ctx := context.Background()
	buf := make([]byte, 64)
	var _ hid.Device = dev
	for b.Loop() {
		for i := range n {
			r := reports[i%1024]
			r[7], r[8] = byte(i), byte(i>>8)
			dev.Write(r)
			if i%10 == 0 || i == n-1 {
				dev.Read(ctx, buf)
			}
		}
		for { // drain the verify notice
			c, cancel := context.WithTimeout(ctx, 0)
			_, err := dev.Read(c, buf)
			cancel()
			if err != nil {
				break
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/chunk")
}
