//go:build ci

package views

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/translations"
)

type fakePrefs struct {
	entries []PrefEntry
	set     map[string]string
	diagErr error
	login   bool
}

func (f *fakePrefs) StartAtLogin() (bool, bool)    { return true, f.login }
func (f *fakePrefs) SetStartAtLogin(on bool) error { f.login = on; return nil }

func (f *fakePrefs) Entries() []PrefEntry { return f.entries }
func (f *fakePrefs) Set(k, v string) error {
	f.set[k] = v
	return nil
}
func (f *fakePrefs) Diagnostics() (string, error) { return "/data/diag.zip", f.diagErr }

func findCheck(o fyne.CanvasObject) *widget.Check {
	switch x := o.(type) {
	case *widget.Check:
		return x
	case *fyne.Container:
		for _, c := range x.Objects {
			if r := findCheck(c); r != nil {
				return r
			}
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			if r := findCheck(c); r != nil {
				return r
			}
		}
	}
	return nil
}

func TestPreferencesPage(t *testing.T) {
	tests := []struct {
		name        string
		trayMachine bool
		diagErr     error
		want        []string
		trayEnabled bool
		status      string
	}{
		{name: "the user's own tray setting", trayEnabled: true,
			want:   []string{"Your settings", "PASSWORD", "xxxxx", `HKLM\Software\Earshot`, "Locked: set machine-wide by your administrator in HKLM\\Software\\Earshot", "built-in default"},
			status: "Diagnostics written to /data/diag.zip (path copied)"},
		{name: "IT set the tray machine-wide", trayMachine: true, trayEnabled: false,
			want: []string{"Locked: set machine-wide by your administrator in /etc/earshot/config.toml"}},
		{name: "diagnostics fail", trayEnabled: true, diagErr: errors.New("disk full"),
			status: "Could not write the diagnostics: disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := test.NewTempApp(t)
			tray := PrefEntry{Key: "TRAYICON", Value: "YES", Source: "default", UserSettable: true}
			if tt.trayMachine {
				tray.Source, tray.Machine = "/etc/earshot/config.toml", true
			}
			src := &fakePrefs{set: map[string]string{}, diagErr: tt.diagErr, entries: []PrefEntry{
				{Key: "PASSWORD", Value: "xxxxx", Source: `HKLM\Software\Earshot`, Machine: true},
				{Key: "CATALOGDIR", Source: "default"},
				tray,
			}}
			var copied string
			pg := NewPreferencesPage(PreferencesPageParams{Source: src, T: translations.New("en"), Clipboard: func(s string) { copied = s }})
			w := a.NewWindow("p")
			w.SetContent(pg.Content())
			w.Resize(fyne.NewSize(900, 700))
			pg.Shown()
			text := strings.Join(strings.Fields(visibleText(pg.Content())), " ") // wrapped lines joined
			for _, s := range tt.want {
				if !strings.Contains(text, s) {
					t.Errorf("page lacks %q:\n%s", s, text)
				}
			}
			chk := findCheck(pg.own)
			if chk == nil {
				t.Fatal("no tray check box")
			}
			if chk.Disabled() == tt.trayEnabled {
				t.Errorf("tray check disabled %v, want enabled %v", chk.Disabled(), tt.trayEnabled)
			}
			if tt.trayEnabled {
				test.Tap(chk)
				if src.set["TRAYICON"] != "NO" {
					t.Errorf("set %v, want TRAYICON=NO", src.set)
				}
			}
			test.Tap(pg.startAtLogin)
			if !src.login || !strings.Contains(pg.status.Text, "log in") {
				t.Errorf("start at login %v, status %q", src.login, pg.status.Text)
			}
			pg.theme.SetSelectedIndex(2)
			if got := a.Preferences().String(ThemePreference); got != "dark" {
				t.Errorf("theme preference %q, want dark", got)
			}
			if a.Settings().Theme().Color(theme.ColorNameBackground, theme.VariantLight) != theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantDark) {
				t.Error("the dark theme was not applied at once")
			}
			test.Tap(pg.notifications)
			if NotificationsOn(a) {
				t.Error("notifications still on after unticking")
			}
			pg.copyDiagnostics()
			if tt.status != "" && !strings.Contains(pg.status.Text, tt.status) {
				t.Errorf("status %q, want %q", pg.status.Text, tt.status)
			}
			if tt.diagErr == nil && copied != "/data/diag.zip" {
				t.Errorf("clipboard %q", copied)
			}
		})
	}
}
