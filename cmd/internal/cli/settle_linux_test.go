package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// rssFileKB is this process's resident file-backed memory (RssFile).
func rssFileKB(t *testing.T) int {
	t.Helper()
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatalf("RssFile: %q", v)
			}
			return n
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

// TestReleaseProgramPages: the program's read-only pages leave the
// resident set, and the program goes on running (its code and tables fault
// back in).
func TestReleaseProgramPages(t *testing.T) {
	before := rssFileKB(t)
	releaseProgramPages()
	after := rssFileKB(t)
	if after >= before {
		t.Errorf("RssFile %d kB before, %d kB after: nothing released", before, after)
	}
	if got := fmt.Sprintf("%s %d %v", "still", 42, []string{"running"}); got != "still 42 [running]" {
		t.Errorf("after the release: %q", got)
	}
	t.Logf("RssFile %d kB → %d kB", before, after)
}
