package prefault

import "syscall"

// madvPopulateRead is MADV_POPULATE_READ (Linux 5.14, include/uapi/asm-generic/mman-common.h).
const madvPopulateRead = 22

func init() {
	var buf [4096]byte
	fd, err := syscall.Open("/proc/self/maps", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	n, _ := syscall.Read(fd, buf[:])
	syscall.Close(fd)
	if n <= 0 {
		return
	}
	for _, r := range programRanges(buf[:n]) {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, r.start, r.end-r.start, madvPopulateRead)
	}
}
