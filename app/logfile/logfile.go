// Package logfile is a size-rotated log file: when the file would grow past
// MaxBytes it is renamed to name.1 (name.1 to name.2, …) and a new one begun,
// keeping Keep old files.
//
// A write the disk does not take (a full disk) leaves no partial line: the
// file is cut back to where the line began, the lines lost are counted, and
// the first write that succeeds again is preceded by one line saying how
// many were lost. Tee copies the log to several writers, each on its own, so
// a failing file never silences stderr.
package logfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// file is what File writes to: an *os.File, or a failing one in tests.
type file interface {
	io.WriteCloser
	Truncate(size int64) error
}

// File is an io.WriteCloser that rotates by size. It is safe for concurrent use.
type File struct {
	path     string
	maxBytes int64
	keep     int

	mu   sync.Mutex
	f    file
	size int64
	lost int // lines the disk did not take since the last that it did
	// pending: made by Lazy and not yet opened, nor closed; the first Write
	// (or Ready) creates the folder and opens the file.
	pending bool

	// openFile opens path for appending; os.OpenFile but in tests.
	openFile func(path string) (file, int64, error)
}

// Open opens (appending) or creates path, with its folder, owner-only.
func Open(path string, maxBytes int64, keep int) (*File, error) {
	l := Lazy(path, maxBytes, keep)
	if err := l.Ready(); err != nil {
		return nil, err
	}
	return l, nil
}

// Lazy is Open deferred: nothing is created or opened until the first
// Write (or Ready). A command that logs nothing then costs no folder, no
// file and no descriptor, which is most of what a short command did before
// it printed its answer.
func Lazy(path string, maxBytes int64, keep int) *File {
	return &File{path: path, maxBytes: maxBytes, keep: keep, openFile: openOS, pending: true}
}

// Ready opens a Lazy file now, so that a process that will log all day
// (the service, the window) fails at start rather than losing its lines.
func (l *File) Ready() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.openPending()
}

func (l *File) openPending() error {
	if !l.pending {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return fmt.Errorf("log folder: %w", err)
	}
	if err := l.open(); err != nil {
		return err
	}
	l.pending = false
	return nil
}

func openOS(path string) (file, int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

func (l *File) open() error {
	f, size, err := l.openFile(l.path)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	l.f, l.size = f, size
	return nil
}

// Write appends p, rotating first when p would take the file past MaxBytes.
// When the disk does not take all of p, the file is cut back to where p
// began, p is counted as lost and the error returned.
func (l *File) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.openPending(); err != nil {
		l.lost++
		return 0, err
	}
	if l.f == nil {
		return 0, os.ErrClosed
	}
	if l.lost > 0 {
		note := fmt.Appendf(nil, `{"time":%q,"level":"WARN","msg":"log lines lost: the disk did not take them","count":%d}`+"\n",
			time.Now().Format(time.RFC3339Nano), l.lost)
		if err := l.append(note); err != nil {
			l.lost++
			return 0, err
		}
		l.lost = 0
	}
	if err := l.append(p); err != nil {
		l.lost++
		return 0, err
	}
	return len(p), nil
}

// append writes p whole or not at all.
func (l *File) append(p []byte) error {
	if l.size > 0 && l.size+int64(len(p)) > l.maxBytes {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	n, err := l.f.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		if n > 0 {
			if terr := l.f.Truncate(l.size); terr != nil {
				return errors.Join(err, terr)
			}
		}
		return err
	}
	l.size += int64(n)
	return nil
}

func (l *File) rotate() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("rotate log: %w", err)
	}
	l.f = nil
	for i := l.keep - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", l.path, i), fmt.Sprintf("%s.%d", l.path, i+1))
	}
	if l.keep > 0 {
		_ = os.Rename(l.path, l.path+".1")
	} else {
		_ = os.Remove(l.path)
	}
	return l.open()
}

// Close closes the file.
func (l *File) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = false
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Tee returns a writer that writes each p to every w, each on its own: one
// failing (a full disk under the log file) does not keep p from the others
// (stderr). It fails only when every writer failed.
func Tee(ws ...io.Writer) io.Writer { return tee(ws) }

type tee []io.Writer

func (t tee) Write(p []byte) (int, error) {
	var errs []error
	for _, w := range t {
		if _, err := w.Write(p); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == len(t) && len(t) > 0 {
		return 0, errors.Join(errs...)
	}
	return len(p), nil
}
