package analytics

import "golang.org/x/sys/unix"

// osNameVersion returns "macOS" and the product version (kern.osproductversion).
func osNameVersion() (string, string) {
	v, err := unix.Sysctl("kern.osproductversion")
	if err != nil {
		v, _ = unix.Sysctl("kern.osrelease")
	}
	return "macOS", v
}
