package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSettingsInTheUsersLanguage runs the settings commands as a German user
// does (LANG=de_DE.UTF-8, read by the process from its environment): the
// values of Earshot's own catalog, in the table and in a refusal, are German;
// a third-party catalog's are as written; --json keeps the catalog's words.
func TestSettingsInTheUsersLanguage(t *testing.T) {
	dir := t.TempDir()
	catDir := filepath.Join(dir, "catalog")
	if err := os.Mkdir(catDir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, catDir, map[string]string{"SettingsDefinition-Partner.xml": partnerDefinitions, "Mapping-Partner.xml": partnerMapping})
	writeFiles(t, dir, map[string]string{"desk.json": partnerScenario})
	scenario := filepath.Join(dir, "desk.json")
	for _, tt := range []struct {
		name   string
		lang   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{name: "a refusal lists the allowed values in German", lang: "de_DE.UTF-8",
			args: []string{"settings", "--demo", "set", "Jabra Evolve2", "WIRELESS_RANGE=9"}, code: 1,
			stderr: "WIRELESS_RANGE: „9“ ist nicht zulässig; einen dieser Werte wählen: 1 (Lang), 2 (Mittel), 3 (Kurz)."},
		{name: "a refusal lists the allowed values in French", lang: "fr_FR.UTF-8",
			args: []string{"settings", "--demo", "set", "Jabra Evolve2", "SIDETONE=7"}, code: 1,
			stderr: "0 (Désactivé), 1 (Faible), 2 (Moyen), 3 (Élevé)"},
		{name: "the table names the values in German", lang: "de_DE.UTF-8",
			args: []string{"settings", "--demo", "show", "Jabra Evolve2"}, code: 0,
			stdout: []string{"1 (Niedrig)", "0 (Aus), 1 (Niedrig), 2 (Mittel), 3 (Hoch)", "1 (Lang)"}},
		{name: "a third-party catalog's values stay as written", lang: "de_DE.UTF-8",
			args: []string{"settings", "--sim", scenario, "set", "Jabra Evolve 75", "ECHO_CANCELLATION=9", "WIRELESS_RANGE=9"}, code: 1,
			stderr: "ECHO_CANCELLATION: „9“ ist nicht zulässig; einen dieser Werte wählen: 0 (Fra), 1 (Normal), 2 (Stærk).; WIRELESS_RANGE: „9“ ist nicht zulässig; einen dieser Werte wählen: 1 (Lang), 2 (Mittel), 3 (Kurz)."},
		{name: "--json keeps the catalog's words and says whose they are", lang: "de_DE.UTF-8",
			args: []string{"settings", "--demo", "show", "Jabra Evolve2", "--json"}, code: 0,
			stdout: []string{`"Label": "Sidetone"`, `"Label": "Medium"`, `"Builtin": true`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := self(t, append([]string{"--data", t.TempDir()}, tt.args...)...)
			cmd.Env = append(cmd.Env, "LC_ALL=", "LC_MESSAGES=", "EARSHOT_LANGUAGE=", "LANG="+tt.lang, "EARSHOT_CATALOGDIR="+catDir)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			_ = cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, want := range tt.stdout {
				mustContain(t, stdout.String(), want)
			}
			if tt.stderr != "" {
				mustContain(t, stderr.String(), tt.stderr)
			}
			if strings.Contains(stdout.String()+stderr.String(), "catalog.") {
				t.Errorf("a translation key shows:\n%s%s", stdout.String(), stderr.String())
			}
		})
	}
}
