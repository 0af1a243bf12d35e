package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// SystemConfigEnv is the environment variable that points the machine-wide
// file somewhere else: for tests and screenshots that need keys locked the
// way IT locks them, without writing /etc. It changes only where that one
// file is read from (on Windows it adds a file after the registry values);
// the keys it sets are shown locked like those of /etc.
const SystemConfigEnv = "EARSHOT_SYSTEM_CONFIG"

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

// WithSystemConfig returns p with the machine-wide file that environ
// ("K=V" pairs) names in EARSHOT_SYSTEM_CONFIG, when that is an absolute
// path; otherwise p as it is.
func WithSystemConfig(p Paths, environ []string) Paths {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, SystemConfigEnv+"="); ok && filepath.IsAbs(v) {
			p.Machine = v
		}
	}
	return p
}
