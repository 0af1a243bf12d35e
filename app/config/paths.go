package config

import (
	"os"
	"path/filepath"
	"runtime"
)

// DefaultPaths returns where the machine-wide and user configuration live on
// this OS. On Windows the machine-wide settings are registry values (see
// MachineLayers), so Machine is empty there.
func DefaultPaths() Paths {
	var p Paths
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		p.Machine = "/etc/earshot/config.toml"
	case "darwin":
		p.Machine = "/Library/Preferences/Earshot/config.toml"
	}
	if dir, err := os.UserConfigDir(); err == nil {
		p.User = filepath.Join(dir, "earshot", "config.toml")
	}
	return p
}
