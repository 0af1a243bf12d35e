//go:build !unix && !windows

package analytics

import "runtime"

// osNameVersion returns the OS's name; the version is unknown.
func osNameVersion() (string, string) { return runtime.GOOS, "" }
