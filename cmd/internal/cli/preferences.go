package cli

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/earshot-app/earshot/app/config"
)

// PrefEntry is one configuration key as the Preferences page shows it: its
// effective value (secrets masked), where it came from, and whether it was
// set machine-wide (then the user cannot change it).
type PrefEntry struct {
	Key, Value, Source string
	Machine            bool // set by the installer or the machine-wide file
	UserSettable       bool // one of config.UserKeys
}

// Preferences returns every key with its effective value and source.
func (s *Session) Preferences() []PrefEntry {
	e := s.e
	keys := e.maskedConfig()["Keys"].(map[string]configEntry)
	var out []PrefEntry
	for _, k := range config.Keys() {
		ce := keys[k]
		out = append(out, PrefEntry{Key: k, Value: ce.Value, Source: ce.Source,
			Machine:      ce.Source == config.RegistrySource || ce.Source == config.MachineProtectedSource || (e.paths.Machine != "" && ce.Source == e.paths.Machine),
			UserSettable: slices.Contains(config.UserKeys, k)})
	}
	return out
}

// SetPreference writes one of the user's own keys into their file. LANGUAGE
// takes effect at once in this session's configuration (Config, the
// Preferences page) when nothing above the user's file (--config, the
// environment) sets it — the window then switches to it (Language); the
// other keys take effect on the next start.
func (s *Session) SetPreference(key, value string) error {
	if s.e.paths.User == "" {
		return fmt.Errorf("this system has no user configuration folder")
	}
	if err := config.SetUserValue(s.e.fs, s.e.paths.User, key, value); err != nil {
		return err
	}
	e := s.e
	if src := e.cfg.Sources[config.KeyLanguage]; strings.EqualFold(key, config.KeyLanguage) && (src == "" || src == e.paths.User) {
		// Only the Fyne goroutine reads Language and Sources after start; a
		// new map, so no reader sees this one change under it.
		sources := maps.Clone(e.cfg.Sources)
		if sources == nil {
			sources = map[string]string{}
		}
		delete(sources, config.KeyLanguage)
		if value != "" {
			sources[config.KeyLanguage] = e.paths.User
		}
		e.cfg.Language, e.cfg.Sources = value, sources
	}
	return nil
}

// Language is the language in effect: LANGUAGE, or "" to follow the OS.
func (s *Session) Language() string { return s.e.cfg.Language }

// WriteDiagnostics writes the diagnostics zip (as `earshot diagnostics`) into
// the data folder and returns its path.
func (s *Session) WriteDiagnostics() (string, error) {
	path := filepath.Join(s.e.o.data, "earshot-diagnostics-"+time.Now().UTC().Format("20060102-150405")+".zip")
	return path, s.e.writeDiagnosticsFile(path)
}
