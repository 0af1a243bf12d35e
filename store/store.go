package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
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

	// Logger is told, once per episode, when writes start failing (a full
	// disk) and when they succeed again, and of every repair; nil discards.
	Logger *slog.Logger
	// Now is the wall clock of repairs (the damaged file's new name) and of
	// the outbox's retention of endpoints no longer configured; nil is
	// time.Now.
	Now func() time.Time
	// AutoRepair makes a read-write store repair its file by itself when it
	// finds damage: at Open (a file shorter than its header says, a failed
	// consistency check, values whose checksum does not match) and while
	// running (bbolt failing on a damaged page). The damaged file is kept
	// beside the repaired one (RepairFile) and OnRepair is told.
	AutoRepair bool
	// OnRepair is called after each repair AutoRepair made (not for an
	// explicit Repair). It must not call the store.
	OnRepair func(RepairReport)
	// MaxSize caps the file's size in bytes, 0 = none: a write that would
	// grow it further fails as on a full disk (tests inject a full disk so).
	MaxSize int
}

// Store is Earshot's database. Its methods are safe for concurrent use.
type Store struct {
	// mu guards db: held shared by every transaction, exclusively while the
	// file is repaired and reopened.
	mu        sync.RWMutex
	db        *bolt.DB
	path      string
	o         Options
	repairing atomic.Bool
	health    health
	writePath // group commit (Write) and the outbox's state; see write.go
}

// Open opens the store at path. Read-write, it creates the parent folder
// (0700) and the file (0600) when missing and brings an older schema up to
// date. When another process holds the file, the error wraps ErrLocked; when
// the file is damaged (and AutoRepair is off), ErrDamaged.
func Open(path string, o Options) (*Store, error) {
	if o.Timeout == 0 {
		o.Timeout = defaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ReadOnly {
		o.AutoRepair = false
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{path: path, o: o}
	// Open repairs by itself (below); reads it makes must not start a
	// repair of their own meanwhile.
	s.repairing.Store(true)
	defer s.repairing.Store(false)
	db, err := s.openDB()
	if errors.Is(err, ErrDamaged) && o.AutoRepair {
		if db, err = s.repairAtOpen(err); err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.db = db
	if o.AutoRepair {
		// The check reads every page; the pages it touched need not stay
		// resident in an all-day service (releaseMapped).
		defer s.releaseMapped()
		if rep, err := s.verify(true); err == nil && !rep.OK() {
			_ = db.Close()
			s.db = nil
			if db, err = s.repairAtOpen(fmt.Errorf("%w: %s", ErrDamaged, rep.Problems[0])); err != nil {
				return nil, fmt.Errorf("open store %s: %w", path, err)
			}
			s.db = db
		}
	}
	if !o.ReadOnly {
		s.startWriter()
	}
	return s, nil
}

// schemaCurrent tells whether the file already has the schema this build
// writes, so that opening it needs no write transaction: bbolt commits even
// an empty one, with its two fsyncs, and every command opens the store.
func schemaCurrent(db *bolt.DB) bool {
	current := false
	_ = db.View(func(tx *bolt.Tx) error {
		v, err := readVersion(tx)
		current = err == nil && tx.Bucket([]byte(bucketMeta)) != nil && v == schemaVersion
		return nil
	})
	return current
}

// openDB opens the bbolt file and prepares its schema, turning damage
// (a short file, a panic on a damaged page) into an error wrapping
// ErrDamaged.
func (s *Store) openDB() (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				_ = db.Close()
			}
			db, err = nil, damage(r)
		}
	}()
	if err := checkHeader(s.path); err != nil {
		return nil, err
	}
	db, err = bolt.Open(s.path, 0o600, &bolt.Options{Timeout: s.o.Timeout, ReadOnly: s.o.ReadOnly, MaxSize: s.o.MaxSize,
		PreLoadFreelist: true}) // Verify reads which pages are free
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, ErrLocked
	}
	if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch) {
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	if err != nil {
		return nil, err
	}
	if s.o.ReadOnly {
		err = db.View(checkVersion)
	} else if !schemaCurrent(db) {
		err = db.Update(func(tx *bolt.Tx) error { return prepareSchema(tx, migrations, schemaVersion) })
	}
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// repairAtOpen repairs the file after Open found damage, and opens the
// repaired file.
func (s *Store) repairAtOpen(found error) (*bolt.DB, error) {
	s.o.Logger.Error("database damaged; repairing it", "file", s.path, "err", found)
	rep, err := RepairFile(s.path, s.o.Now())
	if err != nil {
		return nil, fmt.Errorf("repair after %v: %w", found, err)
	}
	s.reportRepair(rep)
	return s.openDB()
}

func (s *Store) reportRepair(rep RepairReport) {
	logRepair(s.o, s.path, rep)
	s.health.noteRepair(rep)
	if s.o.OnRepair != nil {
		s.o.OnRepair(rep)
	}
}

// logRepair logs what a repair kept, salvaged and lost.
func logRepair(o Options, path string, rep RepairReport) {
	ev := rep.Kind("events")
	o.Logger.Warn("database repaired", "file", path, "damagedCopy", rep.DamagedPath,
		"kept", rep.Kept, "salvaged", rep.Salvaged, "lostValues", rep.LostValues, "lostParts", rep.LostParts,
		"eventsKept", ev.Kept, "eventsSalvaged", ev.Salvaged, "eventsLost", ev.Lost)
}

// damage turns a recovered panic into an error wrapping ErrDamaged.
func damage(r any) error {
	return fmt.Errorf("%w: reading it failed (%v)", ErrDamaged, r)
}

// view runs fn in a read-only transaction; a panic (bbolt on a damaged
// page) becomes an error wrapping ErrDamaged and, with AutoRepair, starts a
// repair.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	err := s.guarded(func() error { return s.db.View(fn) })
	s.afterDamage(err)
	return err
}

