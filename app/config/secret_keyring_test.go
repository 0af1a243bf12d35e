package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/afero"
)

// memRing is a keyring in memory whose calls fail as told.
type memRing struct {
	secret              *string
	loadErr, saveErr    error
	loads, saves, calls int
}

func (m *memRing) kind() string                 { return "memory ring" }
func (m *memRing) probe(context.Context) error  { m.calls++; return m.loadErr }
func (m *memRing) remove(context.Context) error { m.calls++; m.secret = nil; return m.saveErr }
func (m *memRing) save(_ context.Context, s string) error {
	m.calls++
	m.saves++
	if m.saveErr != nil {
		return m.saveErr
	}
	m.secret = &s
	return nil
}
func (m *memRing) load(context.Context) (string, bool, error) {
	m.calls++
	m.loads++
	if m.loadErr != nil || m.secret == nil {
		return "", false, m.loadErr
	}
	return *m.secret, true, nil
}

func TestFallbackStore(t *testing.T) {
	str := func(s string) *string { return &s }
	broken := errors.New("org.freedesktop.DBus.Error.Failed")
	away := errUnavailable
	tests := []struct {
		name      string
		ring      memRing
		file      string // in the encrypted file before; "" = none
		want      string
		wantErr   string
		wantKind  string
		fileAfter bool
		ringAfter string
	}{
		{name: "the ring's password", ring: memRing{secret: str("r")}, want: "r", wantKind: "memory ring", ringAfter: "r"},
		{name: "the file's moves into the ring", ring: memRing{secret: str("old")}, file: "new", want: "new",
			wantKind: "memory ring", ringAfter: "new"},
		{name: "the ring is away: the file", ring: memRing{loadErr: away, secret: str("old")}, file: "f", want: "f",
			wantKind: "encrypted file", fileAfter: true, ringAfter: "old"},
		{name: "the ring refuses the file's: the file stays", ring: memRing{saveErr: broken}, file: "f", want: "f",
			wantKind: "encrypted file", fileAfter: true},
		{name: "the ring is away and nothing is stored: no password, no error", ring: memRing{loadErr: away},
			wantKind: "encrypted file"},
		{name: "the ring runs but cannot read: an error, not silence", ring: memRing{loadErr: broken},
			wantErr: "memory ring cannot be read", wantKind: "encrypted file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := newFileStore(afero.NewOsFs(), filepath.Join(dir, "data"), filepath.Join(dir, "conf"))
			if tt.file != "" {
				if err := file.Save(tt.file); err != nil {
					t.Fatal(err)
				}
			}
			ring := tt.ring
			s := newFallbackStore(&ring, file)
			got, ok, err := s.Load()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err %v, want %q", err, tt.wantErr)
				}
			} else if err != nil || got != tt.want || ok != (tt.want != "") {
				t.Errorf("Load = %q %v %v, want %q", got, ok, err, tt.want)
			}
			if k := s.Kind(); k != tt.wantKind {
				t.Errorf("Kind %q, want %q", k, tt.wantKind)
			}
			if _, err := os.Stat(file.Data); (err == nil) != tt.fileAfter {
				t.Errorf("the file is there: %v, want %v", err == nil, tt.fileAfter)
			}
			if _, err := os.Stat(file.Key); !tt.fileAfter && tt.file != "" && err == nil {
				t.Errorf("the key of a moved file is still there")
			}
			var inRing string
			if ring.secret != nil {
				inRing = *ring.secret
			}
			if inRing != tt.ringAfter {
				t.Errorf("the ring holds %q, want %q", inRing, tt.ringAfter)
			}
		})
	}

	t.Run("a failing ring is asked once per process", func(t *testing.T) {
		dir := t.TempDir()
		ring := &memRing{loadErr: away, saveErr: away}
		s := newFallbackStore(ring, newFileStore(afero.NewOsFs(), dir, dir))
		s.Load()
		s.Save("x")
		s.Load()
		s.Kind()
		if ring.calls != 1 {
			t.Errorf("%d keyring calls, want 1", ring.calls)
		}
		if got, _, _ := s.Load(); got != "x" {
			t.Errorf("Load %q", got)
		}
	})

	t.Run("Delete removes it from both", func(t *testing.T) {
		dir := t.TempDir()
		ring := &memRing{secret: str("r")}
		file := newFileStore(afero.NewOsFs(), dir, dir)
		if err := file.Save("f"); err != nil {
			t.Fatal(err)
		}
		s := newFallbackStore(ring, file)
		if err := s.Delete(); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.Load(); ok || err != nil || ring.secret != nil {
			t.Errorf("after Delete: %q %v %v, ring %v", got, ok, err, ring.secret)
		}
	})
}
