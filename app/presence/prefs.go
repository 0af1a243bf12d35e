package presence

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/device"
)

// prefsFile is the name of the presence preferences in the data folder.
const prefsFile = "presence.json"

// maxPrefsSize bounds the preferences file read.
const maxPrefsSize = 64 << 10

// Prefs keeps the user's presence choices in the data folder.
type Prefs struct {
	Fs  afero.Fs
	Dir string
}

// savedPrefs are the choices kept.
type savedPrefs struct {
	Priority []string
	Manual   State
	Colours  Colours
}

// prefsJSON is the file: savedPrefs with colours as text ("red blink").
type prefsJSON struct {
	Priority []string         `json:"priority,omitempty"`
	Manual   State            `json:"manual,omitempty"`
	Colours  map[State]string `json:"colours,omitempty"`
}

func (p *Prefs) path() string { return filepath.Join(p.Dir, prefsFile) }

// Load reads the saved choices; a missing file is none, a damaged one is
// logged and ignored.
func (p *Prefs) Load(log *slog.Logger) savedPrefs {
	f, err := p.Fs.Open(p.path())
	if err != nil {
		return savedPrefs{}
	}
	defer f.Close()
	var j prefsJSON
	buf, err := io.ReadAll(io.LimitReader(f, maxPrefsSize+1))
	if err != nil || len(buf) > maxPrefsSize {
		log.Warn("presence preferences too large, ignored", "file", p.path())
		return savedPrefs{}
	}
	if err := json.Unmarshal(buf, &j); err != nil {
		log.Warn("presence preferences unreadable, ignored", "file", p.path(), "err", err)
		return savedPrefs{}
	}
	out := savedPrefs{Priority: j.Priority, Colours: Colours{}}
	if j.Manual == "" || j.Manual.Valid() {
		out.Manual = j.Manual
	}
	for k, v := range j.Colours {
		l, err := device.ParseLightState(v)
		if err == nil && !slices.Contains(ColourKeys, k) {
			err = fmt.Errorf("unknown state %q", k)
		}
		if err != nil {
			log.Warn("presence preferences: colour ignored", "file", p.path(), "state", k, "err", err)
			continue
		}
		out.Colours[k] = l
	}
	return out
}

// Save writes the choices (a temporary file renamed over the old one).
func (p *Prefs) Save(s savedPrefs) error {
	j := prefsJSON{Priority: s.Priority, Manual: s.Manual, Colours: map[State]string{}}
	for k, v := range s.Colours {
		j.Colours[k] = v.String()
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	if err := p.Fs.MkdirAll(p.Dir, 0o700); err != nil {
		return fmt.Errorf("save presence preferences: %w", err)
	}
	tmp := p.path() + ".tmp"
	if err := afero.WriteFile(p.Fs, tmp, b, 0o600); err != nil {
		return fmt.Errorf("save presence preferences: %w", err)
	}
	if err := p.Fs.Rename(tmp, p.path()); err != nil {
		return fmt.Errorf("save presence preferences: %w", err)
	}
	return nil
}

// apiFile keeps the presence API switch and address chosen on the Presence
// page.
const apiFile = "presence-api.json"

// APIChoice is the API switch and address chosen on the Presence page.
type APIChoice struct {
	Enabled bool   `json:"enabled"`
	Address string `json:"address"`
}

// LoadAPI returns the choice made on the Presence page, false when none was
// made (or the file is damaged, which is logged).
func (p *Prefs) LoadAPI(log *slog.Logger) (APIChoice, bool) {
	b, err := afero.ReadFile(p.Fs, filepath.Join(p.Dir, apiFile))
	if err != nil {
		return APIChoice{}, false
	}
	var c APIChoice
	if len(b) > maxPrefsSize || json.Unmarshal(b, &c) != nil {
		log.Warn("presence API choice unreadable, ignored", "file", filepath.Join(p.Dir, apiFile))
		return APIChoice{}, false
	}
	if _, err := IsLoopback(c.Address); err != nil {
		log.Warn("presence API choice: bad address, ignored", "file", filepath.Join(p.Dir, apiFile), "err", err)
		return APIChoice{}, false
	}
	return c, true
}

// SaveAPI keeps the choice made on the Presence page.
func (p *Prefs) SaveAPI(enabled bool, address string) error {
	b, err := json.Marshal(APIChoice{Enabled: enabled, Address: address})
	if err != nil {
		return err
	}
	if err := p.Fs.MkdirAll(p.Dir, 0o700); err != nil {
		return fmt.Errorf("save the presence API choice: %w", err)
	}
	if err := afero.WriteFile(p.Fs, filepath.Join(p.Dir, apiFile), b, 0o600); err != nil {
		return fmt.Errorf("save the presence API choice: %w", err)
	}
	return nil
}
