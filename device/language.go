package device

import "strings"

// languageNames are the English names firmware archives use for the
// languages of voice-prompt packs (Jabra's info.xml says "English",
// "German", …), by ISO 639-1 code.
var languageNames = map[string]string{
	"en": "english", "de": "german", "fr": "french", "es": "spanish", "da": "danish",
	"ja": "japanese", "it": "italian", "nl": "dutch", "sv": "swedish", "no": "norwegian",
	"nb": "norwegian", "fi": "finnish", "pt": "portuguese", "pl": "polish", "zh": "chinese",
	"ko": "korean", "ru": "russian", "tr": "turkish", "cs": "czech",
}

// LanguageMatches tells whether a firmware image's language (a tag such
// as "de-DE" or "de", or an English name such as "German") is the
// language want asks for (a tag, as VOICE_ANNOUNCEMENTS_LANGUAGE_* gives
// it). Case does not matter, "de" matches "de-DE" both ways, and
// "de-AT" does not match "de-DE".
func LanguageMatches(image, want string) bool {
	image, want = strings.ToLower(strings.TrimSpace(image)), strings.ToLower(strings.TrimSpace(want))
	if image == "" || want == "" {
		return false
	}
	if image == want || langPrimary(image) == want || langPrimary(want) == image {
		return true
	}
	if langPrimary(image) == langPrimary(want) {
		// Both tags name a region: a pack for another region is another pack.
		return !strings.ContainsAny(image, "-_") || !strings.ContainsAny(want, "-_") || langRegion(image) == langRegion(want)
	}
	name := languageNames[langPrimary(want)]
	return name != "" && (image == name || langPrimary(image) == name)
}

// IsEnglish tells whether a firmware image's language is English, the
// language every update writes.
func IsEnglish(lang string) bool { return LanguageMatches(lang, "en") }

func langPrimary(tag string) string {
	if i := strings.IndexAny(tag, "-_ ("); i >= 0 {
		return strings.TrimSpace(tag[:i])
	}
	return tag
}

func langRegion(tag string) string {
	if i := strings.LastIndexAny(tag, "-_"); i >= 0 {
		return tag[i+1:]
	}
	return ""
}
