//go:build !windows

package config

import (
	"path/filepath"

	"github.com/spf13/afero"
)

// NewSecretStore returns this OS's store for PASSWORD: the sealed password in
// the data folder, its key in the user's configuration folder (keyDir).
//
// macOS's Keychain and Linux's Secret Service are not used: the one way to the
// Keychain without cgo passes the secret on the `security` command line, where
// every process can see it, and a Secret Service runs on few of the headless
// machines earshotd serves; the encrypted file works everywhere.
func NewSecretStore(afs afero.Fs, dataDir, keyDir string) SecretStore {
	return FileStore{Fs: afs, Key: filepath.Join(keyDir, "secret.key"), Data: filepath.Join(dataDir, "password.enc")}
}
