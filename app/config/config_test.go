package config

import (
	"strings"
	"testing"

	"github.com/spf13/afero"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name     string
		layers   []Layer
		check    func(t *testing.T, c Config)
		problems []string // substrings, one per expected problem, in order
	}{
		{
			name: "defaults",
			check: func(t *testing.T, c Config) {
				expectEq(t, c.CheckForUpdatesMinutes, 10080)
				expectEq(t, c.TrayIcon, true)
			},
		},
		{
			name: "later layer wins",
			layers: []Layer{
				{Source: "machine", Values: map[string]string{"TRAYICON": "YES", "CHECKFORUPDATESINTERVALMINUTES": "60"}},
				{Source: "environment", Values: map[string]string{"TRAYICON": "no"}},
			},
			check: func(t *testing.T, c Config) {
				expectEq(t, c.TrayIcon, false)
				expectEq(t, c.CheckForUpdatesMinutes, 60)
				expectEq(t, c.Sources[KeyTrayIcon], "environment")
			},
		},
		{
			name: "analytics endpoints split on bar with spaces, bad one skipped",
			layers: []Layer{{Source: "f.toml", Values: map[string]string{
				"ANALYTICSENDPOINT": "https://a/ev| https://b/ev?Token=1 |ftp://c/x|",
			}}},
			check: func(t *testing.T, c Config) {
				expectEq(t, strings.Join(c.AnalyticsEndpoints, ","), "https://a/ev,https://b/ev?Token=1")
			},
			problems: []string{`config f.toml: ANALYTICSENDPOINT: "ftp://c/x" is not an http or https URL, skipped`},
		},
		{
			name: "malformed number keeps the value below",
			layers: []Layer{
				{Source: "machine", Values: map[string]string{"CHECKFORUPDATESINTERVALMINUTES": "60"}},
				{Source: "user.toml", Values: map[string]string{"CHECKFORUPDATESINTERVALMINUTES": "soon"}},
			},
			check:    func(t *testing.T, c Config) { expectEq(t, c.CheckForUpdatesMinutes, 60) },
			problems: []string{`config user.toml: CHECKFORUPDATESINTERVALMINUTES: "soon" is not a whole number; keeping 60`},
		},
		{
			name:     "bad yes/no",
			layers:   []Layer{{Source: "environment", Values: map[string]string{"TRAYICON": "maybe"}}},
			check:    func(t *testing.T, c Config) { expectEq(t, c.TrayIcon, true) },
			problems: []string{`config environment: TRAYICON: "maybe" is not YES or NO; keeping YES`},
		},
		{
			name:  "HIDTELLEDS defaults to off",
			check: func(t *testing.T, c Config) { expectEq(t, c.HIDTelLEDs, false) },
		},
		{
			name:   "HIDTELLEDS on",
			layers: []Layer{{Source: "environment", Values: map[string]string{"HIDTELLEDS": "on"}}},
			check:  func(t *testing.T, c Config) { expectEq(t, c.HIDTelLEDs, true) },
		},
		{
			name:     "HIDTELLEDS malformed keeps off",
			layers:   []Layer{{Source: "environment", Values: map[string]string{"HIDTELLEDS": "bright"}}},
			check:    func(t *testing.T, c Config) { expectEq(t, c.HIDTelLEDs, false) },
			problems: []string{`config environment: HIDTELLEDS: "bright" is not YES or NO; keeping NO`},
		},
		{
			name:  "call history retention defaults to 180 days",
			check: func(t *testing.T, c Config) { expectEq(t, c.CallHistoryRetentionDays, 180) },
		},
		{
			name:   "call history retention set, 0 keeps everything",
			layers: []Layer{{Source: "x", Values: map[string]string{"CALLHISTORYRETENTIONDAYS": "0"}}},
			check:  func(t *testing.T, c Config) { expectEq(t, c.CallHistoryRetentionDays, 0) },
		},
		{
			name:     "negative call history retention keeps the default",
			layers:   []Layer{{Source: "x", Values: map[string]string{"CALLHISTORYRETENTIONDAYS": "-3"}}},
			check:    func(t *testing.T, c Config) { expectEq(t, c.CallHistoryRetentionDays, 180) },
			problems: []string{`config x: CALLHISTORYRETENTIONDAYS: -3 is below the minimum 0; keeping 180`},
		},
		{
			name:   "backend type case-insensitive",
			layers: []Layer{{Source: "x", Values: map[string]string{"BACKENDTYPE": "ovoc"}}},
			check:  func(t *testing.T, c Config) { expectEq(t, c.BackendType, BackendOvoc) },
		},
		{
			name:     "unknown key reported",
			layers:   []Layer{{Source: "x", Values: map[string]string{"ANALYTICSENDPIONT": "https://a"}}},
			problems: []string{`config x: ANALYTICSENDPIONT: unknown key, ignored`},
		},
		{
			name:     "management endpoint must be http(s) with a host",
			layers:   []Layer{{Source: "x", Values: map[string]string{"DEVICEMANAGEMENTENDPOINT": "https:///nohost"}}},
			check:    func(t *testing.T, c Config) { expectEq(t, c.ManagementEndpoint, "") },
			problems: []string{`has no host; keeping it empty`},
		},
		{
			name: "basic credentials over http warn without the password",
			layers: []Layer{{Source: "x", Values: map[string]string{
				"USERNAME": "it", "PASSWORD": "s3cret", "DEVICEMANAGEMENTENDPOINT": "http://h/api?Token=abc",
			}}},
			problems: []string{`config x: USERNAME: Basic credentials are sent unencrypted to http://h/api?Token=xxxxx; use https`},
		},
		{
			name:   "heartbeat may be switched off",
			layers: []Layer{{Source: "x", Values: map[string]string{"PEOPLECOUNTHEARTBEATINTERVALMINUTES": "0"}}},
			check:  func(t *testing.T, c Config) { expectEq(t, c.PeopleCountHeartbeatMinutes, 0) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, problems := Resolve(tt.layers)
			if tt.check != nil {
				tt.check(t, c)
			}
			if len(problems) != len(tt.problems) {
				t.Fatalf("problems = %v, want %d", problems, len(tt.problems))
			}
			for i, want := range tt.problems {
				if got := problems[i].String(); !strings.Contains(got, want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got, want)
				}
				if strings.Contains(problems[i].String(), "s3cret") {
					t.Errorf("problem %d shows the password", i)
				}
			}
		})
	}
}

