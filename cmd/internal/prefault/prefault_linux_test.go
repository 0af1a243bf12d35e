package prefault

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestTextIsMapped: after this package's init (which ran for the test
// binary too), the test binary's code is resident in its own mapping, not
// left to be faulted in page by page.
func TestTextIsMapped(t *testing.T) {
	// A kernel without MADV_POPULATE_READ refuses it: nothing to check.
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, 0, 0, madvPopulateRead); errno == syscall.EINVAL {
		t.Skip("this kernel has no MADV_POPULATE_READ")
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var size, rss int
	inText := false
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			if inText {
				break
			}
			inText = fields[1] == "r-xp"
			continue
		}
		if inText && len(fields) == 3 && (fields[0] == "Size:" || fields[0] == "Rss:") {
			n, _ := strconv.Atoi(fields[1])
			if fields[0] == "Size:" {
				size = n
			} else {
				rss = n
			}
		}
	}
	if size == 0 {
		t.Fatal("no text mapping found in /proc/self/smaps")
	}
	// The test has run a small part of the binary; without the populate
	// call well under half of the text would be resident.
	if rss*10 < size*9 {
		t.Errorf("text: %d kB resident of %d kB", rss, size)
	}
}
