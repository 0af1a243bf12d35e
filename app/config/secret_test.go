package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/spf13/afero"
)

// fakeRegistry is HKLM as a map "key\name" → value; denied keys fail.
type fakeRegistry struct {
	values map[string]string
	denied map[string]bool
}

func (r fakeRegistry) String(key, name string) (string, error) {
	if r.denied[key] {
		return "", errors.New("Access is denied.")
	}
	v, ok := r.values[key+`\`+name]
	if !ok {
		return "", ErrNoValue
	}
	return v, nil
}

func TestRegistryLayers(t *testing.T) {
	tests := []struct {
		name     string
		reg      fakeRegistry
		want     map[string]string
		problems int
	}{
		{name: "nothing installed", reg: fakeRegistry{}, want: nil},
		{name: "properties and the protected password", reg: fakeRegistry{values: map[string]string{
			RegistryPath + `\TRAYICON`: "NO", RegistryPath + `\USERNAME`: "u", ProtectedPath + `\PASSWORD`: "s3cret",
			RegistryPath + `\PASSWORD`: "not read from here"}},
			want: map[string]string{"TRAYICON": "NO", "USERNAME": "u", "PASSWORD": "s3cret"}},
		{name: "empty values are no setting", reg: fakeRegistry{values: map[string]string{
			RegistryPath + `\TRAYICON`: "", RegistryPath + `\CATALOGDIR`: `C:\cat`}},
			want: map[string]string{"CATALOGDIR": `C:\cat`}},
		{name: "an ordinary user may not read the protected key", reg: fakeRegistry{
			values: map[string]string{RegistryPath + `\USERNAME`: "u"}, denied: map[string]bool{ProtectedPath: true}},
			want: map[string]string{"USERNAME": "u"}},
		{name: "an unreadable main key is one problem per key", reg: fakeRegistry{denied: map[string]bool{RegistryPath: true}},
			// Every key but PASSWORD (its key is another), and the sealed password.
			want: nil, problems: len(Keys())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			layers, problems := RegistryLayers(tt.reg)
			if len(problems) != tt.problems {
				t.Errorf("problems %v, want %d", problems, tt.problems)
			}
			if tt.want == nil {
				if len(layers) != 0 {
					t.Errorf("layers %v, want none", layers)
				}
				return
			}
			if len(layers) != 1 || layers[0].Source != RegistrySource {
				t.Fatalf("layers %v", layers)
			}
			if len(layers[0].Values) != len(tt.want) {
				t.Errorf("values %v, want %v", layers[0].Values, tt.want)
			}
			for k, v := range tt.want {
				if layers[0].Values[k] != v {
					t.Errorf("%s = %q, want %q", k, layers[0].Values[k], v)
				}
			}
		})
	}
}

func TestFileStore(t *testing.T) {
	dir := t.TempDir()
	s := FileStore{Fs: afero.NewOsFs(), Key: filepath.Join(dir, "conf", "secret.key"), Data: filepath.Join(dir, "data", "password.enc")}
	if _, ok, err := s.Load(); ok || err != nil {
		t.Fatalf("empty store: ok %v err %v", ok, err)
	}
	const pw = "correct horse battery staple"
	if err := s.Save(pw); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Load()
	if err != nil || !ok || got != pw {
		t.Fatalf("Load = %q %v %v", got, ok, err)
	}
	for _, f := range []string{s.Key, s.Data} {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), pw) {
			t.Errorf("%s holds the password in clear", f)
		}
		if st, _ := os.Stat(f); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	t.Run("a damaged file is an error, not a panic", func(t *testing.T) {
		if err := os.WriteFile(s.Data, []byte("short"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Load(); err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("another key cannot open it", func(t *testing.T) {
		if err := s.Save(pw); err != nil {
			t.Fatal(err)
		}
		other := FileStore{Fs: s.Fs, Key: filepath.Join(dir, "other.key"), Data: s.Data}
		if err := other.Save("x"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Load(); err == nil || !strings.Contains(err.Error(), "cannot be decrypted") {
			t.Errorf("err %v", err)
		}
	})
}

func TestProtectPassword(t *testing.T) {
	const pw = "Hunter2-secret"
	tests := []struct {
		name       string
		user, flag string // file contents; "" = no file
		env        []string
		stored     string
		wantSource string // "" = the file's path
		wantStored string
		userAfter  string // "" = unchanged
		problem    string
	}{
		{name: "the user's file: moved into the store and taken out of the file",
			user: "# mine\nUSERNAME = \"u\"\nPASSWORD = \"" + pw + "\"\nTRAYICON = \"NO\"\n", wantSource: "user",
			wantStored: pw, userAfter: "# mine\nUSERNAME = \"u\"\nTRAYICON = \"NO\"\n"},
		{name: "a --config file Earshot does not own: stored too, and a warning",
			flag: "password = '" + pw + "'\n", wantSource: "flag", wantStored: pw, problem: "remove it from the file"},
		{name: "the environment: used, not stored", env: []string{"EARSHOT_PASSWORD=" + pw},
			wantSource: "environment", wantStored: ""},
		{name: "no source: the stored one", stored: pw, wantSource: "protected store (encrypted file)", wantStored: pw},
		{name: "a mention in a comment is left alone", user: "# PASSWORD is kept encrypted\nUSERNAME = \"u\"\n",
			wantSource: "", wantStored: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			afs := afero.NewOsFs()
			p := Paths{User: filepath.Join(dir, "conf", "config.toml")}
			if tt.user != "" {
				if err := writeOwnerOnly(afs, p.User, []byte(tt.user)); err != nil {
					t.Fatal(err)
				}
			}
			if tt.flag != "" {
				p.Flag = filepath.Join(dir, "flag.toml")
				if err := os.WriteFile(p.Flag, []byte(tt.flag), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			store := NewSecretStore(afs, filepath.Join(dir, "data"), filepath.Join(dir, "conf"), nil)
			if tt.stored != "" {
				if err := store.Save(tt.stored); err != nil {
					t.Fatal(err)
				}
			}
			c, _ := Load(afs, p, nil, []Layer{EnvLayer(tt.env)})
			problems := ProtectPassword(afs, &c, store, p)
			want := map[string]string{"user": p.User, "flag": p.Flag}[tt.wantSource]
			if want == "" {
				want = tt.wantSource
			}
			if c.Sources[KeyPassword] != want {
				t.Errorf("source %q, want %q", c.Sources[KeyPassword], want)
			}
			if tt.wantSource != "" && c.Password != pw {
				t.Errorf("password %q, want the given one", c.Password)
			}
			got, _, err := store.Load()
			if err != nil || got != tt.wantStored {
				t.Errorf("stored %q (%v), want %q", got, err, tt.wantStored)
			}
			var msgs []string
			for _, pr := range problems {
				msgs = append(msgs, pr.String())
				if strings.Contains(pr.String(), pw) {
					t.Errorf("a problem shows the password: %s", pr)
				}
			}
			if tt.problem != "" && !strings.Contains(strings.Join(msgs, "\n"), tt.problem) {
				t.Errorf("problems %v, want %q", msgs, tt.problem)
			}
			if tt.problem == "" && len(msgs) > 0 {
				t.Errorf("problems %v, want none", msgs)
			}
			if tt.user != "" {
				raw, _ := os.ReadFile(p.User)
				after := tt.userAfter
				if after == "" {
					after = tt.user
				}
				if string(raw) != after {
					t.Errorf("user file now %q, want %q", raw, after)
				}
			}
		})
	}
}

// TestRegistryExportSomeoneElseWrote: a registry export with wrong types, a
// 10 MB value and invalid UTF-8 gives one message per problem, names no
// secret, and every key keeps its default.
func TestRegistryExportSomeoneElseWrote(t *testing.T) {
	reg := fakeRegistry{values: map[string]string{
		RegistryPath + `\TRAYICON`:                       "maybe",
		RegistryPath + `\CHECKFORUPDATESINTERVALMINUTES`: "hourly",
		RegistryPath + `\BACKENDTYPE`:                    "Jabra",
		RegistryPath + `\CATALOGDIR`:                     strings.Repeat("x", 10<<20),
		RegistryPath + `\USERNAME`:                       "bad\xff\xfeutf8",
		RegistryPath + `\DEVICEMANAGEMENTENDPOINT`:       "ftp://nowhere",
		ProtectedPath + `\PASSWORD`:                      "pw\xffsecret",
	}}
	layers, problems := RegistryLayers(reg)
	c, more := Resolve(layers)
	problems = append(problems, more...)
	want := map[string]string{
		"TRAYICON": "not YES or NO", "CHECKFORUPDATESINTERVALMINUTES": "not a whole number",
		"BACKENDTYPE": "not Default, PowerSuite or Ovoc", "CATALOGDIR": "more than 65536; ignored",
		"USERNAME": "not valid text", "DEVICEMANAGEMENTENDPOINT": "not an http or https URL", "PASSWORD": "not valid text",
	}
	if len(problems) != len(want) {
		t.Errorf("%d problems, want %d: %v", len(problems), len(want), problems)
	}
	for _, p := range problems {
		if !strings.Contains(p.Msg, want[p.Key]) || want[p.Key] == "" {
			t.Errorf("problem %q, want for %s %q", p, p.Key, want[p.Key])
		}
		if strings.Contains(p.String(), "secret") || len(p.String()) > 300 {
			t.Errorf("problem not one short line without the secret: %.300q", p.String())
		}
	}
	d := Defaults()
	if c.TrayIcon != d.TrayIcon || c.CheckForUpdatesMinutes != d.CheckForUpdatesMinutes || c.BackendType != d.BackendType ||
		c.CatalogDir != "" || c.Username != "" || c.Password != "" || c.ManagementEndpoint != "" {
		t.Errorf("config %+v, want the defaults", c)
	}
}
