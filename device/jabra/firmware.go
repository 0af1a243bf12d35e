package jabra

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/jabra/gncrc"
)

// Firmware update over GN (docs/hardware.md §2.8, fwupd's jabra-gnp plugin).

// ChunkSize is the image bytes one 0F/1A frame carries.
const ChunkSize = 52

// ackEvery is how many chunks go out between the device's chunk notices.
const ackEvery = 10

// maxImage bounds one image read into memory.
const maxImage = 64 << 20

// ErrCannotUpdate is wrapped by the error for a device whose firmware
// protocol Earshot does not write.
var ErrCannotUpdate = errors.New("Earshot cannot update this device's firmware yet")

// image is one partition image ready to be written.
type image struct {
	name      string
	partition byte
	data      []byte
	crc       uint32
}

// UpdateFirmware writes img to the device (see device.FirmwareUpdater).
func (h *handler) UpdateFirmware(ctx context.Context, img device.FirmwareImage, progress func(percent int)) error {
	if progress == nil {
		progress = func(int) {}
	}
	r := h.r
	r.mu.Lock()
	n := r.nodes[h.addr]
	if n == nil {
		r.mu.Unlock()
		return fmt.Errorf("update firmware: the device is no longer attached: %w", device.ErrDeviceLost)
	}
	if n.updating {
		r.mu.Unlock()
		return fmt.Errorf("update firmware: %s is already being updated", n.dev.Name)
	}
	if child := r.nodes[AddrChild]; h.addr != AddrChild && child != nil {
		// fwupd's rule (docs/hardware.md §2.7): the dongle is updated alone.
		r.mu.Unlock()
		return fmt.Errorf("update the firmware of %s: turn %s off or unpair it first; a dongle is updated without its headset",
			n.dev.Name, child.dev.Name)
	}
	n.updating = true
	name := n.dev.Name
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		n.updating = false
		r.mu.Unlock()
	}()

	err := h.update(ctx, n, name, img, progress)
	switch {
	case err == nil:
	case errors.Is(err, errGone), errors.Is(err, ErrNotConnected), errors.Is(err, ErrNoReply) && r.lost():
		return fmt.Errorf("update the firmware of %s: %v: %w", name, err, device.ErrDeviceLost)
	default:
		return err
	}
	r.mu.Lock()
	n.dev.Firmware = img.Version
	if r.nodes[h.addr] == n {
		r.emit(device.Changed, n)
	}
	r.mu.Unlock()
	progress(100)
	return nil
}

// lost tells whether the interface is gone.
func (r *run) lost() bool {
	select {
	case <-r.l.gone:
		return true
	default:
		return false
	}
}

func (h *handler) update(ctx context.Context, n *node, name string, img device.FirmwareImage, progress func(int)) error {
	addr := h.addr
	l := h.r.l
	f, err := l.request(ctx, addr, TypeGet, 0x02, 0x14)
	if err != nil {
		return fmt.Errorf("update the firmware of %s: read its firmware protocol: %w", name, err)
	}
	if len(f.Payload) < 1 {
		return fmt.Errorf("update the firmware of %s: its firmware protocol answer is empty", name)
	}
	proto := int(f.Payload[0])
	if proto != 7 && proto != 16 {
		return fmt.Errorf("%w: %s uses firmware protocol %d, and Earshot writes protocols 7 and 16 only", ErrCannotUpdate, name, proto)
	}
	if f, err := l.request(ctx, addr, TypeGet, 0x02, 0x13); err == nil && len(f.Payload) >= 2 {
		pid := uint16(f.Payload[0]) | uint16(f.Payload[1])<<8
		if !slices.Contains(img.ProductIDs, pid) && !slices.Contains(img.ProductIDs, n.dev.ProductID) {
			return &device.FirmwareError{Failure: device.FailureFileMismatch,
				Err: fmt.Errorf("the archive targets product ids %04X, the device's firmware product id is %04X", img.ProductIDs, pid)}
		}
	} else if err != nil && !errors.Is(err, ErrNotSupported) {
		return fmt.Errorf("update the firmware of %s: read its firmware product id: %w", name, err)
	}
	version, err := versionBytes(img.Version)
	if err != nil {
		return &device.FirmwareError{Failure: device.FailureFileMismatch, Err: err}
	}
	images, err := selectImages(img)
	if err != nil {
		return err
	}
	total := 0
	for _, im := range images {
		total += chunks(len(im.data))
	}
	sent := 0
	last := -1
	report := func() {
		pct := sent * 99 / max(total, 1) // 100 once the device runs the new version
		if pct > last {
			last = pct
			progress(pct)
		}
	}
	report()
	return l.hold(func(x exchange) error {
		for _, im := range images {
			if err := h.writeImage(ctx, x, proto, im, version, func(k int) { sent += k; report() }); err != nil {
				return fmt.Errorf("update the firmware of %s: image %s: %w", name, im.name, err)
			}
		}
		if _, err := x.request(ctx, addr, TypeSet, 0x0F, 0x1D); err != nil {
			return fmt.Errorf("update the firmware of %s: start the new firmware: %w", name, err)
		}
		return nil
	})
}

