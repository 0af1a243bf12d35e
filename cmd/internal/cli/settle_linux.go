package cli

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// releaseProgramPages tells the kernel the service no longer needs the
// pages of its own program file that start-up touched: the read-only
// mappings of the executable (code, read-only data, tables), never its
// writable data. Linux maps a file's pages a large folio at a time, so
// start-up alone leaves nearly the whole binary resident and counted in
// RSS, though an idle service runs a small part of it. The pages stay in
// the page cache and fault back in, from memory, when run again; nothing
// written is dropped, since read-only private pages are never written.
func releaseProgramPages() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-009ca000 r-xp 00000000 fe:00 10028224   /path/to/earshotd
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || (fields[1] != "r-xp" && fields[1] != "r--p") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_DONTNEED)
	}
}
