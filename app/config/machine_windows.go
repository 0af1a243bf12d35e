//go:build windows

package config

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

// MachineLayers reads the installer properties the MSI wrote under
// HKLM\Software\Earshot as string values (RegistryLayers).
func MachineLayers() ([]Layer, []Problem) { return RegistryLayers(hklm{}) }

// hklm is the real registry behind RegistryReader.
type hklm struct{}

func (hklm) String(key, name string) (string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, key, registry.QUERY_VALUE)
	if err != nil {
		if errors.Is(err, registry.ErrNotExist) {
			return "", ErrNoValue
		}
		return "", err
	}
	defer k.Close()
	v, _, err := k.GetStringValue(name)
	if errors.Is(err, registry.ErrNotExist) {
		return "", ErrNoValue
	}
	return v, err
}

// DeleteProtectedPassword removes PASSWORD from the protected key once it is
// in the protected store; it fails for anyone but SYSTEM and Administrators.
func DeleteProtectedPassword() error {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, ProtectedPath, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.DeleteValue(KeyPassword)
}
