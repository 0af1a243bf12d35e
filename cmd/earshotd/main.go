// Command earshotd is Earshot without its window: the headless service and
// every command of the command line (cmd/internal/cli), with nothing of Fyne,
// GL or X11 linked in. On Linux it builds with CGO_ENABLED=0 into one static
// binary, since the hidraw transport is pure Go. Fleet PCs and meeting-room
// machines run `earshotd service`; `earshot` (the window) has the same
// commands. On Windows it is also the MSI's "Earshot password protection"
// service (`earshotd protect-secrets`, protect_windows.go).
package main

import (
	// First, for its side effect: it maps the program's code at once,
	// before the other packages' init functions run through it.
	_ "github.com/earshot-app/earshot/cmd/internal/prefault"

	"os"

	"github.com/earshot-app/earshot/cmd/internal/cli"
)

func main() {
	if code, done := platformMain(os.Args[1:]); done {
		os.Exit(code)
	}
	os.Exit(cli.Main(nil))
}
