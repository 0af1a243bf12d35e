package hidhost

import (
	"regexp"
	"testing"
)

// TestDropColSuffixes checks the scan against the regular expression it
// replaced (`&col[0-9a-f]{2}` replaced by nothing), on paths of hidapi's
// Windows form and on edge cases.
func TestDropColSuffixes(t *testing.T) {
	re := regexp.MustCompile(`&col[0-9a-f]{2}`)
	cases := []struct{ name, in string }{
		{"windows path with one collection", `\\?\hid#vid_0b0e&pid_24b5&mi_03&col02#8&2a3b4c5d&0&0001#{4d1e55b2-f16f-11cf-88cb-001111000030}`},
		{"two collections", "a&col01b&col0fc"},
		{"hidraw node", "/dev/hidraw3"},
		{"empty", ""},
		{"suffix at the start", "&col1a-rest"},
		{"suffix at the end", "rest&col99"},
		{"only the suffix", "&col00"},
		{"one digit short", "x&col0"},
		{"no digits", "x&col"},
		{"upper-case digits are not matched", "x&col0Ay"},
		{"not hexadecimal", "x&colzz&col0g"},
		{"overlapping tag", "x&col&col01y"},
		{"adjacent suffixes", "&col01&col02&col03"},
		{"ampersands only", "&&&&"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, want := dropColSuffixes(c.in), re.ReplaceAllString(c.in, ""); got != want {
				t.Errorf("dropColSuffixes(%q) = %q, want %q", c.in, got, want)
			}
		})
	}
}

// FuzzDropColSuffixes holds the scan to the regular expression on any input.
func FuzzDropColSuffixes(f *testing.F) {
	re := regexp.MustCompile(`&col[0-9a-f]{2}`)
	for _, s := range []string{"a&col01b", "&col&col0f", "x&col0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := dropColSuffixes(s), re.ReplaceAllString(s, ""); got != want {
			t.Errorf("dropColSuffixes(%q) = %q, want %q", s, got, want)
		}
	})
}
