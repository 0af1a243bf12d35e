//go:build windows

package config

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

// registryPath is where the MSI writes the installer properties.
const registryPath = `Software\Earshot`

// MachineLayers reads the installer properties the MSI wrote under
// HKLM\Software\Earshot as string values.
func MachineLayers() ([]Layer, []Problem) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, registryPath, registry.QUERY_VALUE)
	if err != nil {
		if errors.Is(err, registry.ErrNotExist) {
			return nil, nil
		}
		return nil, []Problem{{Source: `HKLM\` + registryPath, Msg: "cannot read: " + err.Error()}}
	}
	defer k.Close()
	l := Layer{Source: `HKLM\` + registryPath, Values: map[string]string{}}
	var problems []Problem
	for _, name := range Keys() {
		v, _, err := k.GetStringValue(name)
		switch {
		case err == nil:
			l.Values[name] = v
		case !errors.Is(err, registry.ErrNotExist):
			problems = append(problems, Problem{Source: l.Source, Key: name, Msg: "cannot read: " + err.Error()})
		}
	}
	return []Layer{l}, problems
}
