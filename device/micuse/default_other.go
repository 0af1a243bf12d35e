//go:build !linux

package micuse

import (
	"log/slog"
	"runtime"
)

// Default returns the platform's Source: None outside Linux, after saying
// so in the log (the OS's microphone-in-use APIs need platform code that
// has not been written or tried yet).
func Default(log *slog.Logger) Source {
	LogUnavailable(log, runtime.GOOS)
	return None{}
}
