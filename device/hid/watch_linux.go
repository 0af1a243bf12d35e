package hid

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// ueventSource yields raw uevent messages; next blocks until one arrives or
// ctx ends. errOverflow means messages were lost.
type ueventSource interface {
	next(ctx context.Context, buf []byte) (int, error)
	close() error
}

var errOverflow = errors.New("uevent messages lost")

// Watch listens to the kernel's uevents (netlink group 1) and reports every
// hidraw node that arrives or leaves. An arrival is reported once the node
// can be opened, or after OpenRetry at the latest: the kernel's event comes
// before udev gives the seat's user access (docs/hardware.md §4.7). The kernel
// group is used rather than udev's (group 2) because it works without a udev
// daemon (containers, minimal systems); the retry covers udev's delay. It
// costs nothing while nothing happens: the socket is waited on in poll(2).
func (h *Hidraw) Watch(ctx context.Context, changes chan<- Change) error {
	open := h.uevents
	if open == nil {
		open = openNetlink
	}
	src, err := open()
	if err != nil {
		return fmt.Errorf("watch HID devices: %w", err)
	}
	defer src.close()
	known := map[string]Info{}
	if infos, err := h.Enumerate(); err == nil {
		for _, i := range infos {
			known[i.Path] = i
		}
	}
	pending := map[string]context.CancelFunc{}
	ready := make(chan Change)
	buf := make([]byte, maxUeventSize)
	msgs := make(chan []byte)
	errs := make(chan error, 1)
	readerDone := make(chan struct{})
	defer func() { <-readerDone }() // before src.close: the reader uses it
	go func() {
		defer close(readerDone)
		for {
			n, err := src.next(ctx, buf)
			if err != nil && !errors.Is(err, errOverflow) {
				errs <- err
				return
			}
			var m []byte
			if err == nil {
				m = append([]byte(nil), buf[:n]...)
			}
			select {
			case msgs <- m: // nil: overflow, rescan
			case <-ctx.Done():
				return
			}
		}
	}()
	var queue []Change
	for {
		var send chan<- Change
		var first Change
		if len(queue) > 0 {
			send, first = changes, queue[0]
		}
		select {
		case <-ctx.Done():
			for _, cancel := range pending {
				cancel()
			}
			return nil
		case err := <-errs:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("watch HID devices: %w", err)
		case send <- first:
			queue = queue[1:]
		case c := <-ready:
			if _, ok := pending[c.Info.Path]; !ok {
				continue // removed while it waited
			}
			delete(pending, c.Info.Path)
			known[c.Info.Path] = c.Info
			queue = append(queue, c)
		case m := <-msgs:
			if m == nil {
				infos, err := h.Enumerate()
				if err != nil {
					continue
				}
				for _, c := range diffInfos(known, infos) {
					if c.Added {
						known[c.Info.Path] = c.Info
					} else {
						delete(known, c.Info.Path)
					}
					queue = append(queue, c)
				}
				continue
			}
			ev, err := parseUevent(m)
			if err != nil {
				continue
			}
			name, added, ok := ev.hidrawNode()
			if !ok {
				continue
			}
			path := filepath.Join(h.DevRoot, name)
			if cancel, ok := pending[path]; ok {
				cancel()
				delete(pending, path)
			}
			if !added {
				info, ok := known[path]
				if !ok {
					info = Info{Path: path, Interface: -1}
				}
				delete(known, path)
				queue = append(queue, Change{Added: false, Info: info})
				continue
			}
			actx, cancel := context.WithCancel(ctx)
			pending[path] = cancel
			go h.awaitAccess(actx, name, ready)
		}
	}
}

// awaitAccess waits, within OpenRetry, until the node of a new device can be
// opened read-write, then reports the arrival on ready (also when it never
// becomes accessible: the host lists it with the permission hint).
func (h *Hidraw) awaitAccess(ctx context.Context, name string, ready chan<- Change) {
	limit := h.OpenRetry
	if limit <= 0 {
		limit = DefaultOpenRetry
	}
	path := filepath.Join(h.DevRoot, name)
	deadline := time.Now().Add(limit)
	wait := 20 * time.Millisecond
	for {
		err := h.probe(path)
		if err == nil || !(errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOENT)) || time.Now().Add(wait).After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if wait < 400*time.Millisecond {
			wait *= 2
		}
	}
	info, _, err := h.info(name)
	if err != nil {
		info = Info{Path: path, Interface: -1}
	}
	select {
	case ready <- Change{Added: true, Info: info}:
	case <-ctx.Done():
	}
}

// probe tells whether the caller may read and write path; tests replace it.
func (h *Hidraw) probe(path string) error {
	if h.access != nil {
		return h.access(path)
	}
	return unix.Access(path, unix.R_OK|unix.W_OK)
}

// netlinkSource is a NETLINK_KOBJECT_UEVENT socket bound to the kernel's
// group, waited on with poll(2) next to an eventfd that ctx's end writes.
type netlinkSource struct {
	fd, wake int
}

func openNetlink() (ueventSource, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	// Best effort: a larger buffer loses fewer events in a burst.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink bind: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	return &netlinkSource{fd: fd, wake: wake}, nil
}

func (s *netlinkSource) next(ctx context.Context, buf []byte) (int, error) {
	stop := context.AfterFunc(ctx, func() {
		var one [8]byte
		one[0] = 1
		unix.Write(s.wake, one[:])
	})
	defer stop()
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, from, err := unix.Recvfrom(s.fd, buf, 0)
		switch {
		case err == nil:
			// Only the kernel (port 0) speaks on group 1.
			if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
				continue
			}
			return n, nil
		case errors.Is(err, unix.ENOBUFS):
			return 0, errOverflow
		case errors.Is(err, unix.EINTR):
			continue
		case !errors.Is(err, unix.EAGAIN):
			return 0, fmt.Errorf("netlink receive: %w", err)
		}
		fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}, {Fd: int32(s.wake), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil && !errors.Is(err, unix.EINTR) {
			return 0, fmt.Errorf("netlink poll: %w", err)
		}
		if fds[1].Revents&unix.POLLIN != 0 {
			var drain [8]byte
			unix.Read(s.wake, drain[:])
		}
	}
}

func (s *netlinkSource) close() error {
	unix.Close(s.wake)
	return unix.Close(s.fd)
}
