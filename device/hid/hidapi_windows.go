//go:build windows && cgo

package hid

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// prepareOS: hidapi's Windows backend already opens devices shared
// (FILE_SHARE_READ|FILE_SHARE_WRITE).
func prepareOS() {}

// karalabe/hid's Write puts 0x00 before every report on Windows, which is
// right only for unnumbered devices: a numbered report (Jabra's report 5)
// would go out as report 0 (docs/hardware.md §4.5). Earshot therefore writes
// output reports through its own handle to the same device path, opened
// shared, with the report padded to the length Windows expects.
type platformDevice struct {
	h      windows.Handle
	outLen int // OutputReportByteLength, report ID included
	err    error
}

var (
	hidDLL                    = windows.NewLazySystemDLL("hid.dll")
	procHidDGetPreparsedData  = hidDLL.NewProc("HidD_GetPreparsedData")
	procHidDFreePreparsedData = hidDLL.NewProc("HidD_FreePreparsedData")
	procHidPGetCaps           = hidDLL.NewProc("HidP_GetCaps")
)

// hidpCaps is HIDP_CAPS (hidpi.h): five lengths and counts, 17 reserved
// USHORTs, then ten counts.
type hidpCaps struct {
	Usage, UsagePage                                                    uint16
	InputReportByteLength, OutputReportByteLength, FeatureReportByteLen uint16
	Reserved                                                            [17]uint16
	Counts                                                              [10]uint16
}

const hidpStatusSuccess = 0x00110000

// writeTimeout bounds one output report (hidapi waits as long).
const writeTimeout = 1000 // milliseconds

func (d *hidapiDevice) openPlatform() error {
	p, err := windows.UTF16PtrFromString(d.info.Path)
	if err != nil {
		d.plat.err = err
		return nil
	}
	h, err := windows.CreateFile(p, windows.GENERIC_WRITE, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		// Reading still works; writes will say why they cannot.
		d.plat.err = winErr(err)
		return nil
	}
	var pp uintptr
	// BOOLEAN and NTSTATUS come back in the low 8 and 32 bits of the register.
	if r, _, _ := procHidDGetPreparsedData.Call(uintptr(h), uintptr(unsafe.Pointer(&pp))); byte(r) == 0 {
		windows.CloseHandle(h)
		d.plat.err = errors.New("HidD_GetPreparsedData failed")
		return nil
	}
	var caps hidpCaps
	status, _, _ := procHidPGetCaps.Call(pp, uintptr(unsafe.Pointer(&caps)))
	procHidDFreePreparsedData.Call(pp)
	if uint32(status) != hidpStatusSuccess {
		windows.CloseHandle(h)
		d.plat.err = fmt.Errorf("HidP_GetCaps: status %#x", status)
		return nil
	}
	d.plat = platformDevice{h: h, outLen: int(caps.OutputReportByteLength)}
	return nil
}

func (d *hidapiDevice) closePlatform() {
	if d.plat.h != 0 {
		windows.CloseHandle(d.plat.h)
		d.plat.h = 0
	}
}

// writeOutput writes the report (report ID first) padded to the device's
// output report length, waiting at most writeTimeout.
func (d *hidapiDevice) writeOutput(report []byte) (int, error) {
	if d.plat.h == 0 {
		return 0, fmt.Errorf("no write handle: %w", d.plat.err)
	}
	if d.plat.outLen == 0 {
		return 0, fmt.Errorf("the device has no output reports: %w", ErrNotSupported)
	}
	if len(report) > d.plat.outLen {
		return 0, fmt.Errorf("report of %d bytes is longer than the device's %d", len(report), d.plat.outLen)
	}
	buf := make([]byte, d.plat.outLen)
	copy(buf, report)
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return 0, err
	}
	defer windows.CloseHandle(ev)
	ov := windows.Overlapped{HEvent: ev}
	err = windows.WriteFile(d.plat.h, buf, nil, &ov)
	if err != nil && !errors.Is(err, windows.ERROR_IO_PENDING) {
		return 0, winErr(err)
	}
	if s, _ := windows.WaitForSingleObject(ev, writeTimeout); s != windows.WAIT_OBJECT_0 {
		windows.CancelIoEx(d.plat.h, &ov)
	}
	var done uint32
	if err := windows.GetOverlappedResult(d.plat.h, &ov, &done, true); err != nil {
		return 0, winErr(err)
	}
	if int(done) < len(report) {
		return int(done), fmt.Errorf("wrote %d of %d bytes", done, len(report))
	}
	return len(report), nil
}

// winErr maps Windows errors to the transport's.
func winErr(err error) error {
	switch {
	case errors.Is(err, windows.ERROR_ACCESS_DENIED), errors.Is(err, windows.ERROR_SHARING_VIOLATION):
		return fmt.Errorf("%w (%w)", ErrPermission, err)
	case errors.Is(err, windows.ERROR_DEVICE_NOT_CONNECTED), errors.Is(err, windows.ERROR_FILE_NOT_FOUND),
		errors.Is(err, windows.ERROR_GEN_FAILURE), errors.Is(err, windows.ERROR_OPERATION_ABORTED):
		return fmt.Errorf("%w (%w)", ErrClosed, err)
	}
	return err
}
