package micuse

import (
	"log/slog"
	"os"
)

// Default returns the platform's Source: on Linux, ALSA at /proc/asound.
func Default(*slog.Logger) Source { return ALSA{Root: os.DirFS("/proc/asound")} }
