//go:build !windows && !darwin

package config

import (
	"path/filepath"

	"github.com/spf13/afero"
)

// NewSecretStore returns this OS's store for PASSWORD: the Secret Service of
// environ's D-Bus session bus when one runs and its default collection is
// unlocked (secret_service.go), else the encrypted file: the sealed password
// in the data folder, its key in the user's configuration folder (keyDir).
// The password moves from the file into the Secret Service when that appears
// later (secret_keyring.go).
func NewSecretStore(afs afero.Fs, dataDir, keyDir string, environ []string) SecretStore {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	return newFallbackStore(secretService{bus: sessionBusAddress(environ), data: abs}, newFileStore(afs, dataDir, keyDir))
}