// update is view for a read-write transaction; a failure to write the file
// (rather than fn's error) is counted as a storage failure and wraps
// ErrStorage.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	err, storage := s.tryUpdate(fn)
	if storage {
		return s.health.failed(s.o, err, 0)
	}
	if err == nil {
		s.health.succeeded(s.o)
	}
	return err
}

// tryUpdate runs fn in a read-write transaction; storage tells that the
// error is the file's (the commit failed), not fn's nor damage.
func (s *Store) tryUpdate(fn func(*bolt.Tx) error) (err error, storage bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return ErrClosed, false
	}
	var fnErr error
	err = s.guarded(func() error {
		return s.db.Update(func(tx *bolt.Tx) error {
			fnErr = fn(tx)
			return fnErr
		})
	})
	s.afterDamage(err)
	return err, err != nil && fnErr == nil && !errors.Is(err, ErrDamaged)
}

func (s *Store) guarded(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damage(r)
		}
	}()
	return fn()
}

// afterDamage starts a repair when err reports damage and AutoRepair is on.
func (s *Store) afterDamage(err error) {
	if err == nil || !errors.Is(err, ErrDamaged) || !s.o.AutoRepair || !s.repairing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.repairing.Store(false)
		rep, rerr := s.Repair()
		if rerr != nil {
			s.o.Logger.Error("repair of the damaged database failed", "file", s.path, "err", rerr)
			return
		}
		if s.o.OnRepair != nil {
			s.o.OnRepair(rep)
		}
	}()
}

// Repair repairs the open store's file (RepairFile) and goes on with the
// repaired file. Writes wait meanwhile.
func (s *Store) Repair() (RepairReport, error) {
	if s.o.ReadOnly {
		return RepairReport{}, errors.New("repair: store is read-only")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return RepairReport{}, fmt.Errorf("repair: %w", ErrClosed)
	}
	s.o.Logger.Error("database damaged; repairing it", "file", s.path)
	if err := s.db.Close(); err != nil {
		s.o.Logger.Warn("close damaged database", "err", err)
	}
	rep, err := RepairFile(s.path, s.o.Now())
	if err != nil {
		// Go on with whatever the file is, so the process can still stop.
		if db, oerr := s.openDB(); oerr == nil {
			s.db = db
		}
		return RepairReport{}, err
	}
	db, err := s.openDB()
	if err != nil {
		return rep, fmt.Errorf("reopen repaired database: %w", err)
	}
	s.db = db
	logRepair(s.o, s.path, rep)
	s.health.noteRepair(rep)
	return rep, nil
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.guarded(s.db.Close)
	s.db = nil
	if err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// SchemaVersion is the schema version stored in the file.
func (s *Store) SchemaVersion() (int, error) {
	var v int
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		v, err = readVersion(tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}
