package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/cmd/internal/cli"
	"github.com/earshot-app/earshot/translations/translationstest"
)

// TestMain lets a test run this binary's main in a subprocess: with
// EARSHOT_TEST_MAIN=1 the test binary is earshot.
func TestMain(m *testing.M) {
	if os.Getenv("EARSHOT_TEST_MAIN") == "1" {
		os.Exit(cli.Main(runGUI))
	}
	os.Exit(m.Run())
}

func TestEveryKeyUsedExists(t *testing.T) {
	translationstest.UsedKeysExist(t, ".", 3)
}

// TestQuietUnderCLocale runs every command, and the window without a
// display, under LANG=C.UTF-8 (Debian's and Docker's default), C and no
// LANG: stderr holds only Earshot's own lines ("earshot: …"), nothing of
// Fyne's or a library's.
func TestQuietUnderCLocale(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "import.json")
	if err := os.WriteFile(cfg, []byte(`{"firmware":{},"settings":{"SIDETONE":"1"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	runs := map[string][][]string{
		"":            {{"--demo"}},
		"service":     {{"service", "--demo", "--exit-when-done"}},
		"devices":     {{"devices", "--demo"}},
		"calls":       {{"calls", "--demo"}, {"calls", "--demo", "--csv"}},
		"settings":    {{"settings", "show", "--demo", "Jabra Evolve2"}, {"settings", "set", "--demo", "Jabra Evolve2", "SIDETONE=2"}, {"settings", "history", "--demo", "Jabra Evolve2"}, {"settings", "import", "--demo", "Jabra Evolve2", cfg}, {"settings", "export", "--demo", "Jabra Evolve2"}},
		"catalog":     {{"catalog", "check", cfg}},
		"firmware":    {{"firmware", "apply", "--demo", "Jabra Evolve2"}, {"firmware", "stage", "--demo", "NOSUCH", cfg}},
		"outbox":      {{"outbox", "--demo"}},
		"version":     {{"version"}},
		"help":        {{"help"}, {"help", "calls"}},
		"light":       {{"light", "all", "red", "--demo"}},
		"presence":    {{"presence", "--demo"}, {"presence", "set", "dnd", "--demo"}},
		"db":          {{"db", "check", "--demo"}},
		"hid":         {{"hid", "list"}},
		"udev-rules":  {{"udev-rules"}},
		"diagnostics": {{"diagnostics", "--demo", "--out", filepath.Join(dir, "diag.zip")}},
	}
	for _, name := range append([]string{""}, cli.Commands()...) {
		if _, ok := runs[name]; !ok {
			t.Errorf("command %q is not run by this test: add it", name)
		}
	}
	for _, lang := range []string{"C.UTF-8", "C", ""} {
		for _, name := range slices.Sorted(func(yield func(string) bool) {
			for k := range runs {
				if !yield(k) {
					return
				}
			}
		}) {
			for _, args := range runs[name] {
				t.Run(lang+" "+strings.Join(args, " "), func(t *testing.T) {
					cmd := exec.Command(os.Args[0], append([]string{"--data", filepath.Join(dir, "data")}, args...)...)
					cmd.Env = []string{"EARSHOT_TEST_MAIN=1", "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
					if lang != "" {
						cmd.Env = append(cmd.Env, "LANG="+lang)
					}
					var stderr bytes.Buffer
					cmd.Stderr = &stderr
					cmd.Stdout = &bytes.Buffer{}
					_ = cmd.Run()
					for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
						if line != "" && !strings.HasPrefix(line, "earshot: ") {
							t.Errorf("stderr line not Earshot's own: %q", line)
						}
					}
				})
			}
		}
	}
}
