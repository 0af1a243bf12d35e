package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app/config"
)

// TestSetPreferenceLanguage: a language the user chooses is in effect at
// once, unless a source above their file sets it; then it waits for the
// next start (and that source still wins).
func TestSetPreferenceLanguage(t *testing.T) {
	tests := []struct {
		name, source, before, value string
		want, wantSource            string
	}{
		{name: "from the default", value: "de", want: "de", wantSource: "USER"},
		{name: "over the user's own", source: "USER", before: "fr", value: "de", want: "de", wantSource: "USER"},
		{name: "back to the system's", source: "USER", before: "fr", value: "", want: "", wantSource: ""},
		{name: "the environment still wins", source: "environment", before: "fr", value: "de", want: "fr", wantSource: "environment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := filepath.Join(t.TempDir(), "earshot", "config.toml")
			resolve := func(s string) string {
				if s == "USER" {
					return user
				}
				return s
			}
			cfg := config.Defaults()
			cfg.Language = tt.before
			if tt.source != "" {
				cfg.Sources[config.KeyLanguage] = resolve(tt.source)
			}
			s := &Session{e: &env{fs: afero.NewOsFs(), cfg: cfg, paths: config.Paths{User: user}}}
			if err := s.SetPreference("LANGUAGE", tt.value); err != nil {
				t.Fatal(err)
			}
			if got := s.Language(); got != tt.want {
				t.Errorf("Language() = %q, want %q", got, tt.want)
			}
			if got := s.Config().Sources[config.KeyLanguage]; got != resolve(tt.wantSource) {
				t.Errorf("source %q, want %q", got, resolve(tt.wantSource))
			}
			l, prob := config.ReadTOML(afero.NewOsFs(), user, false)
			if prob != nil {
				t.Fatal(prob)
			}
			if l.Values["LANGUAGE"] != tt.value {
				t.Errorf("the file holds %q, want %q", l.Values["LANGUAGE"], tt.value)
			}
		})
	}
}

// TestSystemConfigLocksKeys: keys of the file EARSHOT_SYSTEM_CONFIG names
// are machine-wide, so the Preferences page shows them locked.
func TestSystemConfigLocksKeys(t *testing.T) {
	dir := t.TempDir()
	system := filepath.Join(dir, "system.toml")
	if err := os.WriteFile(system, []byte("TRAYICON = \"NO\"\nANALYTICSENDPOINT = \"https://collect.example/ev\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	afs := afero.NewOsFs()
	environ := []string{"EARSHOT_SYSTEM_CONFIG=" + system, "XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg")}
	cfg, problems, paths, _ := loadConfig(afs, options{data: filepath.Join(dir, "data")}, environ, true)
	if len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	s := &Session{e: &env{fs: afs, cfg: cfg, paths: paths}}
	locked := map[string]bool{}
	for _, e := range s.Preferences() {
		if e.Machine {
			locked[e.Key] = true
			if e.Source != system {
				t.Errorf("%s locked by %q, want %q", e.Key, e.Source, system)
			}
		}
	}
	if len(locked) != 2 || !locked["TRAYICON"] || !locked["ANALYTICSENDPOINT"] {
		t.Errorf("locked %v, want TRAYICON and ANALYTICSENDPOINT", locked)
	}
}
