// Package translationstest checks, from a package's tests, that every message
// id the package's source passes to T or N as a literal is in en.json.
package translationstest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/translations"
)

var literal = regexp.MustCompile(`\b[TN]\("([^"]+)"\s*[,)]`)

// UsedKeysExist reads the non-test Go files of dir, collects the literal ids
// of T("…") and N("…") calls, adds extra (ids the code builds at run time),
// and fails t for each id that English lacks. min guards the pattern: fewer
// literal ids than min means the scan no longer sees the calls.
func UsedKeysExist(t *testing.T, dir string, min int, extra ...string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			ids = append(ids, m[1])
		}
	}
	if len(ids) < min {
		t.Fatalf("found only %d message ids in %s; is the pattern still right?", len(ids), dir)
	}
	for _, id := range append(ids, extra...) {
		if !translations.Has(id) {
			t.Errorf("message %q is used in %s but not in translations/en.json", id, dir)
		}
	}
}
