package hid

import (
	"fmt"
	"runtime"
)

// Translation keys of the sentence that tells the user why a device could
// not be opened and what to do (translations/*.json; the text lives there).
const (
	// HintUdev (Linux): template fields .Path, .Command, .Rule.
	HintUdev = "hid.permission.udev"
	// HintOS (Windows, macOS): template field .Path.
	HintOS = "hid.permission.os"
)

// Hint is a translatable message: its key and the key/value pairs of its
// template, in the order translations.T takes them.
type Hint struct {
	Key  string
	Args []any
}

// PermissionHint tells how the user gives Earshot access to a device it may
// not open (an error wrapping ErrPermission). On Linux that is a udev rule,
// printed by `earshot udev-rules`.
func PermissionHint(info Info) Hint {
	return permissionHint(runtime.GOOS, info)
}

func permissionHint(goos string, info Info) Hint {
	path := info.Path
	if path == "" {
		path = fmt.Sprintf("%04x:%04x", info.VendorID, info.ProductID)
	}
	if goos == "linux" {
		return Hint{Key: HintUdev, Args: []any{
			"Path", path,
			"Command", "earshot udev-rules",
			"Rule", UdevRule(info.VendorID, info.ProductID),
		}}
	}
	return Hint{Key: HintOS, Args: []any{"Path", path}}
}
