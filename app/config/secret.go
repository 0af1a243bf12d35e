package config

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/afero"
)

// SecretStore keeps PASSWORD encrypted at rest (docs/configuration.md: "it will be
// encrypted before it is saved"): DPAPI on Windows, elsewhere an owner-only
// file encrypted with AES-GCM under a random key kept in another owner-only
// file, apart from the database. The clear password is never written to a
// file, the registry, the database or a log.
type SecretStore interface {
	// Load returns the stored password; ok is false when none is stored.
	Load() (secret string, ok bool, err error)
	Save(secret string) error
	Delete() error
	// Kind names the store for the Preferences page and diagnostics.
	Kind() string
}

// maxSecretFile bounds what is read back from a secret file.
const maxSecretFile = 64 << 10

// FileStore is the AES-GCM store: Key holds 32 random bytes, Data the nonce
// and the sealed password. Both are created owner-only (0600, folders 0700).
type FileStore struct {
	Fs        afero.Fs
	Key, Data string
}

// Kind implements SecretStore.
func (s FileStore) Kind() string { return "encrypted file" }

func (s FileStore) readBounded(path string) ([]byte, error) {
	st, err := s.Fs.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxSecretFile {
		return nil, fmt.Errorf("%s is %d bytes, more than a secret can be", path, st.Size())
	}
	return afero.ReadFile(s.Fs, path)
}

func (s FileStore) gcm(create bool) (cipher.AEAD, error) {
	key, err := s.readBounded(s.Key)
	if errors.Is(err, fs.ErrNotExist) && create {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("secret key: %w", err)
		}
		if err := writeOwnerOnly(s.Fs, s.Key, key); err != nil {
			return nil, fmt.Errorf("secret key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("secret key %s is %d bytes, not 32", s.Key, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Load implements SecretStore.
func (s FileStore) Load() (string, bool, error) {
	sealed, err := s.readBounded(s.Data)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("stored password: %w", err)
	}
	aead, err := s.gcm(false)
	if err != nil {
		return "", false, err
	}
	n := aead.NonceSize()
	if len(sealed) < n {
		return "", false, fmt.Errorf("stored password %s is damaged", s.Data)
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(KeyPassword))
	if err != nil {
		return "", false, fmt.Errorf("stored password %s cannot be decrypted with %s", s.Data, s.Key)
	}
	return string(plain), true, nil
}

// Save implements SecretStore.
func (s FileStore) Save(secret string) error {
	aead, err := s.gcm(true)
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	return writeOwnerOnly(s.Fs, s.Data, aead.Seal(nonce, nonce, []byte(secret), []byte(KeyPassword)))
}

// Delete implements SecretStore; the key stays for the next Save.
func (s FileStore) Delete() error {
	if err := s.Fs.Remove(s.Data); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// writeOwnerOnly writes data to path through a temporary file renamed into
// place, readable and writable by the owner only.
func writeOwnerOnly(afs afero.Fs, path string, data []byte) error {
	if err := afs.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := afs.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := afs.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return afs.Rename(tmp, path)
}

// newFileStore is the encrypted file of dataDir, its key in keyDir.
func newFileStore(afs afero.Fs, dataDir, keyDir string) FileStore {
	return FileStore{Fs: afs, Key: filepath.Join(keyDir, "secret.key"), Data: filepath.Join(dataDir, "password.enc")}
}
