package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/translations"
)

// TestHelpCoversEveryCommandAndFlag reads the command table: every command,
// each of its forms and each flag it takes must have a help line in
// `--help` and in `earshot help COMMAND`, so a command or flag added
// without one fails here.
func TestHelpCoversEveryCommandAndFlag(t *testing.T) {
	var all bytes.Buffer
	if code := run([]string{"--help"}, &all, &bytes.Buffer{}, nil); code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	gui := command{name: "", forms: guiForms, flags: guiFlags}
	for _, c := range append([]command{gui}, commands...) {
		t.Run("command "+cmpName(c.name), func(t *testing.T) {
			if len(c.forms) == 0 {
				t.Fatal("no forms: the help cannot show how to call it")
			}
			var own bytes.Buffer
			if c.name != "" {
				if code := run([]string{"help", c.name}, &own, &bytes.Buffer{}, nil); code != 0 {
					t.Fatalf("help %s: exit %d", c.name, code)
				}
			}
			for _, f := range c.forms {
				if !translations.Has(f.usage) {
					t.Errorf("form %q: no message %s", f.args, f.usage)
				}
				line := strings.TrimSpace("earshot " + strings.TrimSpace(c.name+" "+f.args))
				mustContain(t, all.String(), line)
				if c.name != "" {
					mustContain(t, own.String(), line)
				}
			}
			var o options
			fs := newFlagSet("earshot "+c.name, &o, c.flags)
			fs.VisitAll(func(f *flag.Flag) {
				if !translations.Has("cli.flag." + f.Name) {
					t.Errorf("--%s has no help line (cli.flag.%s)", f.Name, f.Name)
				}
				mustContain(t, all.String(), "--"+f.Name+" ")
				if c.name != "" && c.name != "help" {
					mustContain(t, own.String(), "--"+f.Name+" ")
				}
			})
		})
	}
	// Flags the global parse knows must all belong to some command.
	var o options
	newFlagSet("earshot", &o, allFlags).VisitAll(func(f *flag.Flag) {
		if !translations.Has("cli.flag." + f.Name) {
			t.Errorf("--%s has no help line", f.Name)
		}
	})
}

func cmpName(s string) string {
	if s == "" {
		return "(window)"
	}
	return s
}

func TestHelpCommand(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"help alone is --help", []string{"help"}, 0, "earshot version [--json]", ""},
		{"help of one command", []string{"help", "firmware"}, 0, "earshot firmware apply DEVICE", ""},
		{"--help after a command", []string{"calls", "--help"}, 0, "--csv", ""},
		{"help of no such command", []string{"help", "nosuch"}, 2, "", "nosuch"},
		{"help takes one command", []string{"help", "calls", "devices"}, 2, "", "devices"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tt.args, &out, &errb, nil); code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, errb.String())
			}
			mustContain(t, out.String(), tt.stdout)
			mustContain(t, errb.String(), tt.stderr)
		})
	}
}

// TestUnknownDeviceFailsFast runs every command that names a DEVICE with a
// name no device has: each fails within half a second, with or without a
// scenario.
func TestUnknownDeviceFailsFast(t *testing.T) {
	file := filepath.Join(t.TempDir(), "fw.zip")
	if err := os.WriteFile(file, []byte("PK"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "import.json")
	if err := os.WriteFile(cfg, []byte(`{"firmware":{},"settings":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var withDevice [][]string
	for _, c := range commands {
		switch c.name {
		case "settings":
			withDevice = append(withDevice, []string{"settings", "show", "NOSUCH"}, []string{"settings", "set", "NOSUCH", "SIDETONE=1"},
				[]string{"settings", "export", "NOSUCH"}, []string{"settings", "import", "NOSUCH", cfg},
				[]string{"settings", "history", "NOSUCH"})
		case "firmware":
			withDevice = append(withDevice, []string{"firmware", "stage", "NOSUCH", file}, []string{"firmware", "apply", "NOSUCH"})
		case "light":
			// A light keeps its colour only while an owner runs: without one
			// the command refuses at once, before looking for the device.
			withDevice = append(withDevice, []string{"light", "NOSUCH", "red"})
		case "hid":
			withDevice = append(withDevice, []string{"hid", "record", "NOSUCH", "--seconds", "1", "--out", filepath.Join(t.TempDir(), "rec.json")})
		default:
			for _, f := range c.forms {
				if strings.Contains(f.args, "DEVICE") {
					t.Errorf("%s %s takes a DEVICE: add it to this test", c.name, f.args)
				}
			}
		}
	}
	for _, source := range [][]string{{"--demo"}, nil} {
		for _, args := range withDevice {
			if args[0] == "hid" && source != nil {
				continue // hid record reads real devices only (exit 2 with a scenario)
			}
			name := strings.Join(append(append([]string{}, source...), args...), " ")
			t.Run(name, func(t *testing.T) {
				full := append([]string{"--data", t.TempDir()}, source...)
				full = append(full, args...)
				var out, errb bytes.Buffer
				start := time.Now()
				code := run(full, &out, &errb, nil)
				took := time.Since(start)
				if code != 1 {
					t.Errorf("exit %d, want 1: %s", code, errb.String())
				}
				if args[0] != "light" {
					mustContain(t, errb.String(), "NOSUCH")
				}
				if took > 500*time.Millisecond {
					t.Errorf("took %v, want under 0.5 s", took)
				}
			})
		}
	}
}

// TestMissingFolderAndConfig: a read-only command on a --data folder that
// is not there says so and creates nothing; --config naming no file fails.
func TestMissingFolderAndConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		stderr  string
		created bool
	}{
		{"devices reads", []string{"devices"}, 1, "does not exist", false},
		{"calls reads", []string{"calls", "--json"}, 1, "does not exist", false},
		{"outbox reads", []string{"outbox"}, 1, "does not exist", false},
		{"settings show reads", []string{"--demo", "settings", "show", "Jabra Evolve2"}, 1, "does not exist", false},
		{"version needs no folder", []string{"version"}, 0, "", false},
		{"settings set writes", []string{"--demo", "settings", "set", "Jabra Evolve2", "SIDETONE=1"}, 0, "", true},
		{"missing --config", []string{"--config", "/nonexistent/earshot.toml", "version"}, 1, "/nonexistent/earshot.toml", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "nothere")
			var out, errb bytes.Buffer
			if code := run(append([]string{"--data", dir}, tt.args...), &out, &errb, nil); code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, errb.String())
			}
			mustContain(t, errb.String(), tt.stderr)
			if _, err := os.Stat(dir); (err == nil) != tt.created {
				t.Errorf("folder created: %v, want %v", err == nil, tt.created)
			}
		})
	}
}
