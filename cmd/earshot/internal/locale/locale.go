// Package locale makes Fyne's locale lookup quiet under the C locale with an
// encoding (LANG=C.UTF-8, Debian's and Docker's default), where Fyne logs
// "Error parsing user locale C" while its lang package initialises — before
// any code of main runs.
//
// Import it (blank) from the window's main package. It imports nothing but
// the standard library, so Go initialises it before github.com/jeandeaual/
// go-locale, on which Fyne's lang package depends: of the packages ready to
// initialise, Go takes the first by import path (Go 1.21 and later), and
// github.com/earshot-app sorts before github.com/jeandeaual.
package locale

import (
	"os"
	"strings"
)

func init() {
	if k, v, ok := Fix(os.Getenv); ok {
		os.Setenv(k, v)
	}
}

// Fix returns the variable to set, and its value: under C.* or POSIX.*,
// Fyne reads LANGUAGE, which the C library ignores under the C locale, so
// LANGUAGE is set to Earshot's language (EARSHOT_LANGUAGE, else English).
// ok is false when nothing needs setting: a real locale, or plain C or
// POSIX, which Fyne handles.
func Fix(getenv func(string) string) (key, value string, ok bool) {
	locale := ""
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if locale = getenv(k); locale != "" {
			break
		}
	}
	base, _, _ := strings.Cut(locale, ".")
	base, _, _ = strings.Cut(base, "@")
	if locale == base || (base != "C" && base != "POSIX") {
		return "", "", false
	}
	if l := getenv("LANGUAGE"); l != "" && !strings.HasPrefix(l, "C") {
		return "", "", false
	}
	lang := getenv("EARSHOT_LANGUAGE")
	if lang == "" {
		lang = "en"
	}
	return "LANGUAGE", lang, true
}
