package locale

import "testing"

func TestFix(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		value string // "" = nothing set
	}{
		{"no locale at all", map[string]string{}, ""},
		{"plain C", map[string]string{"LANG": "C"}, ""},
		{"C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, "en"},
		{"C.utf8 in LC_ALL wins", map[string]string{"LC_ALL": "C.utf8", "LANG": "de_DE.UTF-8"}, "en"},
		{"POSIX with encoding", map[string]string{"LC_MESSAGES": "POSIX.UTF-8"}, "en"},
		{"Earshot's language", map[string]string{"LANG": "C.UTF-8", "EARSHOT_LANGUAGE": "de"}, "de"},
		{"a real locale", map[string]string{"LANG": "fr_FR.UTF-8"}, ""},
		{"LANGUAGE already set", map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "da"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, v, ok := Fix(func(k string) string { return tt.env[k] })
			if ok != (tt.value != "") || v != tt.value || (ok && k != "LANGUAGE") {
				t.Errorf("= %q %q %v, want LANGUAGE=%q", k, v, ok, tt.value)
			}
		})
	}
}
