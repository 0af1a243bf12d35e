//go:build darwin

package config

import (
	"context"
	"os"
	"testing"

	"github.com/spf13/afero"
)

// TestKeychainReal stores, reads and deletes the password in the login
// Keychain through the real /usr/bin/security (the macOS CI workflow runs
// it); it is skipped where the Keychain needs a dialog.
func TestKeychainReal(t *testing.T) {
	home := os.Getenv("HOME")
	k := newKeychain("/usr/bin/security", home, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), keyringTimeout)
	defer cancel()
	if err := k.probe(ctx); err != nil {
		t.Skipf("the Keychain cannot be used without a dialog here: %v", err)
	}
	data, conf := t.TempDir(), t.TempDir()
	s := NewSecretStore(afero.NewOsFs(), data, conf, []string{"HOME=" + home})
	const pw = `Keychain "pässword" with spaces`
	if err := s.Save(pw); err != nil {
		t.Fatal(err)
	}
	defer s.Delete()
	if k := s.Kind(); k != "Keychain" {
		t.Errorf("Kind %q, want the Keychain", k)
	}
	got, ok, err := NewSecretStore(afero.NewOsFs(), data, conf, []string{"HOME=" + home}).Load()
	if err != nil || !ok || got != pw {
		t.Fatalf("Load = %q %v %v", got, ok, err)
	}
	if _, err := os.Stat(data + "/password.enc"); err == nil {
		t.Error("the encrypted file was written although the Keychain took the password")
	}
	if err := s.Delete(); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := NewSecretStore(afero.NewOsFs(), data, conf, []string{"HOME=" + home}).Load(); ok || err != nil {
		t.Errorf("after Delete: %q %v %v", got, ok, err)
	}
}
