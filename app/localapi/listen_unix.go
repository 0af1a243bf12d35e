//go:build !windows

package localapi

import (
	"net"
	"syscall"
)

// listenPrivate creates the socket with no access for group and others from
// the first moment (the umask is process-wide, so this is only called at
// start-up, before other goroutines create files).
func listenPrivate(path string) (net.Listener, error) {
	old := syscall.Umask(0o177)
	defer syscall.Umask(old)
	return net.Listen("unix", path)
}
