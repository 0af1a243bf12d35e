//go:build !windows

package config

// MachineLayers returns the machine-wide settings that do not come from a
// file: none outside Windows.
func MachineLayers() ([]Layer, []Problem) { return nil, nil }

// DeleteProtectedPassword is Windows-only; elsewhere there is no such key.
func DeleteProtectedPassword() error { return nil }

// protectMachinePassword is Windows-only: there is no machine registry here.
func protectMachinePassword() error { return errNoMachineDPAPI }
