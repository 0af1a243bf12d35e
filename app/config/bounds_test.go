package config

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/afero"
)

// nestedInlineTables is a document of depth levels of inline tables,
// a = {a = {a = … 1 …}}, about 9 bytes a level.
func nestedInlineTables(depth int) string {
	return "TRAYICON = \"NO\"\nx = " + strings.Repeat("{a = ", depth) + "1" + strings.Repeat("}", depth) + "\n"
}

func nestedArrays(depth int) string {
	return "x = " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
}

// TestReadTOMLRefusesHostileFiles: a file over MaxFileBytes or nested
// deeper than MaxDepth is refused before decoding, with one message naming
// the file, and contributes nothing; what lies within the bounds is read.
func TestReadTOMLRefusesHostileFiles(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantMsg string // "" = accepted
	}{
		{name: "40 KB of nested inline tables", doc: nestedInlineTables(40 << 10 / 5), wantMsg: "nested deeper than the 16 levels allowed"},
		{name: "2 MB of nested arrays", doc: nestedArrays(1 << 20), wantMsg: "larger than the 1048576 bytes allowed"},
		{name: "17 nested arrays", doc: nestedArrays(17), wantMsg: "nested deeper than the 16 levels allowed"},
		{name: "16 nested arrays are fine", doc: nestedArrays(16)},
		{name: "brackets in strings and comments do not count",
			doc: "# [[[[[[[[[[[[[[[[[[[[\nLANGUAGE = \"[[[[[[[[[[[[[[[[[[[[\"\nBACKENDCONFIGURATION = '{{{{{{{{{{{{{{{{{{{{'\n" +
				"CATALOGDIR = \"\"\"\n[[[[[[[[[[[[[[[[[[[[\\\"\"\"\"\nUSERNAME = '''{{{{{{{{{{{{{{{{{{{{'''\n"},
		{name: "a table header is one level", doc: "[t]\nx = [[1], [2]]\n[[arr]]\ny = 1\n"},
		{name: "just over 1 MiB", doc: "LANGUAGE = \"" + strings.Repeat("x", MaxFileBytes) + "\"\n", wantMsg: "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := afero.NewMemMapFs()
			must(t, afero.WriteFile(fs, "/etc/earshot/config.toml", []byte(tt.doc), 0o644))
			l, prob := ReadTOML(fs, "/etc/earshot/config.toml", false)
			if tt.wantMsg == "" {
				if prob != nil {
					t.Fatalf("refused: %v", prob)
				}
				return
			}
			if prob == nil || l != nil {
				t.Fatalf("layer %v, problem %v: want the file refused", l, prob)
			}
			line := prob.String()
			if !strings.Contains(line, tt.wantMsg) || !strings.HasPrefix(line, "config /etc/earshot/config.toml: ") {
				t.Errorf("problem %q, want it to name the file and say %q", line, tt.wantMsg)
			}
			// Load starts with the defaults for that layer.
			c, probs := Load(fs, Paths{Machine: "/etc/earshot/config.toml"}, nil, nil)
			if len(probs) != 1 || !c.TrayIcon || c.CheckForUpdatesMinutes != defaultCheckForUpdates {
				t.Errorf("Load: %+v, %v", c, probs)
			}
		})
	}
}

// BenchmarkReadTOMLTypical is the baseline: reading a configuration file
// of every key, as an installer writes it.
func BenchmarkReadTOMLTypical(b *testing.B) {
	fs := afero.NewMemMapFs()
	doc := `ANALYTICSENDPOINT = "https://collect.example/ev?Token=abc|https://backup.example/ev"
DEVICEMANAGEMENTENDPOINT = "https://dm.example/api/ep?Token=XXXX"
USERNAME = "fleet"
PASSWORD = "Pa55:word!"
TRAYICON = "YES"
CHECKFORUPDATESINTERVALMINUTES = 60
BACKENDTYPE = "Default"
PEOPLECOUNTHEARTBEATINTERVALMINUTES = 10
CALLHISTORYRETENTIONDAYS = 180
LANGUAGE = "de"
`
	if err := afero.WriteFile(fs, "/c.toml", []byte(doc), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, prob := ReadTOML(fs, "/c.toml", false); prob != nil {
			b.Fatal(prob)
		}
	}
}

