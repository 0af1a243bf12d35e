package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"
)

// keyring is an OS key store (the Secret Service, the Keychain) that Earshot
// prefers to the encrypted file. Every call is bounded by ctx; an error means
// the keyring cannot be used now (not running, locked behind a prompt, hung),
// and the caller falls back to the file.
type keyring interface {
	kind() string
	// probe says whether the keyring can be used without a prompt.
	probe(ctx context.Context) error
	load(ctx context.Context) (secret string, ok bool, err error)
	save(ctx context.Context, secret string) error
	remove(ctx context.Context) error
}

// errUnavailable marks a keyring that cannot be used now.
var errUnavailable = errors.New("not available")

// keyringTimeout bounds one keyring operation, connection included: a hung
// D-Bus or a `security` waiting for a dialog must not hang Earshot's start.
var keyringTimeout = 5 * time.Second

// fallbackStore keeps the password in the keyring when one can be used, else
// in the encrypted file, and moves it between them so it is never lost:
//   - a password in the file was saved while the keyring was away (a Save that
//     reaches the keyring removes the file), so it is the newer one: when the
//     keyring is back, Load moves it there and removes the file;
//   - a keyring that fails once is not asked again by this process, so a hung
//     bus costs one timeout, not one per call.
type fallbackStore struct {
	ring keyring
	file FileStore

	mu   sync.Mutex
	down bool   // the keyring failed in this process
	used string // Kind of the store last used; "" until one is
}

func newFallbackStore(ring keyring, file FileStore) *fallbackStore {
	return &fallbackStore{ring: ring, file: file}
}

func (s *fallbackStore) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), keyringTimeout)
}

// Kind implements SecretStore: the store the password is kept in now.
func (s *fallbackStore) Kind() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used == "" {
		s.used = s.file.Kind()
		if !s.down {
			ctx, cancel := s.ctx()
			defer cancel()
			if err := s.ring.probe(ctx); err == nil {
				s.used = s.ring.kind()
			} else {
				s.down = true
			}
		}
	}
	return s.used
}

// Load implements SecretStore.
func (s *fallbackStore) Load() (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fileV, fileOK, fileErr := s.file.Load()
	if !s.down {
		ctx, cancel := s.ctx()
		defer cancel()
		v, ok, err := s.ring.load(ctx)
		switch {
		case err != nil:
			s.down = true
			// Not running or locked: the file. Running but failing to
			// read an item it may hold: say so rather than run without.
			if !fileOK && fileErr == nil && !errors.Is(err, errUnavailable) {
				s.used = s.file.Kind()
				return "", false, fmt.Errorf("the %s cannot be read: %w", s.ring.kind(), err)
			}
		case fileOK:
			// Saved while the keyring was away: the newer one moves in.
			if err := s.ring.save(ctx, fileV); err != nil {
				s.down = true
				break
			}
			s.used = s.ring.kind()
			if err := s.removeFile(); err != nil {
				return fileV, true, fmt.Errorf("the password is now in the %s, but %w", s.ring.kind(), err)
			}
			return fileV, true, nil
		default:
			s.used = s.ring.kind()
			if ok {
				return v, true, nil
			}
			return "", false, fileErr
		}
	}
	s.used = s.file.Kind()
	return fileV, fileOK, fileErr
}

// Save implements SecretStore.
func (s *fallbackStore) Save(secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.down {
		ctx, cancel := s.ctx()
		defer cancel()
		if err := s.ring.save(ctx, secret); err == nil {
			s.used = s.ring.kind()
			if err := s.removeFile(); err != nil {
				// The file would win over the keyring at the next Load:
				// make it hold the same password rather than the old one.
				if err2 := s.file.Save(secret); err2 != nil {
					return fmt.Errorf("the password is in the %s, but %w", s.ring.kind(), err)
				}
			}
			return nil
		}
		s.down = true
	}
	s.used = s.file.Kind()
	return s.file.Save(secret)
}

// Delete implements SecretStore: from the keyring and from the file.
func (s *fallbackStore) Delete() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if !s.down {
		ctx, cancel := s.ctx()
		defer cancel()
		if err := s.ring.remove(ctx); err != nil {
			s.down = true
			errs = append(errs, fmt.Errorf("the %s: %w", s.ring.kind(), err))
		}
	}
	if err := s.file.Delete(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// removeFile removes the encrypted file and its key once the keyring holds
// the password.
func (s *fallbackStore) removeFile() error {
	if err := s.file.Delete(); err != nil {
		return fmt.Errorf("the old encrypted file %s could not be removed: %w", s.file.Data, err)
	}
	if err := s.file.Fs.Remove(s.file.Key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("the old key %s could not be removed: %w", s.file.Key, err)
	}
	return nil
}