func TestLoadFiles(t *testing.T) {
	fs := afero.NewMemMapFs()
	must(t, afero.WriteFile(fs, "/etc/earshot/config.toml", []byte("TRAYICON = \"NO\"\nCHECKFORUPDATESINTERVALMINUTES = 60\n"), 0o644))
	must(t, afero.WriteFile(fs, "/home/u/config.toml", []byte("CHECKFORUPDATESINTERVALMINUTES = = 5\n"), 0o644))
	must(t, afero.WriteFile(fs, "/tmp/flag.toml", []byte("ANALYTICSENDPOINT = \"https://a/ev|https://b/ev\"\n"), 0o644))
	env := EnvLayer([]string{"EARSHOT_TRAYICON=YES", "EARSHOT_DATA=/x", "PATH=/bin"})
	c, problems := Load(fs, Paths{Machine: "/etc/earshot/config.toml", User: "/home/u/config.toml", Flag: "/tmp/flag.toml"}, nil, []Layer{env})
	expectEq(t, c.TrayIcon, true)
	expectEq(t, c.CheckForUpdatesMinutes, 60)
	expectEq(t, len(c.AnalyticsEndpoints), 2)
	if len(problems) != 1 || !strings.Contains(problems[0].String(), "config /home/u/config.toml: not valid TOML: line 1") {
		t.Fatalf("problems = %v", problems)
	}

	_, problems = Load(fs, Paths{Flag: "/missing.toml"}, nil, nil)
	if len(problems) != 1 || !strings.Contains(problems[0].String(), "config /missing.toml: cannot read") {
		t.Fatalf("a missing --config file must be reported, got %v", problems)
	}
	_, problems = Load(fs, Paths{Machine: "/missing.toml"}, nil, nil)
	if len(problems) != 0 {
		t.Fatalf("a missing optional file is no problem, got %v", problems)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@h/p?Token=abc": "https://user:xxxxx@h/p?Token=xxxxx",
		"https://h/p":                   "https://h/p",
	} {
		expectEq(t, Redact(in), want)
	}
}

// FuzzReadTOML loads a fuzzed file, and the same text as an environment
// key and value: loading never hangs or panics (the corpus in
// testdata/fuzz/FuzzReadTOML holds the hostile cases of issue 9: TRAYICON =
// 0b, nested inline tables and arrays, a key with a newline and ESC,
// invalid UTF-8), the interval stays valid, and every warning is one
// printable line.
func FuzzReadTOML(f *testing.F) {
	for _, seed := range []string{
		"TRAYICON = \"NO\"\n",
		"CHECKFORUPDATESINTERVALMINUTES = 60\nANALYTICSENDPOINT = \"https://a|b\"",
		"[table]\nx = 1",
		"= =",
		"BACKENDTYPE = true\nLANGUAGE = 1.5",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		fs := afero.NewMemMapFs()
		if err := afero.WriteFile(fs, "/c.toml", []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		l, prob := ReadTOML(fs, "/c.toml", false)
		if (l == nil) == (prob == nil) {
			t.Fatalf("want exactly one of layer and problem, got %v %v", l, prob)
		}
		if prob != nil {
			checkOneLine(t, prob.String())
		}
		layers := []Layer{{Source: "environment", Values: map[string]string{doc: doc, KeyTrayIcon: doc, KeyManagementEndpoint: doc}}}
		if l != nil {
			layers = append([]Layer{*l}, layers...)
		}
		c, probs := Resolve(layers)
		if c.CheckForUpdatesMinutes < 1 {
			t.Fatalf("interval %d below minimum", c.CheckForUpdatesMinutes)
		}
		for _, p := range probs {
			checkOneLine(t, p.String())
		}
	})
}

func expectEq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
