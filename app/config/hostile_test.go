package config

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/spf13/afero"
)

// hostileRegistry is HKLM\Software\Earshot as someone else left it: values
// by name (a value may be an error: a REG_BINARY, say), and the names
// listed under the key, which may hold names that are no property.
type hostileRegistry struct {
	values map[string]any // string or error
	extra  []string       // names listed beside those of values
}

func (r hostileRegistry) String(key, name string) (string, error) {
	if key != RegistryPath {
		return "", ErrNoValue
	}
	switch v := r.values[name].(type) {
	case string:
		return v, nil
	case error:
		return "", v
	}
	return "", ErrNoValue
}

func (r hostileRegistry) Names(key string) ([]string, error) {
	if key != RegistryPath {
		return nil, ErrNoValue
	}
	names := append([]string(nil), r.extra...)
	for n := range r.values {
		names = append(names, n)
	}
	return names, nil
}

// wantProblem is one message a case expects: the key it names ("" for
// the whole source) and a part of its text.
type wantProblem struct{ key, says string }

// TestHostileConfiguration is the acceptance test of a configuration that
// someone else wrote — a --config file, the machine-wide /etc file, the
// user's own file or the installer's registry values — holding wrong
// types, unknown keys, a 10 MB value and invalid UTF-8. Each problem gives
// exactly one message line, naming the source and the key, with control
// characters escaped and long values cut with "…"; Earshot starts anyway.
//
// What starts with defaults (docs/configuration.md, "Bad input never stops
// Earshot"): each bad key keeps the default (the value of the layers
// below), while the good keys of the same source apply. A file that cannot
// be read as a whole — larger than 1 MiB (a 10 MB value makes it so), not
// UTF-8, not TOML — is ignored whole: every key starts with its default.
func TestHostileConfiguration(t *testing.T) {
	long := strings.Repeat("w", 5000)
	huge := strings.Repeat("x", 10<<20)
	manyUnknown := func() string {
		var b strings.Builder
		for i := range 500 {
			fmt.Fprintf(&b, "UNKNOWN%03d = 1\n", i)
		}
		return b.String() + "USERNAME = \"fleet\"\n"
	}()
	files := []struct {
		name     string
		doc      string
		problems []wantProblem
		good     map[string]string // keys that apply, as Values shows them
		total    int               // lines expected when not len(problems)
	}{
		{name: "wrong types",
			doc: "TRAYICON = 5\n" +
				"CHECKFORUPDATESINTERVALMINUTES = \"" + long + "\"\n" +
				"BACKENDTYPE = true\n" +
				"PEOPLECOUNTHEARTBEATINTERVALMINUTES = [1, 2]\n" +
				"DEVICEMANAGEMENTENDPOINT = 42\n" +
				"LANGUAGE = 1979-05-27T07:32:00Z\n" +
				"PRESENCEAPI = \"maybe\\n\\u001b[2J\"\n" +
				"USERNAME = \"fleet\"\n" +
				"CALLHISTORYRETENTIONDAYS = 30\n" +
				"HIDTELLEDS = true\n" +
				"[CATALOGDIR]\nx = 1\n",
			problems: []wantProblem{
				{"TRAYICON", `"5" is not YES or NO; keeping YES`},
				{"CHECKFORUPDATESINTERVALMINUTES", `"wwwwwwwwww`},
				{"BACKENDTYPE", `"true" is not Default, PowerSuite or Ovoc; keeping Default`},
				{"PEOPLECOUNTHEARTBEATINTERVALMINUTES", "an array, not one value; keeping 10"},
				{"DEVICEMANAGEMENTENDPOINT", `"42" is not an http or https URL; keeping it empty`},
				{"LANGUAGE", "a date or time, not one value; keeping it empty"},
				{"PRESENCEAPI", `"maybe\n\x1b[2J" is not YES or NO; keeping off`},
				{"CATALOGDIR", "a table, not one value; keeping it empty"},
			},
			good: map[string]string{KeyUsername: "fleet", KeyCallHistoryRetention: "30", KeyHIDTelLEDs: "YES"}},
		{name: "unknown keys",
			doc: "ANALYTICSENDPIONT = \"https://collect.example/ev\"\n" +
				"\"TRAY\\nICON\\u001b[31m\" = \"NO\"\n" +
				"[section]\nTRAYICON = \"NO\"\n",
			problems: []wantProblem{
				{"ANALYTICSENDPIONT", "unknown key, ignored"},
				{`TRAY\nICON\x1b[31m`, "unknown key, ignored"},
				{"section", "unknown key, ignored"},
			}},
		{name: "unknown keys beside good ones, in any case",
			doc:      "trayicon = false\nLanguage = \"de\"\nFOO = 1\n",
			problems: []wantProblem{{"FOO", "unknown key, ignored"}},
			good:     map[string]string{KeyTrayIcon: "NO", KeyLanguage: "de"}},
		{name: "500 unknown keys give 50 lines and a count",
			doc:   manyUnknown,
			total: maxProblemsPerSource + 1,
			problems: []wantProblem{
				{"UNKNOWN000", "unknown key, ignored"},
				{"", "450 more problems not shown one by one"},
			},
			good: map[string]string{KeyUsername: "fleet"}},
		{name: "a 10 MB value makes the file too large to read",
			doc:      "USERNAME = \"fleet\"\nBACKENDCONFIGURATION = \"" + huge + "\"\n",
			problems: []wantProblem{{"", "the file is larger than the 1048576 bytes allowed; file ignored"}}},
		{name: "a value over 64 KiB in a file under 1 MiB",
			doc:      "USERNAME = \"fleet\"\nBACKENDCONFIGURATION = \"" + strings.Repeat("y", 100<<10) + "\"\n",
			problems: []wantProblem{{"BACKENDCONFIGURATION", "a value of 102400 bytes is longer than the 65536 allowed; ignored"}},
			good:     map[string]string{KeyUsername: "fleet"}},
		{name: "invalid UTF-8 in a value",
			doc:      "USERNAME = \"fleet\"\nLANGUAGE = \"d\xffe\"\n",
			problems: []wantProblem{{"", "line 2 is not UTF-8 text, as TOML must be; file ignored"}}},
		{name: "invalid UTF-8 in a key",
			doc:      "\"K\xfe\" = 1\n",
			problems: []wantProblem{{"", "line 1 is not UTF-8 text"}}},
		{name: "not TOML",
			doc:      "USERNAME = \"fleet\"\nTRAYICON = = NO\n",
			problems: []wantProblem{{"", "not valid TOML: line 2"}}},
	}
	sources := []struct {
		name  string
		paths func(string) Paths
		path  string
	}{
		{"--config FILE", func(p string) Paths { return Paths{Flag: p} }, "/home/it/earshot.toml"},
		{"machine-wide /etc file", func(p string) Paths { return Paths{Machine: p} }, "/etc/earshot/config.toml"},
		{"the user's file", func(p string) Paths { return Paths{User: p} }, "/home/u/.config/earshot/config.toml"},
	}
	for _, src := range sources {
		for _, tt := range files {
			t.Run(src.name+"/"+tt.name, func(t *testing.T) {
				fs := afero.NewMemMapFs()
				must(t, afero.WriteFile(fs, src.path, []byte(tt.doc), 0o644))
				c, problems := Load(fs, src.paths(src.path), nil, nil)
				checkHostile(t, src.path, problems, tt.problems, tt.total)
				checkEffective(t, c, src.path, tt.good)
			})
		}
	}

	registry := []struct {
		name     string
		reg      hostileRegistry
		problems []wantProblem
		good     map[string]string
	}{
		{name: "wrong types",
			reg: hostileRegistry{values: map[string]any{
				KeyTrayIcon:             fmt.Errorf("%w: REG_BINARY", ErrNotString),
				KeyCheckForUpdates:      "every\r\nweek",
				KeyPeopleCountHeartbeat: long,
				KeyUsername:             "fleet",
			}},
			problems: []wantProblem{
				{"TRAYICON", "not a string value: REG_BINARY; ignored"},
				{"CHECKFORUPDATESINTERVALMINUTES", `"every\r\nweek" is not a whole number; keeping 10080`},
				{"PEOPLECOUNTHEARTBEATINTERVALMINUTES", `"wwwwwwwwww`},
			},
			good: map[string]string{KeyUsername: "fleet"}},
		{name: "unknown values",
			reg: hostileRegistry{values: map[string]any{KeyTrayIcon: "NO"},
				extra: []string{"ANALYTICSENDPIONT", "Install\nPath\x1b[0m", "", "trayicon"}},
			problems: []wantProblem{
				{"ANALYTICSENDPIONT", "unknown value, ignored"},
				{`Install\nPath\x1b[0m`, "unknown value, ignored"},
			},
			good: map[string]string{KeyTrayIcon: "NO"}},
		{name: "a 10 MB value",
			reg:      hostileRegistry{values: map[string]any{KeyBackendConfiguration: huge, KeyUsername: "fleet"}},
			problems: []wantProblem{{"BACKENDCONFIGURATION", "value is 10485760 bytes, more than 65536; ignored"}},
			good:     map[string]string{KeyUsername: "fleet"}},
		{name: "invalid UTF-8",
			reg:      hostileRegistry{values: map[string]any{KeyLanguage: "d\xffe", KeyUsername: "fleet"}},
			problems: []wantProblem{{"LANGUAGE", "value is not valid text (UTF-8); ignored"}},
			good:     map[string]string{KeyUsername: "fleet"}},
	}
	for _, tt := range registry {
		t.Run("registry/"+tt.name, func(t *testing.T) {
			layers, problems := RegistryLayers(tt.reg)
			c, more := Load(afero.NewMemMapFs(), Paths{}, layers, nil)
			checkHostile(t, RegistrySource, append(problems, more...), tt.problems, 0)
			checkEffective(t, c, RegistrySource, tt.good)
		})
	}
}

