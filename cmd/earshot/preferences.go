package main

import (
	"github.com/earshot-app/earshot/cmd/internal/cli"
	"github.com/earshot-app/earshot/views"
)

// prefsSource is the session as the Preferences page sees it.
type prefsSource struct{ s *cli.Session }

func (p prefsSource) Entries() []views.PrefEntry {
	var out []views.PrefEntry
	for _, e := range p.s.Preferences() {
		out = append(out, views.PrefEntry{Key: e.Key, Value: e.Value, Source: e.Source, Machine: e.Machine, UserSettable: e.UserSettable})
	}
	return out
}

func (p prefsSource) Set(key, value string) error   { return p.s.SetPreference(key, value) }
func (p prefsSource) Diagnostics() (string, error)  { return p.s.WriteDiagnostics() }
func (p prefsSource) StartAtLogin() (bool, bool)    { return p.s.StartAtLogin() }
func (p prefsSource) SetStartAtLogin(on bool) error { return p.s.SetStartAtLogin(on) }

// preferencesPage is the last page of the navigation bar; onLanguage is
// called once a new language was saved.
func preferencesPage(s *cli.Session, onLanguage func(string) bool) namedPage {
	return namedPage{name: "preferences", page: views.NewPreferencesPage(views.PreferencesPageParams{Source: prefsSource{s}, T: s.T(),
		OnLanguage: onLanguage})}
}
