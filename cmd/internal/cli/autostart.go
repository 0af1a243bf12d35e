package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// autostartFile is the XDG autostart entry that starts the window at login
// (Linux and the BSDs); "" where Earshot has none (Windows: the MSI's Run
// entry starts it for every user; macOS: not built yet).
func (s *Session) autostartFile() string {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || s.e.paths.User == "" {
		return ""
	}
	// paths.User is <config home>/earshot/config.toml.
	return filepath.Join(filepath.Dir(filepath.Dir(s.e.paths.User)), "autostart", AppID+".desktop")
}

// StartAtLogin says whether this OS lets the user start Earshot at login
// from the Preferences page, and whether it does now.
func (s *Session) StartAtLogin() (supported, on bool) {
	f := s.autostartFile()
	if f == "" {
		return false, false
	}
	_, err := os.Stat(f)
	return true, err == nil
}

// SetStartAtLogin writes or removes the autostart entry.
func (s *Session) SetStartAtLogin(on bool) error {
	f := s.autostartFile()
	if f == "" {
		return fmt.Errorf("starting at login is set by the installer on %s", runtime.GOOS)
	}
	if !on {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		return err
	}
	entry := "[Desktop Entry]\nType=Application\nName=Earshot\nExec=" + exe + "\nIcon=" + AppID +
		"\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
	return os.WriteFile(f, []byte(entry), 0o600)
}
