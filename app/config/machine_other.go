//go:build !windows

package config

// MachineLayers returns the machine-wide settings that do not come from a
// file: none outside Windows.
func MachineLayers() ([]Layer, []Problem) { return nil, nil }
