package hid

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/earshot-app/earshot/device/hid/descriptor"
)

// Open opens /dev/hidrawN read-write. It never detaches a kernel driver.
func (h *Hidraw) Open(path string) (Device, error) {
	name := filepath.Base(path)
	if filepath.Join(h.DevRoot, name) != filepath.Clean(path) || !strings.HasPrefix(name, "hidraw") {
		return nil, fmt.Errorf("open %s: not a hidraw node under %s", path, h.DevRoot)
	}
	info, desc, err := h.info(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, openError(path, err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("open %s: eventfd: %w", path, err)
	}
	d := &hidrawDevice{info: info, fd: fd, wake: wake, sysDesc: desc, numbered: true}
	if len(desc) == 0 {
		desc, _ = d.ioctlDescriptor()
	}
	if len(desc) > 0 {
		if p, _ := descriptor.Parse(desc); p != nil && len(p.Fields) > 0 {
			d.numbered = p.Numbered
		}
	}
	return d, nil
}

// openError maps the OS's refusal to ErrPermission and a vanished node to
// ErrClosed, keeping the errno for the log.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return fmt.Errorf("open %s: %w (%w)", path, ErrPermission, err)
	case errors.Is(err, unix.ENODEV), errors.Is(err, unix.ENXIO):
		return fmt.Errorf("open %s: %w (%w)", path, ErrClosed, err)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// hidrawDevice is one open /dev/hidrawN. Reads wait in poll(2) on the node
// and an eventfd; Close and a context's end write the eventfd, so a waiting
// Read costs no wake-ups at all.
type hidrawDevice struct {
	info     Info
	sysDesc  []byte
	numbered bool // reports carry their ID; else Read adds the 0x00

	mu      sync.RWMutex // calls hold it for reading; Close for writing
	fd      int
	wake    int
	closed  bool        // under mu
	closing atomic.Bool // set first by Close, seen by a waiting Read
	gone    atomic.Bool // the device was unplugged
	once    sync.Once
}

func (d *hidrawDevice) Info() Info { return d.info }

// use runs f with the fd while the device is open.
func (d *hidrawDevice) use(f func(fd int) error) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed || d.gone.Load() {
		return ErrClosed
	}
	return f(d.fd)
}

func (d *hidrawDevice) signal() {
	var one [8]byte
	one[0] = 1 // eventfd counters are host-endian; any non-zero value wakes
	unix.Write(d.wake, one[:])
}

// Read waits for one input report.
func (d *hidrawDevice) Read(ctx context.Context, buf []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	stop := context.AfterFunc(ctx, d.signal)
	defer stop()
	var n int
	err := d.use(func(fd int) error {
		var err error
		n, err = d.readLoop(ctx, fd, buf)
		return err
	})
	if errors.Is(err, ErrClosed) {
		d.markGone(err)
	}
	return n, err
}

func (d *hidrawDevice) readLoop(ctx context.Context, fd int, buf []byte) (int, error) {
	if len(buf) < 2 {
		return 0, fmt.Errorf("read %s: buffer of %d bytes is too small", d.info.Path, len(buf))
	}
	for {
		if d.closing.Load() {
			return 0, ErrClosed
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(d.wake), Events: unix.POLLIN}}
		_, err := unix.Poll(fds, -1)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return 0, fmt.Errorf("read %s: poll: %w", d.info.Path, err)
		}
		if fds[1].Revents&unix.POLLIN != 0 {
			var drain [8]byte
			unix.Read(d.wake, drain[:])
			if d.closing.Load() {
				return 0, ErrClosed
			}
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		if fds[0].Revents&unix.POLLIN != 0 {
			// hidraw copies at most len(buf) bytes of the report; an
			// unnumbered report goes after the 0x00 Earshot puts first.
			off := 0
			if !d.numbered {
				buf[0], off = 0, 1
			}
			m, err := unix.Read(fd, buf[off:])
			switch {
			case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
				continue
			case errors.Is(err, unix.ENODEV), errors.Is(err, unix.EIO):
				return 0, fmt.Errorf("read %s: %w (%w)", d.info.Path, ErrClosed, err)
			case err != nil:
				return 0, fmt.Errorf("read %s: %w", d.info.Path, err)
			case m == 0:
				continue
			}
			return off + m, nil
		}
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			return 0, fmt.Errorf("read %s: %w (unplugged)", d.info.Path, ErrClosed)
		}
	}
}

