package analytics

import (
	"os"

	"golang.org/x/sys/unix"
)

// osNameVersion reads /etc/os-release (the distribution and its version),
// falling back to "Linux" and the kernel release.
func osNameVersion() (string, string) {
	var name, version string
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if b, err := os.ReadFile(p); err == nil {
			name, version = parseOSRelease(string(b))
			break
		}
	}
	if name == "" {
		name = "Linux"
	}
	if version == "" {
		var u unix.Utsname
		if unix.Uname(&u) == nil {
			version = unix.ByteSliceToString(u.Release[:])
		}
	}
	return name, version
}
