//go:build windows

package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"unsafe"

	"github.com/spf13/afero"
	"golang.org/x/sys/windows"
)

// NewSecretStore returns Windows' store for PASSWORD: the password sealed with
// DPAPI for the current user, in the data folder (keyDir is not needed: DPAPI
// keeps the key with the user's logon credentials).
func NewSecretStore(afs afero.Fs, dataDir, keyDir string, environ []string) SecretStore {
	return dpapiStore{fs: afs, path: filepath.Join(dataDir, "password.dpapi")}
}

type dpapiStore struct {
	fs   afero.Fs
	path string
}

func (s dpapiStore) Kind() string { return "DPAPI" }

func blob(b []byte) *windows.DataBlob {
	if len(b) == 0 {
		return &windows.DataBlob{}
	}
	return &windows.DataBlob{Size: uint32(len(b)), Data: &b[0]}
}

func (s dpapiStore) Load() (string, bool, error) {
	sealed, err := afero.ReadFile(s.fs, s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("stored password: %w", err)
	}
	if len(sealed) > maxSecretFile {
		return "", false, fmt.Errorf("%s is %d bytes, more than a secret can be", s.path, len(sealed))
	}
	var out windows.DataBlob
	if err := windows.CryptUnprotectData(blob(sealed), nil, blob([]byte(KeyPassword)), 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out); err != nil {
		return "", false, fmt.Errorf("stored password %s cannot be decrypted: %w", s.path, err)
	}
	defer windows.LocalFree(windows.Handle(unsafe.Pointer(out.Data)))
	return string(unsafe.Slice(out.Data, out.Size)), true, nil
}

func (s dpapiStore) Save(secret string) error {
	var out windows.DataBlob
	if err := windows.CryptProtectData(blob([]byte(secret)), nil, blob([]byte(KeyPassword)), 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out); err != nil {
		return fmt.Errorf("DPAPI: %w", err)
	}
	defer windows.LocalFree(windows.Handle(unsafe.Pointer(out.Data)))
	return writeOwnerOnly(s.fs, s.path, append([]byte(nil), unsafe.Slice(out.Data, out.Size)...))
}

func (s dpapiStore) Delete() error {
	if err := s.fs.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
