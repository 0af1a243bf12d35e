package main

import (
	"log"
	"log/slog"
	"strings"
)

// maxFyneLine bounds one line Fyne logs before it reaches the log file.
const maxFyneLine = 1000

// fyneLog takes what Fyne writes through the standard log package into
// Earshot's log file, a record per line, instead of the terminal. Fyne logs
// there what it recovers from by itself (its preferences file read back while
// it rewrites it, a desktop without a session bus), and a person who started
// the window from a terminal should see only Earshot's own messages. The log
// file keeps every line, and --verbose shows them too.
type fyneLog struct{ l *slog.Logger }

// routeFyneLog sends the standard logger's output to l.
func routeFyneLog(l *slog.Logger) {
	log.SetFlags(0)
	log.SetOutput(fyneLog{l})
}

func (f fyneLog) Write(p []byte) (int, error) {
	for _, line := range strings.Split(string(p), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(line) > maxFyneLine {
			line = strings.ToValidUTF8(line[:maxFyneLine], "") + "…"
		}
		f.l.Warn("fyne", "line", line)
	}
	return len(p), nil
}
