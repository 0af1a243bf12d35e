package device

import "testing"

func TestLanguageMatches(t *testing.T) {
	for _, tc := range []struct {
		image, want string
		match       bool
	}{
		{"de-DE", "de-DE", true},
		{"DE-de", "de-de", true},
		{"de", "de-DE", true},
		{"de-AT", "de-DE", false},
		{"de_de", "de-DE", true},
		{"de-DE", "de", true},
		{"German", "de-DE", true},
		{"german", "de", true},
		{"English", "en-US", true},
		{"English (UK)", "en-GB", true},
		{"French", "de-DE", false},
		{"fr-FR", "de-DE", false},
		{"", "de-DE", false},
		{"German", "", false},
		{"Klingon", "tlh", false},
	} {
		t.Run(tc.image+"/"+tc.want, func(t *testing.T) {
			if got := LanguageMatches(tc.image, tc.want); got != tc.match {
				t.Errorf("LanguageMatches(%q, %q) = %v", tc.image, tc.want, got)
			}
		})
	}
	if !IsEnglish("English") || !IsEnglish("en-US") || IsEnglish("Danish") {
		t.Error("IsEnglish")
	}
}
