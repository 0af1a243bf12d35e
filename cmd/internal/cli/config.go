package cli

import (
	"path/filepath"
	"runtime"
	"strings"

	"github.com/earshot-app/earshot/app/config"
	"github.com/spf13/afero"
)

// loadConfig reads every layer of the configuration (docs/configuration.md) and keeps the
// password encrypted at rest: a clear PASSWORD in a file or the registry moves
// into the protected store, and the stored one is used when no source sets it.
// password says whether the stored PASSWORD is wanted: without it, the
// store is consulted only to move a password found in clear into it.
func loadConfig(afs afero.Fs, o options, environ []string, password bool) (config.Config, []config.Problem, config.Paths, config.SecretStore) {
	paths := config.WithSystemConfig(userPaths(environ), environ)
	paths.Flag = o.configFile
	machine, problems := machineLayers()
	cfg, more := config.Load(afs, paths, machine, []config.Layer{config.EnvLayer(environ)})
	problems = append(problems, more...)
	store := config.NewSecretStore(afs, o.data, filepath.Dir(paths.User), environ)
	if password || cfg.Sources[config.KeyPassword] != "" {
		problems = append(problems, config.ProtectPassword(afs, &cfg, store, paths)...)
	}
	return cfg, problems, paths, store
}

// userPaths is config.DefaultPaths, with the user's folder taken from the
// given environment's XDG_CONFIG_HOME on Linux as os.UserConfigDir would.
func userPaths(environ []string) config.Paths {
	p := defaultPaths()
	if runtime.GOOS != "linux" {
		return p
	}
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "XDG_CONFIG_HOME="); ok && filepath.IsAbs(v) {
			p.User = filepath.Join(v, "earshot", "config.toml")
		}
	}
	return p
}

// defaultPaths is config.DefaultPaths; tests put the machine-wide file
// (/etc/earshot/config.toml) in a temporary folder here.
var defaultPaths = config.DefaultPaths

// machineLayers is config.MachineLayers; tests put a simulated registry here.
var machineLayers = config.MachineLayers
