//go:build !windows && !darwin

package config

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
	"github.com/spf13/afero"
)

// testBus is a private D-Bus session bus, optionally with a real GNOME
// Keyring serving org.freedesktop.secrets on it; both are stopped by their
// process, at the end of the test.
type testBus struct {
	t    *testing.T
	dir  string // the keyring's HOME
	addr string
	ring *exec.Cmd
}

func needSecretServiceTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"dbus-daemon", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed, so no real Secret Service can run here (Debian: apt-get install dbus gnome-keyring; scripts/test.sh installs them)", tool)
		}
	}
}

// startBus starts a private session bus.
func startBus(t *testing.T) *testBus {
	t.Helper()
	b := &testBus{t: t, dir: t.TempDir()}
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile",
		"--address=unix:path="+filepath.Join(b.dir, "bus"), "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("dbus-daemon: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case b.addr = <-line:
	case <-time.After(60 * time.Second):
		t.Fatal("dbus-daemon printed no address in 60 s")
	}
	if b.addr == "" {
		t.Fatal("dbus-daemon printed no address")
	}
	return b
}

// startKeyring starts gnome-keyring-daemon's secrets component on the bus;
// with unlock it creates (or opens) the login keyring with a password given
// on its stdin, as a desktop login does, else the keyring stays locked.
func (b *testBus) startKeyring(unlock bool) {
	t := b.t
	t.Helper()
	run := filepath.Join(b.dir, "run")
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}
	args := []string{"--foreground", "--components=secrets"}
	if unlock {
		args = append(args, "--unlock")
	}
	cmd := exec.Command("gnome-keyring-daemon", args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.dir, "XDG_RUNTIME_DIR=" + run,
		"XDG_DATA_HOME=" + filepath.Join(b.dir, "data"), "DBUS_SESSION_BUS_ADDRESS=" + b.addr}
	if unlock {
		cmd.Stdin = strings.NewReader("login-keyring-password")
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("gnome-keyring-daemon: %v", err)
	}
	b.ring = cmd
	t.Cleanup(b.stopKeyring)
	conn, err := dbus.Connect(b.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for deadline := time.Now().Add(60 * time.Second); ; {
		var has bool
		if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, ssName).Store(&has); err == nil && has {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("gnome-keyring-daemon did not take org.freedesktop.secrets in 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *testBus) stopKeyring() {
	if b.ring != nil {
		b.ring.Process.Kill()
		b.ring.Wait()
		b.ring = nil
	}
}

func (b *testBus) env() []string { return []string{"DBUS_SESSION_BUS_ADDRESS=" + b.addr} }

// folders returns a data folder and a configuration folder, and the store
// NewSecretStore makes of them with environ.
func folders(t *testing.T) (data, conf string) {
	dir := t.TempDir()
	return filepath.Join(dir, "data"), filepath.Join(dir, "conf")
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// grepTree fails when any file under dir holds s.
func grepTree(t *testing.T, dir, s string) {
	t.Helper()
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || info.Mode()&os.ModeSocket != 0 {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(raw), s) {
			t.Errorf("%s holds the password in clear", path)
		}
		return nil
	})
}

func TestSecretServiceRealKeyring(t *testing.T) {
	needSecretServiceTools(t)
	// A busy machine may be slow to answer; the results must not depend on it.
	old := keyringTimeout
	keyringTimeout = time.Minute
	defer func() { keyringTimeout = old }()
	b := startBus(t)
	b.startKeyring(true)
	afs := afero.NewOsFs()
	const pw = "Secret-Service-pässword"

	t.Run("round trip, nothing in a file", func(t *testing.T) {
		data, conf := folders(t)
		s := NewSecretStore(afs, data, conf, b.env())
		if k := s.Kind(); k != "Secret Service" {
			t.Fatalf("Kind %q, want the Secret Service", k)
		}
		if err := s.Save(pw); err != nil {
			t.Fatal(err)
		}
		if exists(filepath.Join(data, "password.enc")) || exists(filepath.Join(conf, "secret.key")) {
			t.Error("the encrypted file was written although the Secret Service took the password")
		}
		again := NewSecretStore(afs, data, conf, b.env())
		got, ok, err := again.Load()
		if err != nil || !ok || got != pw {
			t.Fatalf("Load = %q %v %v", got, ok, err)
		}
		grepTree(t, b.dir, pw)
		if err := again.Delete(); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := NewSecretStore(afs, data, conf, b.env()).Load(); ok || err != nil {
			t.Errorf("after Delete: %q %v %v", got, ok, err)
		}
	})

	t.Run("plain and encrypted sessions read each other's items", func(t *testing.T) {
		data, _ := folders(t)
		dh, plain := secretService{bus: b.addr, data: data}, secretService{bus: b.addr, data: data, plainOnly: true}
		ctx := context.Background()
		c, err := dh.open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.key == nil {
			t.Error("GNOME Keyring offers dh-ietf1024-sha256-aes128-cbc-pkcs7, but the session is plain")
		}
		c.close()
		for _, tt := range []struct {
			name     string
			from, to secretService
			secret   string
		}{
			{"dh to plain", dh, plain, "from-dh"},
			{"plain to dh", plain, dh, "from plain, sixteen bytes!"},
			{"dh to dh, a block-sized secret", dh, dh, "0123456789abcdef"},
		} {
			if err := tt.from.save(ctx, tt.secret); err != nil {
				t.Fatalf("%s: save: %v", tt.name, err)
			}
			if got, ok, err := tt.to.load(ctx); err != nil || !ok || got != tt.secret {
				t.Errorf("%s: load = %q %v %v", tt.name, got, ok, err)
			}
		}
	})

	t.Run("each data folder has its own password", func(t *testing.T) {
		d1, c1 := folders(t)
		d2, c2 := folders(t)
		if err := NewSecretStore(afs, d1, c1, b.env()).Save("one"); err != nil {
			t.Fatal(err)
		}
		if err := NewSecretStore(afs, d2, c2, b.env()).Save("two"); err != nil {
			t.Fatal(err)
		}
		for d, want := range map[string]string{d1: "one", d2: "two"} {
			if got, _, err := NewSecretStore(afs, d, c1, b.env()).Load(); got != want || err != nil {
				t.Errorf("%s: %q %v, want %q", d, got, err, want)
			}
		}
	})

	t.Run("a file from before the Secret Service moves into it", func(t *testing.T) {
		data, conf := folders(t)
		if err := NewSecretStore(afs, data, conf, nil).Save(pw); err != nil {
			t.Fatal(err)
		}
		if !exists(filepath.Join(data, "password.enc")) {
			t.Fatal("no bus: the password should be in the encrypted file")
		}
		s := NewSecretStore(afs, data, conf, b.env())
		got, ok, err := s.Load()
		if err != nil || !ok || got != pw {
			t.Fatalf("Load = %q %v %v", got, ok, err)
		}
		if s.Kind() != "Secret Service" || exists(filepath.Join(data, "password.enc")) || exists(filepath.Join(conf, "secret.key")) {
			t.Errorf("Kind %q; the file should be gone once the Secret Service holds the password", s.Kind())
		}
		if got, _, _ := (secretService{bus: b.addr, data: data}).load(context.Background()); got != pw {
			t.Errorf("the Secret Service holds %q", got)
		}
	})

	t.Run("a password saved while the service was away wins when it is back", func(t *testing.T) {
		data, conf := folders(t)
		if err := NewSecretStore(afs, data, conf, b.env()).Save("old"); err != nil {
			t.Fatal(err)
		}
		if err := NewSecretStore(afs, data, conf, nil).Save("new"); err != nil {
			t.Fatal(err)
		}
		if got, _, err := NewSecretStore(afs, data, conf, b.env()).Load(); got != "new" || err != nil {
			t.Fatalf("Load = %q %v, want the newer one", got, err)
		}
		if got, _, _ := (secretService{bus: b.addr, data: data}).load(context.Background()); got != "new" {
			t.Errorf("the Secret Service holds %q, want the newer one", got)
		}
	})

	t.Run("a locked keyring that needs a prompt: the file", func(t *testing.T) {
		data, conf := folders(t)
		if err := NewSecretStore(afs, data, conf, b.env()).Save("kept in the keyring"); err != nil {
			t.Fatal(err)
		}
		b.stopKeyring()
		b.startKeyring(false) // the login keyring exists now, but nobody unlocked it
		defer func() { b.stopKeyring(); b.startKeyring(true) }()
		s := NewSecretStore(afs, data, conf, b.env())
		if k := s.Kind(); k != "encrypted file" {
			t.Errorf("Kind %q with a locked keyring", k)
		}
		s = NewSecretStore(afs, data, conf, b.env())
		if err := s.Save(pw); err != nil {
			t.Fatal(err)
		}
		if got, _, err := s.Load(); got != pw || err != nil || !exists(filepath.Join(data, "password.enc")) {
			t.Errorf("Load = %q %v; want it from the encrypted file", got, err)
		}
		b.stopKeyring()
		b.startKeyring(true)
		s = NewSecretStore(afs, data, conf, b.env())
		if got, _, err := s.Load(); got != pw || err != nil || exists(filepath.Join(data, "password.enc")) {
			t.Errorf("unlocked again: Load = %q %v; want the file's password moved into the keyring", got, err)
		}
	})
}

func TestSecretServiceAbsent(t *testing.T) {
	afs := afero.NewOsFs()
	dir := t.TempDir()
	noService := func(t *testing.T) []string {
		needSecretServiceTools(t)
		return startBus(t).env()
	}
	hungBus := func(t *testing.T) []string {
		sock := filepath.Join(t.TempDir(), "hung")
		l, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		go func() { // accept, then never answer
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
			}
		}()
		old := keyringTimeout
		keyringTimeout = 200 * time.Millisecond
		t.Cleanup(func() { keyringTimeout = old })
		return []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + sock}
	}
	tests := []struct {
		name string
		env  func(t *testing.T) []string
	}{
		{"no session bus", func(*testing.T) []string { return nil }},
		{"XDG_RUNTIME_DIR without a bus socket", func(*testing.T) []string { return []string{"XDG_RUNTIME_DIR=" + dir} }},
		{"a bad bus address", func(*testing.T) []string { return []string{"DBUS_SESSION_BUS_ADDRESS=nonsense:"} }},
		{"a bus without a Secret Service", noService},
		{"a bus that never answers", hungBus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env(t)
			data, conf := folders(t)
			s := NewSecretStore(afs, data, conf, env)
			if err := s.Save("pw"); err != nil {
				t.Fatal(err)
			}
			if k := s.Kind(); k != "encrypted file" {
				t.Errorf("Kind %q", k)
			}
			got, ok, err := NewSecretStore(afs, data, conf, env).Load()
			if got != "pw" || !ok || err != nil || !exists(filepath.Join(data, "password.enc")) {
				t.Errorf("Load = %q %v %v; want it from the encrypted file", got, ok, err)
			}
		})
	}
}

