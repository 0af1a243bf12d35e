//go:build windows

package config

import (
	"errors"
	"fmt"
	"strconv"

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
	switch {
	case errors.Is(err, registry.ErrNotExist):
		return "", ErrNoValue
	case errors.Is(err, registry.ErrUnexpectedType):
		// A .reg file written by hand may hold TRAYICON=dword:00000001:
		// a number reads as its decimal text; anything else is refused.
		if n, _, ierr := k.GetIntegerValue(name); ierr == nil {
			return strconv.FormatUint(n, 10), nil
		}
		_, typ, _ := k.GetValue(name, nil)
		return "", fmt.Errorf("%w: %s", ErrNotString, registryTypeName(typ))
	}
	return v, err
}

// Names lists the value names under key (RegistryLister).
func (hklm) Names(key string) ([]string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, key, registry.QUERY_VALUE)
	if err != nil {
		if errors.Is(err, registry.ErrNotExist) {
			return nil, ErrNoValue
		}
		return nil, err
	}
	defer k.Close()
	return k.ReadValueNames(maxRegistryNames)
}

// maxRegistryNames bounds how many value names are listed under the key.
const maxRegistryNames = 1000

func registryTypeName(t uint32) string {
	switch t {
	case registry.BINARY:
		return "REG_BINARY"
	case registry.MULTI_SZ:
		return "REG_MULTI_SZ"
	case registry.NONE:
		return "REG_NONE"
	}
	return fmt.Sprintf("registry type %d", t)
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
