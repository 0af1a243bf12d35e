package analytics

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// osNameVersion returns "Windows" and major.minor.build from RtlGetVersion,
// which, unlike GetVersionEx, is not capped by the manifest.
func osNameVersion() (string, string) {
	v := windows.RtlGetVersion()
	return "Windows", fmt.Sprintf("%d.%d.%d", v.MajorVersion, v.MinorVersion, v.BuildNumber)
}
