//go:build unix && !linux && !darwin

package analytics

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// osNameVersion returns the OS's name and the kernel release.
func osNameVersion() (string, string) {
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		return unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Release[:])
	}
	return runtime.GOOS, ""
}
