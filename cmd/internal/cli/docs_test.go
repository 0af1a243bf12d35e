package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/app/analytics"
	"github.com/earshot-app/earshot/app/calls"
	"github.com/earshot-app/earshot/app/settings"
)

// docSection returns the section of docs/command-line.md under the heading
// "### `name`", up to the next heading.
func docSection(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../../docs/command-line.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "### `"+name+"`")
	if i < 0 {
		t.Fatalf("docs/command-line.md has no section %q", name)
	}
	s = s[i+4:]
	if j := strings.Index(s, "\n#"); j >= 0 {
		s = s[:j]
	}
	return s
}

// jsonKeys are the keys encoding/json writes for a value of v's type.
func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%T: %v", v, err)
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestJSONFieldsAreDocumented holds every key a command's --json or --csv
// writes to its section of docs/command-line.md, so a new field cannot go
// undocumented.
func TestJSONFieldsAreDocumented(t *testing.T) {
	tests := []struct {
		name, section string
		keys          []string
	}{
		{name: "outbox --json", section: "outbox", keys: jsonKeys(t, analytics.EndpointStatus{})},
		{name: "calls --json", section: "calls", keys: jsonKeys(t, calls.Record{})},
		{name: "calls --csv", section: "calls", keys: calls.CSVHeader},
		{name: "settings show --json", section: "settings", keys: jsonKeys(t, settingsJSON{})},
		{name: "settings history --json", section: "settings", keys: jsonKeys(t, settings.HistoryEntry{})},
		{name: "catalog check --json", section: "catalog check", keys: jsonKeys(t, catalogReport{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := docSection(t, tt.section)
			if len(tt.keys) == 0 {
				t.Fatal("no keys")
			}
			for _, k := range tt.keys {
				if !strings.Contains(doc, "`"+k+"`") && !strings.Contains(doc, `"`+k+`"`) {
					t.Errorf("%s writes %q, which the section %q of docs/command-line.md does not name", tt.name, k, tt.section)
				}
			}
		})
	}
}
