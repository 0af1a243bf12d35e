package cli

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/app/config"
)

// regValues is HKLM as the MSI leaves it, for the registry layer's seam.
type regValues map[string]string

func (r regValues) String(key, name string) (string, error) {
	if v, ok := r[key+`\`+name]; ok {
		return v, nil
	}
	return "", config.ErrNoValue
}

// TestNoClearPassword sets PASSWORD by every source in turn, runs Earshot and
// its diagnostics, and looks for the password in the data folder, the logs,
// the user's configuration and every file of the diagnostics zip.
func TestNoClearPassword(t *testing.T) {
	const pw = "Pa55-w0rd-n0t-f0r-y0ur-eyes"
	tests := []struct {
		name       string
		userFile   string    // the user's own config.toml
		env        []string  // extra environment
		registry   regValues // HKLM through the Windows layer's seam
		machine    string    // the machine-wide config.toml (/etc/earshot), written by an administrator
		flag       string    // a --config file
		wantSource func(xdg string) string
		// stays: the password stays in a file Earshot does not own (machine-wide
		// or --config), so the next start reads it from there again.
		stays bool
	}{
		{name: "user file", userFile: "USERNAME = \"u\"\nPASSWORD = \"" + pw + "\"\n",
			// The first run moved it out of the file into the store.
			wantSource: func(string) string { return "protected store (" + config.NewSecretStore(nil, "", "", nil).Kind() + ")" }},
		{name: "environment", env: []string{"EARSHOT_USERNAME=u", "EARSHOT_PASSWORD=" + pw},
			wantSource: func(string) string { return "environment" }},
		{name: "MSI registry value", registry: regValues{config.RegistryPath + `\USERNAME`: "u", config.ProtectedPath + `\PASSWORD`: pw},
			wantSource: func(string) string { return config.RegistrySource }},
		{name: "machine-wide file", machine: "USERNAME = \"u\"\nPASSWORD = \"" + pw + "\"\n", stays: true,
			wantSource: func(string) string { return "machine" }},
		{name: "--config file", flag: "USERNAME = \"u\"\nPASSWORD = \"" + pw + "\"\n", stays: true,
			wantSource: func(string) string { return "flag" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, xdg := t.TempDir(), t.TempDir()
			if tt.userFile != "" {
				if err := os.MkdirAll(filepath.Join(xdg, "earshot"), 0o700); err != nil {
					t.Fatal(err)
				}
				writeFiles(t, filepath.Join(xdg, "earshot"), map[string]string{"config.toml": tt.userFile})
			}
			if tt.registry != nil {
				machineLayers = func() ([]config.Layer, []config.Problem) { return config.RegistryLayers(tt.registry) }
				defer func() { machineLayers = config.MachineLayers }()
			}
			// Files Earshot does not own: they keep the password, the rest must not.
			var sourceFile string
			var flagArgs []string
			if tt.machine != "" {
				sourceFile = filepath.Join(t.TempDir(), "etc", "earshot", "config.toml")
				if err := os.MkdirAll(filepath.Dir(sourceFile), 0o755); err != nil {
					t.Fatal(err)
				}
				writeFiles(t, filepath.Dir(sourceFile), map[string]string{"config.toml": tt.machine})
				defaultPaths = func() config.Paths { p := config.DefaultPaths(); p.Machine = sourceFile; return p }
				defer func() { defaultPaths = config.DefaultPaths }()
			}
			if tt.flag != "" {
				sourceFile = filepath.Join(t.TempDir(), "given.toml")
				writeFiles(t, filepath.Dir(sourceFile), map[string]string{"given.toml": tt.flag})
				flagArgs = []string{"--config", sourceFile}
			}
			want := tt.wantSource(xdg)
			if want == "machine" || want == "flag" {
				want = sourceFile
			}
			env := append([]string{"XDG_CONFIG_HOME=" + xdg}, tt.env...)
			args := func(a ...string) []string { return append(append([]string{"--data", data}, flagArgs...), a...) }
			if code, _, stderr := runEarshot(t, env, args("--demo", "--verbose", "devices")...); code != 0 {
				t.Fatalf("devices: exit %d: %s", code, stderr)
			}
			zipPath := filepath.Join(t.TempDir(), "diag.zip")
			code, stdout, stderr := runEarshot(t, env, args("--demo", "diagnostics", "--out", zipPath)...)
			if code != 0 {
				t.Fatalf("diagnostics: exit %d: %s", code, stderr)
			}
			for _, out := range []string{stdout, stderr} {
				if strings.Contains(out, pw) {
					t.Errorf("the output shows the password: %s", out)
				}
			}
			for _, dir := range []string{data, xdg} {
				err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					raw, err := os.ReadFile(path)
					if err != nil {
						return err
					}
					if strings.Contains(string(raw), pw) {
						t.Errorf("%s holds the password in clear", path)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			entries := readZip(t, zipPath)
			for name, body := range entries {
				if strings.Contains(body, pw) {
					t.Errorf("diagnostics %s holds the password in clear", name)
				}
			}
			for _, want := range []string{"version.json", "configuration.json", "devices.json", "hid-list.json", "outbox.json", "logs/earshot.log"} {
				if _, ok := entries[want]; !ok {
					t.Errorf("the zip has no %s (has %v)", want, keysOf(entries))
				}
			}
			var cfg struct {
				Keys map[string]struct{ Value, Source string }
			}
			if err := json.Unmarshal([]byte(entries["configuration.json"]), &cfg); err != nil {
				t.Fatal(err)
			}
			if got := cfg.Keys["PASSWORD"]; got.Value != "xxxxx" || got.Source != want {
				t.Errorf("PASSWORD in the zip %+v, want masked from %s", got, want)
			}
			if !strings.Contains(entries["devices.json"], "DeviceName") {
				t.Errorf("devices.json: %q", entries["devices.json"])
			}
			// On the next start, a password moved out of the user's file or
			// the registry comes from the protected store.
			if tt.env == nil && !tt.stays {
				machineLayers = config.MachineLayers
				runEarshot(t, env, args("--demo", "diagnostics", "--out", zipPath)...)
				if err := json.Unmarshal([]byte(readZip(t, zipPath)["configuration.json"]), &cfg); err != nil {
					t.Fatal(err)
				}
				if got := cfg.Keys["PASSWORD"]; got.Value != "xxxxx" || !strings.HasPrefix(got.Source, "protected store") {
					t.Errorf("second start: PASSWORD %+v, want it from the protected store", got)
				}
			}
		})
	}
}

func TestDiagnosticsMisuse(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{name: "no --out", args: []string{"diagnostics"}, code: 2, stderr: "diagnostics needs --out FILE.zip"},
		{name: "a folder that does not exist", args: []string{"diagnostics", "--out", "/nonexistent/dir/d.zip"}, code: 1,
			stderr: "could not write the diagnostics to /nonexistent/dir/d.zip"},
		{name: "arguments", args: []string{"diagnostics", "--out", "x.zip", "extra"}, code: 2, stderr: "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--data", t.TempDir()}, tt.args...)
			code, _, stderr := runEarshot(t, []string{"XDG_CONFIG_HOME=" + t.TempDir()}, args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
}

func readZip(t *testing.T, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(rc)
		rc.Close()
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		out[f.Name] = string(raw)
	}
	return out
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestStartAtLogin(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("the installer starts Earshot at login on " + runtime.GOOS)
	}
	xdg := t.TempDir()
	s := &Session{e: &env{paths: config.Paths{User: filepath.Join(xdg, "earshot", "config.toml")}}}
	supported, on := s.StartAtLogin()
	if !supported || on {
		t.Fatalf("supported %v on %v, want supported and off", supported, on)
	}
	if err := s.SetStartAtLogin(true); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(xdg, "autostart", AppID+".desktop"))
	if err != nil || !strings.Contains(string(raw), "Exec=") {
		t.Fatalf("autostart entry %q %v", raw, err)
	}
	if _, on := s.StartAtLogin(); !on {
		t.Error("not on after SetStartAtLogin(true)")
	}
	if err := s.SetStartAtLogin(false); err != nil {
		t.Fatal(err)
	}
	if _, on := s.StartAtLogin(); on {
		t.Error("still on after SetStartAtLogin(false)")
	}
}