// BenchmarkRefuseNestedInlineTables measures refusing the 40 KB document
// that took 55 s to decode (bench figures in docs/PERFORMANCE.md).
func BenchmarkRefuseNestedInlineTables(b *testing.B) {
	fs := afero.NewMemMapFs()
	if err := afero.WriteFile(fs, "/c.toml", []byte(nestedInlineTables(40<<10/5)), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, prob := ReadTOML(fs, "/c.toml", false); prob == nil {
			b.Fatal("not refused")
		}
	}
}

// TestProblemsAreOneLine: whatever a file, key or value holds, each
// warning is one printable line of bounded length.
func TestProblemsAreOneLine(t *testing.T) {
	huge := strings.Repeat("Y", 10<<20)
	tests := []struct {
		name  string
		doc   string // a file, or
		layer *Layer // a layer (environment, registry)
		want  string // a substring of one of the lines
	}{
		{name: "TRAYICON = 0b", doc: "TRAYICON = 0b", want: `not a binary number`},
		{name: "a key holding a newline and ESC", doc: "\"A\\nconfig forged: line\\u001b[31mRED\" = 1\n", want: `A\nconfig forged: line\x1b[31mRED: unknown key`},
		{name: "a value holding a newline and ESC", doc: "TRAYICON = \"maybe\\n\\u001b[2J\"\n", want: `"maybe\n\x1b[2J" is not YES or NO`},
		{name: "a 10 MB value in the environment", layer: &Layer{Source: "environment", Values: map[string]string{"TRAYICON": huge}},
			want: "a value of 10485760 bytes is longer than the 65536 allowed"},
		{name: "a long value is cut", layer: &Layer{Source: "environment", Values: map[string]string{"TRAYICON": strings.Repeat("Z", 60000)}},
			want: `ZZZ…" is not YES or NO`},
		{name: "bidi override and C1 in a registry value", layer: &Layer{Source: `HKLM\Software\Earshot`,
			Values: map[string]string{"CHECKFORUPDATESINTERVALMINUTES": "1\u202e0\u009b31m"}}, want: `"1\u202e0\u009b31m" is not a whole number`},
		{name: "invalid UTF-8 in a key", doc: "\"K\xff\xfe\" = 1\n", want: `line 1 is not UTF-8 text`},
		{name: "invalid UTF-8 in an environment key", layer: &Layer{Source: "environment", Values: map[string]string{"K\xff": "1"}},
			want: `K\xff: unknown key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var probs []Problem
			if tt.layer != nil {
				_, probs = Resolve([]Layer{*tt.layer})
			} else {
				fs := afero.NewMemMapFs()
				must(t, afero.WriteFile(fs, "/c.toml", []byte(tt.doc), 0o644))
				_, probs = Load(fs, Paths{Flag: "/c.toml"}, nil, nil)
			}
			if len(probs) == 0 {
				t.Fatal("no problem reported")
			}
			found := false
			for _, p := range probs {
				line := p.String()
				checkOneLine(t, line)
				found = found || strings.Contains(line, tt.want)
			}
			if !found {
				t.Errorf("no line contains %q: %v", tt.want, probs)
			}
		})
	}
}

func checkOneLine(t testing.TB, line string) {
	t.Helper()
	if !utf8.ValidString(line) {
		t.Errorf("not UTF-8: %q", line)
	}
	if n := utf8.RuneCountInString(line); n > maxLine {
		t.Errorf("%d characters, more than %d: %.80q…", n, maxLine, line)
	}
	for _, r := range line {
		if unsafeRune(r) || (!unicode.IsPrint(r) && r != ' ') {
			t.Errorf("unprintable %U in %q", r, line)
			return
		}
	}
}
