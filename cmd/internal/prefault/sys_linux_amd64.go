package prefault

import "unsafe"

// System call numbers of linux/amd64 (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	sysRead    = 0
	sysOpen    = 2
	sysClose   = 3
	sysMadvise = 28
	oCloexec   = 0o2000000
)

// rawSyscall makes a system call of up to three arguments without telling
// the scheduler (as syscall.RawSyscall does); sys_linux_amd64.s.
//
//go:noescape
func rawSyscall(trap, a1, a2, a3 uintptr) (r1, errno uintptr)

// openRead opens the NUL-terminated path for reading.
func openRead(path *byte) (fd, errno uintptr) {
	return rawSyscall(sysOpen, uintptr(unsafe.Pointer(path)), oCloexec, 0)
}
