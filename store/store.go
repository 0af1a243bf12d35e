package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked is returned by Open when another process holds the file.
var ErrLocked = errors.New("another Earshot is running")

// defaultTimeout is how long Open waits for the file lock when Options.Timeout is zero.
const defaultTimeout = time.Second

// Options tune Open.
type Options struct {
	Timeout  time.Duration // how long to wait for the file lock; 0 means 1s
	ReadOnly bool          // share the file with other readers; the file must exist at the current schema
}

// Store is Earshot's database. Its methods are safe for concurrent use.
type Store struct {
	db        *bolt.DB
	path      string
	writePath // group commit (Write) and the outbox's state; see write.go
}

// Open opens the store at path. Read-write, it creates the parent folder
// (0700) and the file (0600) when missing and brings an older schema up to
// date. When another process holds the file, the error wraps ErrLocked.
func Open(path string, o Options) (*Store, error) {
	if o.Timeout == 0 {
		o.Timeout = defaultTimeout
	}
	if !o.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.Timeout, ReadOnly: o.ReadOnly})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if o.ReadOnly {
		err = db.View(checkVersion)
	} else {
		err = db.Update(func(tx *bolt.Tx) error { return prepareSchema(tx, migrations, schemaVersion) })
	}
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if !o.ReadOnly {
		s.startWriter()
	}
	return s, nil
}

// checkVersion accepts only a file at the current schema version: a read-only
// store cannot migrate.
func checkVersion(tx *bolt.Tx) error {
	v, err := readVersion(tx)
	if err != nil {
		return err
	}
	switch {
	case v > schemaVersion:
		return newerSchema(v, schemaVersion)
	case v < schemaVersion:
		return fmt.Errorf("schema version %d needs upgrading to %d: open the store read-write first", v, schemaVersion)
	}
	return nil
}

// Close releases the file.
func (s *Store) Close() error {
	s.stopWriter()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// SchemaVersion is the schema version stored in the file.
func (s *Store) SchemaVersion() (int, error) {
	var v int
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		v, err = readVersion(tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}