func TestSessionBusAddress(t *testing.T) {
	dir := t.TempDir()
	l, err := net.Listen("unix", filepath.Join(dir, "bus"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"none", nil, ""},
		{"the variable", []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=/x"}, "unix:path=/x"},
		{"the variable wins", []string{"XDG_RUNTIME_DIR=" + dir, "DBUS_SESSION_BUS_ADDRESS=unix:path=/x"}, "unix:path=/x"},
		{"the runtime folder's socket", []string{"XDG_RUNTIME_DIR=" + dir}, "unix:path=" + filepath.Join(dir, "bus")},
		{"a runtime folder without a socket", []string{"XDG_RUNTIME_DIR=" + t.TempDir()}, ""},
		{"a relative runtime folder", []string{"XDG_RUNTIME_DIR=run"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sessionBusAddress(tt.env); got != tt.want {
				t.Errorf("%q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzSecretServiceSecret: whatever Secret struct the bus sends back, opening
// it gives text or an error, never a panic; a sealed secret opens to itself.
func FuzzSecretServiceSecret(f *testing.F) {
	f.Add([]byte("0123456789abcdef"), []byte("0123456789abcdef0123456789abcdef"), "pw", true)
	f.Add([]byte{}, []byte("plain"), "", false)
	f.Add([]byte("short"), []byte{1, 2, 3}, "x", true)
	f.Fuzz(func(t *testing.T, params, value []byte, secret string, dh bool) {
		c := &ssConn{}
		if dh {
			c.key = []byte("0123456789abcdef")
		}
		c.open(ssSecret{Parameters: params, Value: value})
		if !utf8.ValidString(secret) {
			return
		}
		sealed, err := c.seal(secret)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := c.open(sealed); err != nil || got != secret {
			t.Fatalf("open(seal(%q)) = %q %v", secret, got, err)
		}
	})
}