// writeImage runs steps 2–8 of docs/hardware.md §2.8 for one image.
func (h *handler) writeImage(ctx context.Context, x exchange, proto int, im image, version [3]byte, sent func(int)) error {
	addr, opt := h.addr, h.r.p.opt
	if _, err := x.request(ctx, addr, TypeSet, 0x0F, 0x2D, im.partition); err != nil {
		return fmt.Errorf("select partition %d: %w", im.partition, err)
	}
	// The erase notice may follow the start's ACK at once: wait for both.
	erase := x.expectEvent(addr, 0x0F, 0x18)
	defer x.forget(erase)
	if _, err := x.request(ctx, addr, TypeSet, 0x0F, 0x17); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if _, err := x.waitEvent(ctx, addr, 0x0F, 0x18, opt.EraseTimeout, erase); err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	count := chunks(len(im.data))
	var crc []byte
	crc = le32(crc, im.crc)
	if proto == 7 {
		crc = le16(le16(crc, uint16(count)), ackEvery)
	} else {
		crc = le32(le16(le16(crc, 0), ackEvery), uint32(count))
	}
	if _, err := x.request(ctx, addr, TypeSet, 0x0F, 0x19, crc...); err != nil {
		return fmt.Errorf("send the CRC: %w", err)
	}
	verify := x.expectEvent(addr, 0x0F, 0x1C)
	defer x.forget(verify)
	if err := h.writeChunks(ctx, x, im.data, count, sent); err != nil {
		return err
	}
	if _, err := x.waitEvent(ctx, addr, 0x0F, 0x1C, opt.VerifyTimeout, verify); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if _, err := x.request(ctx, addr, TypeSet, 0x0F, 0x1E, version[:]...); err != nil {
		return fmt.Errorf("write the version: %w", err)
	}
	return nil
}

