package config

import (
	"path/filepath"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/spf13/afero"
)

// FuzzRemovePassword: whatever the user's file holds, taking the password out
// never panics, and when the file was changed it is valid TOML with no
// PASSWORD key left and every other key kept.
func FuzzRemovePassword(f *testing.F) {
	for _, s := range []string{
		"PASSWORD = \"x\"\n",
		"# c\nUSERNAME = 'u'\npassword='p'\nTRAYICON = \"NO\"\n",
		"\"PASSWORD\" = \"q\"\n",
		"PASSWORD = \"\"\"\nmulti\nline\"\"\"\n",
		"[section]\nPASSWORD = \"x\"\n",
		"PASSWORD = 12\nLANGUAGE = \"de\"",
		"not toml PASSWORD",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		if len(content) > 4096 {
			return
		}
		afs := afero.NewMemMapFs()
		path := filepath.Join("/u", "config.toml")
		if err := afero.WriteFile(afs, path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		var before map[string]any
		_, errBefore := toml.Decode(content, &before)
		prob := removePassword(afs, path)
		raw, _ := afero.ReadFile(afs, path)
		if string(raw) == content {
			return // untouched: nothing to take out, or a Problem said so
		}
		if prob != nil {
			t.Fatalf("file changed and a problem reported: %v", prob)
		}
		if errBefore != nil {
			t.Fatalf("a file that was not TOML was changed")
		}
		var after map[string]any
		if _, err := toml.Decode(string(raw), &after); err != nil {
			t.Fatalf("the file is no longer TOML: %v", err)
		}
		if hasPassword(after) {
			t.Fatalf("PASSWORD is still in %q", raw)
		}
		for k := range before {
			if _, ok := after[k]; !ok && !hasPassword(map[string]any{k: nil}) {
				t.Fatalf("key %q was lost", k)
			}
		}
	})
}
