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

// SetString implements MachineRegistry.
func (hklm) SetString(key, name, value string) error {
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, key, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue(name, value)
}

// DeleteValue implements MachineRegistry.
func (hklm) DeleteValue(key, name string) error {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, key, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.DeleteValue(name)
}

// HKLM is the machine's registry, for the protection service.
func HKLM() MachineRegistry { return hklm{} }

// protectMachinePassword seals a clear PASSWORD of the protected key for
// every user; an error when there was none or it could not be done.
func protectMachinePassword() error {
	moved, err := ProtectMachinePassword(hklm{})
	if err == nil && !moved {
		return ErrNoValue
	}
	return err
}
