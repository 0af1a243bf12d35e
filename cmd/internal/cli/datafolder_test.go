package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOwnerRefusesUnsafeDataFolder: the owner (earshot service) refuses a
// --data folder that other users can write to or that another user owns,
// with one translated sentence and exit 1, before it creates its database
// or socket there.
func TestOwnerRefusesUnsafeDataFolder(t *testing.T) {
	tests := []struct {
		name   string
		mode   os.FileMode
		owner  int // -1: the user's own
		lang   string
		stderr string
	}{
		{name: "world-writable", mode: 0o777, owner: -1, lang: "en",
			stderr: "can be written by other users (mode 0777), who could replace its socket; make it private with chmod go-w"},
		{name: "group-writable, in German", mode: 0o770, owner: -1, lang: "de",
			stderr: "andere Benutzer können in den Datenordner"},
		{name: "another user's", mode: 0o700, owner: 65534, lang: "en", stderr: "belongs to user 65534"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(data, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(data, tt.mode); err != nil {
				t.Fatal(err)
			}
			if tt.owner >= 0 {
				if os.Geteuid() != 0 {
					t.Skip("giving a folder to another user needs root")
				}
				if err := os.Chown(data, tt.owner, tt.owner); err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"service", "--demo", "--data", data}, &stdout, &stderr, []string{"EARSHOT_LANGUAGE=" + tt.lang})
			if code != exitFailure {
				t.Fatalf("exit %d, want %d; stderr: %s", code, exitFailure, stderr.String())
			}
			mustContain(t, stderr.String(), tt.stderr)
			mustContain(t, stderr.String(), data)
			if lines := strings.Count(strings.TrimSpace(stderr.String()), "\n"); lines != 0 {
				t.Errorf("stderr has %d lines, want one: %q", lines+1, stderr.String())
			}
			for _, name := range []string{"earshot.sock", "earshot.db"} {
				if _, err := os.Stat(filepath.Join(data, name)); err == nil {
					t.Errorf("%s was created in the refused folder", name)
				}
			}
		})
	}
}