// checkHostile: exactly one line per expected problem (or total lines),
// each one printable line naming the source and its key.
func checkHostile(t *testing.T, source string, problems []Problem, want []wantProblem, total int) {
	t.Helper()
	if total == 0 {
		total = len(want)
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
		checkOneLine(t, lines[i])
		if !strings.HasPrefix(lines[i], "config "+source+": ") {
			t.Errorf("line %q does not name %s", lines[i], source)
		}
	}
	if len(lines) != total {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), total, strings.Join(lines, "\n"))
	}
	for _, w := range want {
		prefix := "config " + source + ": "
		if w.key != "" {
			prefix += w.key + ": "
		}
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) && strings.Contains(l, w.says) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d lines start %q and say %q, want 1:\n%s", n, prefix, w.says, strings.Join(lines, "\n"))
		}
		if strings.Contains(w.says, "wwwwwwwwww") {
			for _, l := range lines {
				if strings.HasPrefix(l, prefix) && !strings.Contains(l, "w…\"") {
					t.Errorf("the long value is not cut with …: %.120q", l)
				}
			}
		}
	}
}

// checkEffective: the configuration is the defaults, but for the good keys,
// which come from source.
func checkEffective(t *testing.T, c Config, source string, good map[string]string) {
	t.Helper()
	want := Values(Defaults())
	maps.Copy(want, good)
	got := Values(c)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, cut(got[k], 40), cut(v, 40))
		}
	}
	for k := range good {
		if c.Sources[k] != source {
			t.Errorf("%s comes from %q, want %q", k, c.Sources[k], source)
		}
	}
	if len(c.Sources) != len(good) {
		t.Errorf("sources %v, want only the good keys %v", c.Sources, good)
	}
}

