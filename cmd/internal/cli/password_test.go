package cli

import (
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// TestReadersDoNotAskTheKeyring: commands that talk to no backend do not
// look the stored password up, so they make no connection to the session
// bus's Secret Service; one that may post (diagnostics reads it to scrub
// it) does. The bus here is a socket that counts who connects.
func TestReadersDoNotAskTheKeyring(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skip(err)
	}
	defer l.Close()
	var dialled atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			dialled.Add(1)
			c.Close() // no D-Bus here: the keyring is unavailable
		}
	}()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + sock, "XDG_CONFIG_HOME=" + filepath.Join(dir, "conf")}
	for _, args := range [][]string{
		{"version"}, {"devices", "--demo", "--json"}, {"calls", "--json"}, {"db", "check"},
		{"catalog", "check", filepath.Join("..", "..", "..", "assets", "catalog")},
	} {
		if code, _, stderr := runEarshot(t, env, append(args, "--data", data)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if n := dialled.Load(); n != 0 {
			t.Fatalf("%v connected to the session bus %d times", args, n)
		}
	}
	if code, _, stderr := runEarshot(t, env, "diagnostics", "--demo", "--data", data, "--out", filepath.Join(dir, "d.zip")); code != 0 {
		t.Fatalf("diagnostics: exit %d: %s", code, stderr)
	}
	if dialled.Load() == 0 {
		t.Fatal("diagnostics did not look for the stored password")
	}
}
