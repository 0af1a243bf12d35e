package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/afero"
)

func TestSetUserValue(t *testing.T) {
	tests := []struct {
		name, before, key, value string
		want                     map[string]string // after Load of the file
		err                      string
	}{
		{name: "into a new file", key: "language", value: "de", want: map[string]string{"LANGUAGE": "de"}},
		{name: "keeps the other keys", before: "TRAYICON = \"NO\"\ncatalogdir = \"/c\"\n", key: "TRAYICON", value: "YES",
			want: map[string]string{"TRAYICON": "YES", "catalogdir": "/c"}},
		{name: "empty removes it", before: "LANGUAGE = \"fr\"\n", key: "LANGUAGE", value: "", want: map[string]string{}},
		{name: "a bad value is refused", key: "TRAYICON", value: "maybe", err: "not YES or NO"},
		{name: "never the password", key: "PASSWORD", value: "x", err: "cannot be set here"},
		{name: "a broken file is left alone", before: "LANGUAGE = ", key: "LANGUAGE", value: "de", err: "not valid TOML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "earshot", "config.toml")
			afs := afero.NewOsFs()
			if tt.before != "" {
				if err := writeOwnerOnly(afs, path, []byte(tt.before)); err != nil {
					t.Fatal(err)
				}
			}
			err := SetUserValue(afs, path, tt.key, tt.value)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				if raw, _ := os.ReadFile(path); string(raw) != tt.before {
					t.Errorf("file changed to %q", raw)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			l, prob := ReadTOML(afs, path, false)
			if prob != nil {
				t.Fatal(prob)
			}
			if len(l.Values) != len(tt.want) {
				t.Errorf("values %v, want %v", l.Values, tt.want)
			}
			for k, v := range tt.want {
				if l.Values[k] != v {
					t.Errorf("%s = %q, want %q", k, l.Values[k], v)
				}
			}
		})
	}
}

// TestValuesCoverEveryKey: the Preferences page and the diagnostics show a
// value for every key a source can set.
func TestValuesCoverEveryKey(t *testing.T) {
	v := Values(Defaults())
	for _, k := range Keys() {
		if _, ok := v[k]; !ok {
			t.Errorf("Values has no %s", k)
		}
	}
}
