package logfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "logs", "earshot.log")
	l, err := Open(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 39) + "\n" // 40 bytes
	for i := 0; i < 10; i++ {
		if _, err := l.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		size int64
	}{{"earshot.log", 80}, {"earshot.log.1", 80}, {"earshot.log.2", 80}} {
		st, err := os.Stat(filepath.Join(dir, "logs", tc.name))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if st.Size() != tc.size {
			t.Errorf("%s has %d bytes, want %d", tc.name, st.Size(), tc.size)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", tc.name, st.Mode().Perm())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "logs", "earshot.log.3")); !os.IsNotExist(err) {
		t.Errorf("kept more than 2 old files")
	}
	// Reopening appends.
	l, err = Open(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.size != 80 {
		t.Errorf("reopened size %d, want 80", l.size)
	}
}

// fullFile is a file on a disk with room bytes left: a write past them
// takes what fits and fails, as a full disk does.
type fullFile struct {
	data []byte
	room int
}

func (f *fullFile) Write(p []byte) (int, error) {
	n := min(len(p), f.room-len(f.data))
	f.data = append(f.data, p[:n]...)
	if n < len(p) {
		return n, syscall.ENOSPC
	}
	return n, nil
}

func (f *fullFile) Truncate(size int64) error { f.data = f.data[:size]; return nil }
func (f *fullFile) Close() error              { return nil }

func TestFullDiskLeavesNoPartialLineAndCountsLoss(t *testing.T) {
	ff := &fullFile{room: 25}
	l := &File{path: "x", maxBytes: 1 << 20, keep: 1, openFile: func(string) (file, int64, error) { return ff, 0, nil }}
	if err := l.open(); err != nil {
		t.Fatal(err)
	}
	lines := []struct {
		text string
		ok   bool
	}{
		{"first line\n", true},
		{"second line, too long\n", false}, // 11 + 22 > 25
		{"third\n", false},                 // fits, but the note saying a line was lost must come first
		{"a fourth that does not fit\n", false},
	}
	for _, ln := range lines {
		_, err := l.Write([]byte(ln.text))
		if (err == nil) != ln.ok {
			t.Fatalf("write %q: %v", ln.text, err)
		}
	}
	if got := string(ff.data); got != "first line\n" {
		t.Fatalf("file holds %q: a line was cut, or one written after a lost one without the note", got)
	}
	// Space returns: the next line is preceded by one line counting the lost.
	ff.room = 1 << 20
	if _, err := l.Write([]byte("back\n")); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(ff.data), "\n"), "\n")
	if len(got) != 3 || got[0] != "first line" || !strings.Contains(got[1], `"count":3`) || got[2] != "back" {
		t.Errorf("after space returned: %q", got)
	}
}

func TestTeeKeepsWritingWhenOneWriterFails(t *testing.T) {
	var stderr bytes.Buffer
	failing := &fullFile{room: 0}
	w := Tee(failing, &stderr)
	for _, line := range []string{"one\n", "two\n"} {
		if n, err := w.Write([]byte(line)); err != nil || n != len(line) {
			t.Fatalf("write %q: %d, %v", line, n, err)
		}
	}
	if stderr.String() != "one\ntwo\n" {
		t.Errorf("stderr got %q", stderr.String())
	}
	if _, err := Tee(failing).Write([]byte("x")); err == nil {
		t.Error("every writer failed, yet no error")
	}
}

// TestLazyOpensOnFirstWrite: a Lazy file creates neither its folder nor the
// file until a line is written, and a closed one is not opened again.
func TestLazyOpensOnFirstWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "logs", "earshot.log")
	l := Lazy(path, 1<<20, 1)
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Fatalf("the folder exists before any line: %v", err)
	}
	if _, err := l.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "one\n" {
		t.Fatalf("after the first line: %q, %v", b, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Write([]byte("two\n")); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("write after Close: %v, want os.ErrClosed", err)
	}

	never := Lazy(filepath.Join(dir, "never", "x.log"), 1<<20, 1)
	if err := never.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "never")); !os.IsNotExist(err) {
		t.Fatalf("closing an unopened Lazy file made its folder: %v", err)
	}
}

// TestLazyReadyFails: Ready reports a log that cannot be opened, at once.
func TestLazyReadyFails(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l := Lazy(filepath.Join(blocker, "logs", "earshot.log"), 1<<20, 1)
	if err := l.Ready(); err == nil {
		t.Fatal("Ready under a file: no error")
	}
	if _, err := l.Write([]byte("x\n")); err == nil {
		t.Fatal("Write under a file: no error")
	}
}
