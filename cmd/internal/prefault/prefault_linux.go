package prefault

import "unsafe"

// madvPopulateRead is MADV_POPULATE_READ (Linux 5.14, include/uapi/asm-generic/mman-common.h).
const madvPopulateRead = 22

// mapsPath is /proc/self/maps as the kernel reads a path: ending in NUL.
var mapsPath = [...]byte{'/', 'p', 'r', 'o', 'c', '/', 's', 'e', 'l', 'f', '/', 'm', 'a', 'p', 's', 0}

// init reads where the program's code is mapped and maps all of it. It
// makes its system calls through rawSyscall rather than the syscall
// package: a package is initialised once the packages it imports are, and
// one that imports nothing is ready before nearly all of them (syscall
// would wait for sync, time, internal/poll… and everything that sorts
// before github.com, about twenty initialisers that would fault page by
// page).
func init() {
	var buf [4096]byte
	fd, errno := openRead(&mapsPath[0])
	if errno != 0 {
		return
	}
	n, errno := rawSyscall(sysRead, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	rawSyscall(sysClose, fd, 0, 0)
	if errno != 0 || n == 0 || n > uintptr(len(buf)) {
		return
	}
	for _, r := range programRanges(buf[:n]) {
		rawSyscall(sysMadvise, r.start, r.end-r.start, madvPopulateRead)
	}
}