// writeChunks sends the image's chunks (0F/1A, sequence 00, no reply each);
// after every tenth and after the last the device says which chunk it has
// (0F/1B); another number than the one just sent resends from the one
// after it, a bounded number of times.
func (h *handler) writeChunks(ctx context.Context, x exchange, data []byte, count int, sent func(int)) error {
	addr, opt := h.addr, h.r.p.opt
	acked, resends := -1, 0
	frame := Frame{Dst: addr, Src: AddrHost, Seq: 0, Type: TypeEvent, Cmd: 0x0F, Sub: 0x1A,
		Payload: make([]byte, 4, 4+ChunkSize)}
	for i := 0; i < count; {
		part := data[i*ChunkSize : min((i+1)*ChunkSize, len(data))]
		frame.Payload = append(frame.Payload[:0], byte(i), byte(i>>8), byte(len(part)), byte(len(part)>>8))
		frame.Payload = append(frame.Payload, part...)
		check := i%ackEvery == 0 || i == count-1
		var w *waiter
		if check {
			w = x.expectEvent(addr, 0x0F, 0x1B)
		}
		if err := x.write(frame); err != nil {
			x.forget(w)
			return fmt.Errorf("chunk %d: %w", i, err)
		}
		if !check {
			i++
			continue
		}
		f, err := x.waitEvent(ctx, addr, 0x0F, 0x1B, opt.Timeout, w)
		got := -2
		switch {
		case err == nil && len(f.Payload) >= 2:
			got = int(int16(uint16(f.Payload[0]) | uint16(f.Payload[1])<<8))
		case err != nil && (errors.Is(err, errGone) || ctx.Err() != nil || errors.As(err, new(*NACKError))):
			return fmt.Errorf("chunk %d: %w", i, err)
		}
		if got == i {
			sent(i - acked)
			acked, resends = i, 0
			i++
			continue
		}
		if resends++; resends > opt.Attempts {
			return fmt.Errorf("chunk %d: the device acknowledged %d after %d resends", i, got, opt.Attempts)
		}
		next := acked + 1
		if got > acked && got < i {
			sent(got - acked)
			acked, next = got, got+1
		}
		h.r.log.Debug("GN chunk acknowledgement wrong; resending", "sent", i, "acknowledged", got, "from", next)
		i = next
	}
	return nil
}

// selectImages reads the images to write: those in English, those in the
// language the configuration asks for, and those with no language; each
// with a partition number and, when info.xml gives one, a matching CRC.
func selectImages(img device.FirmwareImage) ([]image, error) {
	var out []image
	for _, f := range img.Files {
		if f.Language != "" && !device.IsEnglish(f.Language) && !device.LanguageMatches(f.Language, img.Language) {
			continue
		}
		part, err := strconv.ParseUint(strings.TrimSpace(f.Partition), 0, 8)
		if err != nil {
			return nil, &device.FirmwareError{Failure: device.FailureFileMismatch,
				Err: fmt.Errorf("image %s has partition %q, not a partition number", f.Name, f.Partition)}
		}
		if f.Open == nil {
			return nil, fmt.Errorf("image %s cannot be opened", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("open image %s: %w", f.Name, err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, maxImage+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("read image %s: %w", f.Name, err)
		}
		if len(data) > maxImage || chunks(len(data)) > 0xFFFF+1 {
			return nil, &device.FirmwareError{Failure: device.FailureFileMismatch,
				Err: fmt.Errorf("image %s is %d bytes, more than one GN update carries", f.Name, len(data))}
		}
		sum := gncrc.Checksum(data)
		if strings.TrimSpace(f.CRC) != "" {
			want, err := gncrc.Parse(f.CRC)
			if err != nil || want != sum {
				return nil, &device.FirmwareError{Failure: device.FailureFileMismatch,
					Err: fmt.Errorf("image %s: info.xml says crc %s, the image's is %s", f.Name, f.CRC, gncrc.Format(sum))}
			}
		}
		out = append(out, image{name: f.Name, partition: byte(part), data: data, crc: sum})
	}
	if len(out) == 0 {
		return nil, &device.FirmwareError{Failure: device.FailureLanguageNotFound,
			Err: errors.New("the archive has no image in English or in the language asked for")}
	}
	return out, nil
}

// versionBytes reads "major.minor.micro", each ≤ 255.
func versionBytes(v string) ([3]byte, error) {
	var out [3]byte
	parts := strings.Split(strings.TrimSpace(v), ".")
	if len(parts) != 3 {
		return out, fmt.Errorf("version %q is not major.minor.micro", v)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 8)
		if err != nil {
			return out, fmt.Errorf("version %q: %q is not a number from 0 to 255", v, p)
		}
		out[i] = byte(n)
	}
	return out, nil
}

func chunks(n int) int { return (n + ChunkSize - 1) / ChunkSize }

func le16(b []byte, v uint16) []byte { return append(b, byte(v), byte(v>>8)) }
func le32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}
