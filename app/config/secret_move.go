package config

import (
	"bytes"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spf13/afero"
)

// StoreSource is the source named for a password that came from the store.
func StoreSource(s SecretStore) string { return "protected store (" + s.Kind() + ")" }

// ProtectPassword keeps PASSWORD encrypted at rest. A password found in clear
// in a file or in the registry is saved into store; it is removed from the
// user's own file (p.User, which Earshot owns), and a machine-wide or --config
// file that Earshot cannot rewrite is left with a warning. A clear password in
// the protected registry key is sealed for every user of the machine
// (ProtectMachinePassword); where that cannot be done it is moved into store. The environment is the caller's and is used as is. With no
// password from any source, the stored one is used. The clear password never
// appears in a Problem.
func ProtectPassword(afs afero.Fs, c *Config, store SecretStore, p Paths) []Problem {
	var problems []Problem
	src := c.Sources[KeyPassword]
	switch {
	case src == "":
		v, ok, err := store.Load()
		if err != nil {
			return []Problem{{Source: StoreSource(store), Key: KeyPassword, Msg: err.Error()}}
		}
		if ok {
			c.Password = v
			c.Sources[KeyPassword] = StoreSource(store)
		}
	case src == "environment", src == MachineProtectedSource:
		// The caller's, or sealed for every user of the machine: used as is.
	case src == RegistrySource && protectMachinePassword() == nil:
		// SYSTEM or an administrator read the clear value before the
		// protection service did: sealed for every user now, as it would.
	default:
		if err := store.Save(c.Password); err != nil {
			problems = append(problems, Problem{Source: src, Key: KeyPassword,
				Msg: "could not be moved into the " + StoreSource(store) + ": " + err.Error()})
			break
		}
		switch src {
		case RegistrySource:
			if err := DeleteProtectedPassword(); err != nil {
				problems = append(problems, Problem{Source: src, Key: KeyPassword,
					Msg: "is now kept in the " + StoreSource(store) + " but could not be removed from the registry: " + err.Error()})
			}
		case p.User:
		default:
			problems = append(problems, Problem{Source: src, Key: KeyPassword,
				Msg: "is written in clear in a file Earshot does not own; it is now kept in the " +
					StoreSource(store) + " too, so remove it from the file"})
		}
	}
	if p.User != "" {
		if prob := removePassword(afs, p.User); prob != nil {
			problems = append(problems, *prob)
		}
	}
	return problems
}

// removePassword drops every PASSWORD assignment from a TOML file, keeping
// the rest of it (comments too). Nothing happens when the file has none.
func removePassword(afs afero.Fs, path string) *Problem {
	raw, err := afero.ReadFile(afs, path)
	if err != nil || !bytes.Contains(bytes.ToUpper(raw), []byte(KeyPassword)) {
		return nil
	}
	var doc map[string]any
	if _, err := toml.Decode(string(raw), &doc); err != nil || !hasPassword(doc) {
		return nil // not TOML (already reported by Load) or only a mention in a comment
	}
	var out []string
	for _, line := range strings.SplitAfter(string(raw), "\n") {
		name, _, ok := strings.Cut(strings.TrimSpace(line), "=")
		name = strings.Trim(strings.TrimSpace(name), `"'`)
		if ok && strings.EqualFold(name, KeyPassword) {
			continue
		}
		out = append(out, line)
	}
	doc = nil
	if _, err := toml.Decode(strings.Join(out, ""), &doc); err != nil || hasPassword(doc) {
		return &Problem{Source: path, Key: KeyPassword, Msg: "is in clear in this file and could not be taken out of it; remove it by hand"}
	}
	if err := writeOwnerOnly(afs, path, []byte(strings.Join(out, ""))); err != nil {
		return &Problem{Source: path, Key: KeyPassword, Msg: "is in clear in this file and could not be taken out of it: " + err.Error()}
	}
	return nil
}

func hasPassword(doc map[string]any) bool {
	for k := range doc {
		if strings.EqualFold(strings.TrimSpace(k), KeyPassword) {
			return true
		}
	}
	return false
}
