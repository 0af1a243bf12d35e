package config

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spf13/afero"
)

// UserKeys are the keys a user sets for themselves on the Preferences page
// (the others are IT's, set by the installer or a file).
var UserKeys = []string{KeyLanguage, KeyTrayIcon}

// SetUserValue writes key = value into the user's own file, keeping the other
// keys in it; an empty value removes the key. PASSWORD is never written here:
// it goes to the protected store.
func SetUserValue(afs afero.Fs, path, key, value string) error {
	key = strings.ToUpper(key)
	if _, known := keys[key]; !known || key == KeyPassword {
		return fmt.Errorf("%s cannot be set here", key)
	}
	doc := map[string]any{}
	if raw, err := afero.ReadFile(afs, path); err == nil {
		if _, err := toml.Decode(string(raw), &doc); err != nil {
			return fmt.Errorf("%s is not valid TOML, so it was left alone: %w", path, err)
		}
	}
	for k := range doc {
		if strings.EqualFold(k, key) {
			delete(doc, k)
		}
	}
	if value != "" {
		c := Defaults()
		if set := keys[key]; set != nil {
			if err := set(&c, value); err != nil {
				return err
			}
		}
		doc[key] = value
	}
	var buf bytes.Buffer
	buf.WriteString("# Earshot: your own settings (the Preferences page writes this file).\n")
	if err := toml.NewEncoder(&buf).Encode(doc); err != nil {
		return err
	}
	return writeOwnerOnly(afs, path, buf.Bytes())
}