// FuzzRegistryLayers reads registry values someone else wrote: a fuzzed
// value under a property and under a fuzzed name. Reading never panics,
// every problem is one printable line naming the registry key, and the
// interval stays valid.
func FuzzRegistryLayers(f *testing.F) {
	f.Add("TRAYICON", "maybe\n\x1b[2J")
	f.Add("ANALYTICSENDPIONT", "https://collect.example/ev|ftp://x")
	f.Add("Install\nPath", "d\xffe")
	f.Add("CHECKFORUPDATESINTERVALMINUTES", "-5")
	f.Fuzz(func(t *testing.T, name, value string) {
		reg := hostileRegistry{
			values: map[string]any{KeyCheckForUpdates: value, KeyAnalyticsEndpoint: value, KeyTrayIcon: value},
			extra:  []string{name},
		}
		layers, problems := RegistryLayers(reg)
		c, more := Load(afero.NewMemMapFs(), Paths{}, layers, nil)
		if c.CheckForUpdatesMinutes < 1 {
			t.Fatalf("interval %d below minimum", c.CheckForUpdatesMinutes)
		}
		for _, p := range append(problems, more...) {
			line := p.String()
			checkOneLine(t, line)
			if !strings.HasPrefix(line, "config "+RegistrySource+": ") {
				t.Errorf("line %q does not name the registry key", line)
			}
		}
	})
}
