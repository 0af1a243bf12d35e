package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"unicode/utf8"
)

// The MSI's PASSWORD for every user of a Windows PC (docs/configuration.md,
// "Secrets"). The MSI writes the clear password to ProtectedPath, which only
// SYSTEM and Administrators can read; the "Earshot password protection"
// service (`earshotd protect-secrets`, LocalSystem) seals it with
// machine-scope DPAPI into MachinePasswordValue under RegistryPath, which
// every user can read, and deletes the clear value. Every user's Earshot
// unseals it there. Machine-scope DPAPI ties the blob to this PC: copied to
// another machine or read off the disk it is useless, but any process on this
// PC may unseal it, as it must, since every user's Earshot sends it.
const (
	MachinePasswordValue   = "PASSWORDDPAPI"
	MachineProtectedSource = RegistrySource + ` (machine DPAPI)`
)

// errNoMachineDPAPI is what the machine seal gives outside Windows.
var errNoMachineDPAPI = errors.New("machine-scope DPAPI exists only on Windows")

// machineSeal and machineUnseal are machine-scope DPAPI on Windows
// (secret_machine_windows.go); tests replace them.
var (
	machineSeal   = func([]byte) ([]byte, error) { return nil, errNoMachineDPAPI }
	machineUnseal = func([]byte) ([]byte, error) { return nil, errNoMachineDPAPI }
)

// MachineRegistry is the part of HKLM ProtectMachinePassword writes.
type MachineRegistry interface {
	RegistryReader
	SetString(key, name, value string) error
	DeleteValue(key, name string) error
}

// ProtectMachinePassword seals a clear PASSWORD found under ProtectedPath into
// MachinePasswordValue and deletes the clear value; moved is false when there
// was none. The clear value is deleted only after the sealed one was read
// back and unsealed to the same password, so it is never lost.
func ProtectMachinePassword(r MachineRegistry) (moved bool, err error) {
	v, err := r.String(ProtectedPath, KeyPassword)
	if errors.Is(err, ErrNoValue) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf(`HKLM\%s\%s: %w`, ProtectedPath, KeyPassword, err)
	}
	if v == "" {
		return false, nil
	}
	if len(v) > maxRegistryValue || !utf8.ValidString(v) {
		return false, fmt.Errorf(`HKLM\%s\%s is not a password (%d bytes, or not valid text); left as it is`, ProtectedPath, KeyPassword, len(v))
	}
	sealed, err := machineSeal([]byte(v))
	if err != nil {
		return false, fmt.Errorf("sealing the password: %w", err)
	}
	enc := base64.StdEncoding.EncodeToString(sealed)
	if err := r.SetString(RegistryPath, MachinePasswordValue, enc); err != nil {
		return false, fmt.Errorf(`writing HKLM\%s\%s: %w`, RegistryPath, MachinePasswordValue, err)
	}
	if back, err := readMachinePassword(r); err != nil || back != v {
		return false, fmt.Errorf(`HKLM\%s\%s does not read back as the password (%v); the clear value is kept`, RegistryPath, MachinePasswordValue, err)
	}
	if err := r.DeleteValue(ProtectedPath, KeyPassword); err != nil {
		return true, fmt.Errorf(`the password is sealed, but HKLM\%s\%s could not be deleted: %w`, ProtectedPath, KeyPassword, err)
	}
	return true, nil
}

// readMachinePassword unseals MachinePasswordValue; ErrNoValue when there is
// none (or the MSI's empty placeholder).
func readMachinePassword(r RegistryReader) (string, error) {
	enc, err := r.String(RegistryPath, MachinePasswordValue)
	if errors.Is(err, ErrNoValue) {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("cannot read: %w", err)
	}
	if enc == "" {
		return "", ErrNoValue
	}
	if len(enc) > maxRegistryValue {
		return "", fmt.Errorf("a value of %d bytes is more than a sealed password can be", len(enc))
	}
	sealed, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", errors.New("not a sealed password (base64)")
	}
	plain, err := machineUnseal(sealed)
	if err != nil {
		return "", fmt.Errorf("cannot be unsealed on this machine: %w", err)
	}
	if !utf8.Valid(plain) {
		return "", errors.New("unseals to something that is not valid text")
	}
	return string(plain), nil
}

// machinePasswordLayer is the layer of the sealed machine password, nil when
// there is none; a value that cannot be unsealed is one problem.
func machinePasswordLayer(r RegistryReader) (*Layer, *Problem) {
	v, err := readMachinePassword(r)
	switch {
	case errors.Is(err, ErrNoValue):
		return nil, nil
	case err != nil:
		return nil, &Problem{Source: RegistrySource, Key: MachinePasswordValue, Msg: err.Error() + "; ignored"}
	case v == "":
		return nil, nil
	}
	return &Layer{Source: MachineProtectedSource, Values: map[string]string{KeyPassword: v}}, nil
}
