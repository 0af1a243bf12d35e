//go:build (windows || darwin) && cgo

package hid

/*
#include <stddef.h>

// hidapi 0.14, compiled into github.com/karalabe/hid (its cgo preamble
// includes hidapi's mac/hid.c or windows/hid.c), has this function but the
// Go package does not expose it; the final link resolves it there.
struct hid_device_;
extern int hid_get_report_descriptor(struct hid_device_ *dev, unsigned char *buf, size_t buf_size);
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"
	"unsafe"

	khid "github.com/karalabe/hid"

	"github.com/earshot-app/earshot/device/hid/descriptor"
)

// System returns the HID bus of the running system: hidapi through
// karalabe/hid on Windows and macOS, the only package that imports it.
func System() Bus { return hidapiBus{} }

type hidapiBus struct{}

// readSlice is how long one hidapi read waits before Read looks at its
// context and at Close again.
const readSlice = 100 // milliseconds

func (hidapiBus) Enumerate() ([]Info, error) {
	prepareOS()
	list, err := khid.Enumerate(0, 0)
	if err != nil {
		return nil, fmt.Errorf("list HID devices: %w", err)
	}
	out := make([]Info, 0, len(list))
	for _, d := range list {
		out = append(out, Info{
			Path: d.Path, VendorID: d.VendorID, ProductID: d.ProductID, Release: d.Release,
			Serial: d.Serial, Product: d.Product, Manufacturer: d.Manufacturer,
			Interface: d.Interface, UsagePage: d.UsagePage, Usage: d.Usage,
		})
	}
	return out, nil
}

func (b hidapiBus) Open(path string) (Device, error) {
	prepareOS()
	infos, err := b.Enumerate()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var info *Info
	for i := range infos {
		if infos[i].Path == path {
			info = &infos[i]
			break
		}
	}
	if info == nil {
		return nil, fmt.Errorf("open %s: %w (no longer present)", path, ErrClosed)
	}
	dev, err := khid.DeviceInfo{Path: path}.Open()
	if err != nil {
		// hidapi does not say why; on these systems a refusal is another
		// program's exclusive hold or the system's privacy setting.
		return nil, fmt.Errorf("open %s: %w (%v)", path, ErrPermission, err)
	}
	d := &hidapiDevice{info: *info, dev: dev, numbered: true}
	if desc, err := d.ReportDescriptor(); err == nil {
		if p, _ := descriptor.Parse(desc); p != nil && len(p.Fields) > 0 {
			d.numbered = p.Numbered
		}
	}
	if err := d.openPlatform(); err != nil {
		dev.Close()
		return nil, err
	}
	return d, nil
}

// Watch enumerates on a throttled timer: karalabe/hid has no hot-plug
// notification (see PollInterval and PollBudget for its cost).
func (b hidapiBus) Watch(ctx context.Context, changes chan<- Change) error {
	return pollWatch(ctx, b.Enumerate, changes, time.After, time.Now)
}

// hidapiDevice is one open hidapi device. Calls hold mu for reading, Close
// takes it for writing, so hid_close never runs under a read in flight.
type hidapiDevice struct {
	info     Info
	numbered bool
	mu       sync.RWMutex
	dev      khid.Device
	closed   bool
	plat     platformDevice
}

func (d *hidapiDevice) Info() Info { return d.info }

func (d *hidapiDevice) Read(ctx context.Context, buf []byte) (int, error) {
	if len(buf) < 2 {
		return 0, fmt.Errorf("read %s: buffer of %d bytes is too small", d.info.Path, len(buf))
	}
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		d.mu.RLock()
		if d.closed {
			d.mu.RUnlock()
			return 0, ErrClosed
		}
		off := 0
		if !d.numbered {
			buf[0], off = 0, 1
		}
		n, err := d.dev.ReadTimeout(buf[off:], readSlice)
		d.mu.RUnlock()
		if err != nil {
			// A failing read means the device went away (hidapi gives
			// no finer reason that could be acted on).
			return 0, fmt.Errorf("read %s: %w (%v)", d.info.Path, ErrClosed, err)
		}
		if n > 0 {
			return off + n, nil
		}
	}
}

func (d *hidapiDevice) Write(report []byte) (int, error) {
	if len(report) == 0 {
		return 0, fmt.Errorf("write %s: empty report", d.info.Path)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return 0, ErrClosed
	}
	n, err := d.writeOutput(report)
	if err != nil {
		return n, fmt.Errorf("write %s: %w", d.info.Path, err)
	}
	return n, nil
}

func (d *hidapiDevice) GetFeature(buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, fmt.Errorf("get feature report of %s: empty buffer", d.info.Path)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return 0, ErrClosed
	}
	n, err := d.dev.GetFeatureReport(buf)
	if err != nil {
		return n, fmt.Errorf("get feature report %02X of %s: %w", buf[0], d.info.Path, hidapiErr(err))
	}
	return n, nil
}

func (d *hidapiDevice) SendFeature(report []byte) (int, error) {
	if len(report) == 0 {
		return 0, fmt.Errorf("send feature report to %s: empty report", d.info.Path)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return 0, ErrClosed
	}
	// hid_send_feature_report takes the report ID first on every system.
	n, err := d.dev.SendFeatureReport(report)
	if err != nil {
		return n, fmt.Errorf("send feature report %02X to %s: %w", report[0], d.info.Path, hidapiErr(err))
	}
	return n, nil
}

// ReportDescriptor asks hidapi (macOS: the IOKit property; Windows: rebuilt
// from the preparsed data). It returns ErrNotSupported when hidapi cannot,
// and callers fall back to the usage page and usage.
func (d *hidapiDevice) ReportDescriptor() ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, ErrClosed
	}
	h := hidapiHandle(d.dev)
	if h == nil {
		return nil, fmt.Errorf("report descriptor of %s: %w", d.info.Path, ErrNotSupported)
	}
	buf := make([]byte, descriptor.MaxSize)
	n := C.hid_get_report_descriptor((*C.struct_hid_device_)(h), (*C.uchar)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
	if n <= 0 {
		return nil, fmt.Errorf("report descriptor of %s: %w", d.info.Path, ErrNotSupported)
	}
	return buf[:n], nil
}

// hidapiHandle returns the hid_device* inside karalabe/hid's device (an
// unexported field of the version go.mod pins), or nil when its shape is
// not the one expected.
func hidapiHandle(dev khid.Device) unsafe.Pointer {
	v := reflect.ValueOf(dev)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("device")
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() {
		return nil
	}
	return f.UnsafePointer()
}

func hidapiErr(err error) error {
	if errors.Is(err, khid.ErrDeviceClosed) {
		return ErrClosed
	}
	return err
}

func (d *hidapiDevice) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	d.closePlatform()
	return d.dev.Close()
}
