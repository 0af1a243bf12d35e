package config

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/afero"
)

// SetString and DeleteValue make fakeRegistry a MachineRegistry; readOnly
// keys refuse writes.
func (r fakeRegistry) SetString(key, name, value string) error {
	if r.denied[key] || r.denied["write "+key] {
		return errors.New("Access is denied.")
	}
	r.values[key+`\`+name] = value
	return nil
}

func (r fakeRegistry) DeleteValue(key, name string) error {
	if r.denied[key] || r.denied["write "+key] {
		return errors.New("Access is denied.")
	}
	if _, ok := r.values[key+`\`+name]; !ok {
		return ErrNoValue
	}
	delete(r.values, key+`\`+name)
	return nil
}

// fakeMachineDPAPI stands in for machine-scope DPAPI: a reversible seal with
// a header, so a blob of another machine (no header) cannot be unsealed.
func fakeMachineDPAPI(t testing.TB) {
	oldSeal, oldUnseal := machineSeal, machineUnseal
	t.Cleanup(func() { machineSeal, machineUnseal = oldSeal, oldUnseal })
	machineSeal = func(p []byte) ([]byte, error) {
		out := []byte("this-pc:")
		for _, b := range p {
			out = append(out, b^0x5a)
		}
		return out, nil
	}
	machineUnseal = func(s []byte) ([]byte, error) {
		rest, ok := bytes.CutPrefix(s, []byte("this-pc:"))
		if !ok {
			return nil, errors.New("The data is invalid.")
		}
		out := make([]byte, len(rest))
		for i, b := range rest {
			out[i] = b ^ 0x5a
		}
		return out, nil
	}
}

func sealedFor(t *testing.T, pw string) string {
	r := fakeRegistry{values: map[string]string{ProtectedPath + `\PASSWORD`: pw}}
	if moved, err := ProtectMachinePassword(r); !moved || err != nil {
		t.Fatalf("ProtectMachinePassword: %v %v", moved, err)
	}
	return r.values[RegistryPath+`\`+MachinePasswordValue]
}

func TestProtectMachinePassword(t *testing.T) {
	fakeMachineDPAPI(t)
	const pw = "Msi-Pa55word"
	tests := []struct {
		name        string
		values      map[string]string
		denied      map[string]bool
		moved       bool
		err         string
		clearAfter  bool // the clear value is still there
		sealedAfter bool
	}{
		{name: "the MSI's clear password is sealed and deleted",
			values: map[string]string{ProtectedPath + `\PASSWORD`: pw}, moved: true, sealedAfter: true},
		{name: "nothing to do", values: map[string]string{}},
		{name: "an empty value is no password", values: map[string]string{ProtectedPath + `\PASSWORD`: ""}, clearAfter: true},
		{name: "a new password replaces the sealed one",
			values: map[string]string{ProtectedPath + `\PASSWORD`: pw, RegistryPath + `\` + MachinePasswordValue: "dGhpcy1wYzpvbGQ="},
			moved:  true, sealedAfter: true},
		{name: "the user-readable key cannot be written: the clear value stays",
			values: map[string]string{ProtectedPath + `\PASSWORD`: pw}, denied: map[string]bool{"write " + RegistryPath: true},
			err: "writing", clearAfter: true},
		{name: "an ordinary user cannot read the protected key", values: map[string]string{ProtectedPath + `\PASSWORD`: pw},
			denied: map[string]bool{ProtectedPath: true}, err: "Access is denied", clearAfter: true},
		{name: "sealed, but the clear value cannot be deleted", values: map[string]string{ProtectedPath + `\PASSWORD`: pw},
			denied: map[string]bool{"write " + ProtectedPath: true}, moved: true, err: "could not be deleted", clearAfter: true, sealedAfter: true},
		{name: "invalid text is left alone", values: map[string]string{ProtectedPath + `\PASSWORD`: "bad\xff"},
			err: "not valid text", clearAfter: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fakeRegistry{values: tt.values, denied: tt.denied}
			moved, err := ProtectMachinePassword(r)
			if moved != tt.moved || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("moved %v err %v; want %v %q", moved, err, tt.moved, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), pw) {
				t.Errorf("the error shows the password: %v", err)
			}
			if _, ok := r.values[ProtectedPath+`\PASSWORD`]; ok != tt.clearAfter {
				t.Errorf("clear value there: %v, want %v", ok, tt.clearAfter)
			}
			sealed := r.values[RegistryPath+`\`+MachinePasswordValue]
			if tt.sealedAfter {
				if strings.Contains(sealed, pw) || sealed == "" {
					t.Errorf("sealed value %q", sealed)
				}
				if got, err := readMachinePassword(r); got != pw || err != nil {
					t.Errorf("unsealed %q %v", got, err)
				}
			}
		})
	}
}

func TestMachinePasswordLayer(t *testing.T) {
	fakeMachineDPAPI(t)
	const pw, newer = "Msi-Pa55word", "newer-one"
	sealed := sealedFor(t, pw)
	tests := []struct {
		name       string
		reg        fakeRegistry
		want       string
		wantSource string
		problem    string
	}{
		{name: "an ordinary user: the sealed password", reg: fakeRegistry{
			values: map[string]string{RegistryPath + `\` + MachinePasswordValue: sealed, ProtectedPath + `\PASSWORD`: "unreadable"},
			denied: map[string]bool{ProtectedPath: true}}, want: pw, wantSource: MachineProtectedSource},
		{name: "SYSTEM before the service ran: the clear, newer one", reg: fakeRegistry{
			values: map[string]string{RegistryPath + `\` + MachinePasswordValue: sealed, ProtectedPath + `\PASSWORD`: newer}},
			want: newer, wantSource: RegistrySource},
		{name: "the MSI's empty placeholder", reg: fakeRegistry{values: map[string]string{RegistryPath + `\` + MachinePasswordValue: ""}}},
		{name: "not base64", reg: fakeRegistry{values: map[string]string{RegistryPath + `\` + MachinePasswordValue: "%%%"}},
			problem: "not a sealed password"},
		{name: "another machine's blob", reg: fakeRegistry{values: map[string]string{RegistryPath + `\` + MachinePasswordValue: "b3RoZXItcGM6eHl6"}},
			problem: "cannot be unsealed on this machine"},
		{name: "10 MB", reg: fakeRegistry{values: map[string]string{RegistryPath + `\` + MachinePasswordValue: strings.Repeat("A", 10<<20)}},
			problem: "more than a sealed password can be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			layers, problems := RegistryLayers(tt.reg)
			c, more := Resolve(layers)
			problems = append(problems, more...)
			if c.Password != tt.want || c.Sources[KeyPassword] != tt.wantSource {
				t.Errorf("password %q from %q, want %q from %q", c.Password, c.Sources[KeyPassword], tt.want, tt.wantSource)
			}
			var msgs []string
			for _, p := range problems {
				msgs = append(msgs, p.String())
			}
			if tt.problem == "" && len(msgs) > 0 || tt.problem != "" && (len(msgs) != 1 || !strings.Contains(msgs[0], tt.problem)) {
				t.Errorf("problems %q, want %q", msgs, tt.problem)
			}
		})
	}
}

// TestMachinePasswordNotStored: every user's Earshot uses the sealed
// password as it is, stores no copy and warns of nothing.
func TestMachinePasswordNotStored(t *testing.T) {
	fakeMachineDPAPI(t)
	const pw = "Msi-Pa55word"
	reg := fakeRegistry{values: map[string]string{RegistryPath + `\` + MachinePasswordValue: sealedFor(t, pw)},
		denied: map[string]bool{ProtectedPath: true}}
	layers, problems := RegistryLayers(reg)
	dir := t.TempDir()
	afs := afero.NewOsFs()
	p := Paths{User: filepath.Join(dir, "conf", "config.toml")}
	c, more := Load(afs, p, layers, nil)
	store := NewSecretStore(afs, filepath.Join(dir, "data"), filepath.Join(dir, "conf"), nil)
	problems = append(append(problems, more...), ProtectPassword(afs, &c, store, p)...)
	if len(problems) > 0 || c.Password != pw || c.Sources[KeyPassword] != MachineProtectedSource {
		t.Errorf("password %q from %q, problems %v", c.Password, c.Sources[KeyPassword], problems)
	}
	if _, ok, _ := store.Load(); ok {
		t.Error("a copy went into the user's store")
	}
}

// FuzzMachinePasswordValue: whatever PASSWORDDPAPI holds (someone else's
// registry export, a damaged value), reading it gives the password, nothing,
// or one problem; never a panic, never a problem showing what it unsealed.
func FuzzMachinePasswordValue(f *testing.F) {
	fakeMachineDPAPI(f)
	for _, s := range []string{"", "dGhpcy1wYzp4eXo=", "%%%", "dGhpcy1wYzr/", "b3RoZXItcGM6eHl6", "AQAAANCMnd8BFdERjHoAwE/Cl+sB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		layers, problems := RegistryLayers(fakeRegistry{values: map[string]string{RegistryPath + `\` + MachinePasswordValue: v}})
		if len(problems) > 1 || len(layers) > 1 || (len(problems) == 1 && len(layers) == 1) {
			t.Fatalf("layers %v problems %v", layers, problems)
		}
		if len(layers) == 1 {
			if layers[0].Source != MachineProtectedSource || len(layers[0].Values) != 1 {
				t.Fatalf("layer %v", layers[0])
			}
		}
	})
}
