package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// RegistryPath is where the MSI writes the installer properties, under
// HKEY_LOCAL_MACHINE; ProtectedPath is the subkey only SYSTEM and
// Administrators can read, where it writes PASSWORD.
const (
	RegistryPath  = `Software\Earshot`
	ProtectedPath = `Software\Earshot\Protected`
)

// maxRegistryValue bounds one registry value: an installer property is a URL
// or a short word, and a damaged or hostile export must not fill memory.
const maxRegistryValue = 64 << 10

// ErrNoValue is what a RegistryReader returns for a key or value that does
// not exist.
var ErrNoValue = errors.New("no such registry value")

// ErrNotString is what a RegistryReader returns, wrapped with the type it
// found ("not a string value: REG_BINARY"), for a value that is neither a string nor a number (REG_BINARY,
// REG_MULTI_SZ…): someone else wrote it, not the MSI.
var ErrNotString = errors.New("not a string value")

// RegistryLister is a RegistryReader that can also list the value names
// under a key, so names that are no property (a typo, another program's)
// are reported rather than silently ignored.
type RegistryLister interface {
	Names(key string) ([]string, error)
}

// RegistryReader reads string values under HKLM. It is the seam between the
// Windows registry (machine_windows.go) and the layering, so the layer can be
// tested on every OS.
type RegistryReader interface {
	// String returns the string value name under key, ErrNoValue when the
	// key or value does not exist, or another error (access denied…).
	String(key, name string) (string, error)
}

// RegistrySource names the registry layer in messages and in Sources.
const RegistrySource = `HKLM\` + RegistryPath

// RegistryLayers turns the installer's registry values into a layer. An empty
// value is no setting: the MSI writes a property only when it was given, and
// an old install may have left an empty one. PASSWORD is read from the
// protected subkey; a process that may not read it (an ordinary user) gets no
// password from there and no warning, since that is how it is meant to be:
// it gets the password sealed with machine-scope DPAPI (secret_machine.go), a
// layer of its own, MachineProtectedSource.
func RegistryLayers(r RegistryReader) ([]Layer, []Problem) {
	l := Layer{Source: RegistrySource, Values: map[string]string{}}
	var problems []Problem
	for _, name := range Keys() {
		key := RegistryPath
		if name == KeyPassword {
			key = ProtectedPath
		}
		v, err := r.String(key, name)
		switch {
		case err == nil && len(v) > maxRegistryValue:
			problems = append(problems, Problem{Source: RegistrySource, Key: name,
				Msg: fmt.Sprintf("value is %d bytes, more than %d; ignored", len(v), maxRegistryValue)})
		case err == nil && !utf8.ValidString(v):
			problems = append(problems, Problem{Source: RegistrySource, Key: name, Msg: "value is not valid text (UTF-8); ignored"})
		case err == nil:
			if v != "" {
				l.Values[name] = v
			}
		case errors.Is(err, ErrNotString):
			problems = append(problems, Problem{Source: RegistrySource, Key: name, Msg: err.Error() + "; ignored"})
		case errors.Is(err, ErrNoValue):
		case name == KeyPassword:
			// Access denied to the protected key: expected for ordinary users.
		default:
			problems = append(problems, Problem{Source: RegistrySource, Key: name, Msg: "cannot read: " + err.Error()})
		}
	}
	if lister, ok := r.(RegistryLister); ok {
		names, err := lister.Names(RegistryPath)
		if err != nil && !errors.Is(err, ErrNoValue) {
			problems = append(problems, Problem{Source: RegistrySource, Msg: "cannot list the values: " + err.Error()})
		}
		var unknown []Problem
		for _, n := range names {
			if _, known := keys[strings.ToUpper(strings.TrimSpace(n))]; !known && n != "" && !strings.EqualFold(n, MachinePasswordValue) {
				unknown = append(unknown, Problem{Source: RegistrySource, Key: n, Msg: "unknown value, ignored"})
			}
		}
		sort.Slice(unknown, func(i, j int) bool { return unknown[i].Key < unknown[j].Key })
		problems = append(problems, capProblems(RegistrySource, unknown)...)
	}
	// The sealed machine password comes first: a clear one still under
	// ProtectedPath (read by SYSTEM or an administrator before the service
	// sealed it) is the newer one.
	var layers []Layer
	if ml, prob := machinePasswordLayer(r); ml != nil {
		layers = append(layers, *ml)
	} else if prob != nil {
		problems = append(problems, *prob)
	}
	if len(l.Values) > 0 {
		layers = append(layers, l)
	}
	return layers, problems
}