func (d *hidrawDevice) Write(report []byte) (int, error) {
	return d.write("write", report)
}

func (d *hidrawDevice) write(what string, report []byte) (int, error) {
	if len(report) == 0 {
		return 0, fmt.Errorf("%s %s: empty report", what, d.info.Path)
	}
	var n int
	err := d.use(func(fd int) error {
		var err error
		n, err = unix.Write(fd, report)
		return err
	})
	return n, d.opError(what, err)
}

// opError wraps an error of an open device: gone → ErrClosed, refused →
// ErrPermission.
func (d *hidrawDevice) opError(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrClosed):
		return err
	case errors.Is(err, unix.ENODEV), errors.Is(err, unix.EIO), errors.Is(err, unix.ESHUTDOWN):
		d.markGone(err)
		return fmt.Errorf("%s %s: %w (%w)", what, d.info.Path, ErrClosed, err)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return fmt.Errorf("%s %s: %w (%w)", what, d.info.Path, ErrPermission, err)
	}
	return fmt.Errorf("%s %s: %w", what, d.info.Path, err)
}

// hidraw ioctl numbers: _IOC(_IOC_READ|_IOC_WRITE, 'H', nr, len) (uapi
// linux/hidraw.h; docs/hardware.md §4.6). Read|write encodes as 0xC0000000 on
// every Linux architecture (3<<30, or 6<<29 on mips, powerpc and sparc);
// lengths stay below 8192, the smallest size field.
const (
	hidiocSFeature = 0x06
	hidiocGFeature = 0x07
)

func hidiocRW(nr, size uintptr) uintptr { return 0xC0000000 | size<<16 | 'H'<<8 | nr }

func (d *hidrawDevice) ioctlBuf(what string, nr uintptr, buf []byte) (int, error) {
	if len(buf) == 0 || len(buf) >= 8192 {
		return 0, fmt.Errorf("%s %s: report of %d bytes (1…8191)", what, d.info.Path, len(buf))
	}
	var n int
	err := d.use(func(fd int) error {
		r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), hidiocRW(nr, uintptr(len(buf))), uintptr(unsafe.Pointer(&buf[0])))
		if errno != 0 {
			return errno
		}
		n = int(r)
		return nil
	})
	return n, d.opError(what, err)
}

// GetFeature reads the feature report whose ID is buf[0]; the kernel returns
// it with the ID first.
func (d *hidrawDevice) GetFeature(buf []byte) (int, error) {
	return d.ioctlBuf("get feature report of", hidiocGFeature, buf)
}

// SendFeature sends a feature report, ID first.
func (d *hidrawDevice) SendFeature(report []byte) (int, error) {
	return d.ioctlBuf("send feature report to", hidiocSFeature, report)
}

// ReportDescriptor returns the descriptor sysfs gave at Open, else asks the
// kernel through HIDIOCGRDESC.
func (d *hidrawDevice) ReportDescriptor() ([]byte, error) {
	if len(d.sysDesc) > 0 {
		return append([]byte(nil), d.sysDesc...), nil
	}
	return d.ioctlDescriptor()
}

func (d *hidrawDevice) ioctlDescriptor() ([]byte, error) {
	var out []byte
	err := d.use(func(fd int) error {
		size, err := unix.IoctlGetInt(fd, unix.HIDIOCGRDESCSIZE)
		if err != nil {
			return err
		}
		var rd unix.HIDRawReportDescriptor
		if size < 0 || size > len(rd.Value) {
			return fmt.Errorf("descriptor size %d", size)
		}
		rd.Size = uint32(size)
		if err := unix.IoctlHIDGetDesc(fd, &rd); err != nil {
			return err
		}
		out = append([]byte(nil), rd.Value[:size]...)
		return nil
	})
	if err != nil {
		return nil, d.opError("report descriptor of", err)
	}
	return out, nil
}

// markGone remembers an unplug so later calls fail fast.
func (d *hidrawDevice) markGone(error) { d.gone.Store(true) }

// Close wakes a waiting Read, waits for calls in flight, and closes the node.
func (d *hidrawDevice) Close() error {
	var err error
	d.once.Do(func() {
		d.closing.Store(true)
		d.signal()
		d.mu.Lock()
		d.closed = true
		err = unix.Close(d.fd)
		unix.Close(d.wake)
		d.mu.Unlock()
	})
	return err
}
