package logfile

import (
	"os"
	"path/filepath"
	"strings"
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
