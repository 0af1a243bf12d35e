//go:build darwin

package config

import (
	"path/filepath"
	"strings"

	"github.com/spf13/afero"
)

// NewSecretStore returns macOS's store for PASSWORD: the user's Keychain
// (secret_keychain.go) when environ has a HOME and the Keychain answers
// without a dialog, else the encrypted file: the sealed password in the data
// folder, its key in the user's configuration folder (keyDir). The password
// moves from the file into the Keychain when that can be used later
// (secret_keyring.go).
func NewSecretStore(afs afero.Fs, dataDir, keyDir string, environ []string) SecretStore {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	var home string
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok && filepath.IsAbs(v) {
			home = v
		}
	}
	return newFallbackStore(newKeychain("/usr/bin/security", home, abs), newFileStore(afs, dataDir, keyDir))
}
