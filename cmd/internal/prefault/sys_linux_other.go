//go:build linux && !amd64

package prefault

import (
	"syscall"
	"unsafe"
)

// Elsewhere than amd64 the system calls go through the syscall package:
// the package then initialises later, after syscall's own dependencies.
const (
	sysRead    = syscall.SYS_READ
	sysClose   = syscall.SYS_CLOSE
	sysMadvise = syscall.SYS_MADVISE
)

func rawSyscall(trap, a1, a2, a3 uintptr) (r1, errno uintptr) {
	r1, _, e := syscall.RawSyscall(trap, a1, a2, a3)
	return r1, uintptr(e)
}

func openRead(path *byte) (fd, errno uintptr) {
	atFDCWD := -100 // a variable: a negative constant does not convert to uintptr
	r1, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(path)),
		syscall.O_RDONLY|syscall.O_CLOEXEC, 0, 0, 0)
	return r1, uintptr(e)
}
