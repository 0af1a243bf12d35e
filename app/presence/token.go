package presence

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/afero"
)

// tokenFile holds the presence API's token in the data folder.
const tokenFile = "presence-token"

// tokenBytes is the token's entropy: 32 random bytes, 64 hex digits.
const tokenBytes = 32

// Tokens keeps the presence API's bearer token in the data folder, readable
// by the owner only. The token is made at first use and can be replaced.
type Tokens struct {
	Fs   afero.Fs
	Dir  string
	Rand io.Reader // nil means crypto/rand

	mu     sync.Mutex
	cached string
}

func (t *Tokens) path() string { return filepath.Join(t.Dir, tokenFile) }

// Token returns the token, making and storing one when there is none.
func (t *Tokens) Token() (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cached != "" {
		return t.cached, nil
	}
	b, err := afero.ReadFile(t.Fs, t.path())
	switch {
	case err == nil:
		tok := strings.TrimSpace(string(b))
		if len(tok) == 2*tokenBytes {
			if _, err := hex.DecodeString(tok); err == nil {
				// Keep it owner-only even if someone widened it.
				_ = t.Fs.Chmod(t.path(), 0o600)
				t.cached = tok
				return tok, nil
			}
		}
		// A damaged token file is replaced: the old token is useless.
	case !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("read the presence API token: %w", err)
	}
	return t.newLocked()
}

// NewToken replaces the token; the old one stops working at once.
func (t *Tokens) NewToken() (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.newLocked()
}

func (t *Tokens) newLocked() (string, error) {
	r := t.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, tokenBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("make a presence API token: %w", err)
	}
	tok := hex.EncodeToString(b)
	if err := t.Fs.MkdirAll(t.Dir, 0o700); err != nil {
		return "", fmt.Errorf("store the presence API token: %w", err)
	}
	tmp := t.path() + ".tmp"
	if err := afero.WriteFile(t.Fs, tmp, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("store the presence API token: %w", err)
	}
	// WriteFile keeps the mode of a file that existed; be sure.
	if err := t.Fs.Chmod(tmp, 0o600); err != nil {
		return "", fmt.Errorf("store the presence API token: %w", err)
	}
	if err := t.Fs.Rename(tmp, t.path()); err != nil {
		return "", fmt.Errorf("store the presence API token: %w", err)
	}
	t.cached = tok
	return tok, nil
}
