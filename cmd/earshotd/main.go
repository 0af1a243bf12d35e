// Command earshotd is Earshot without its window: the headless service and
// every command of the command line (cmd/internal/cli), with nothing of Fyne,
// GL or X11 linked in. On Linux it builds with CGO_ENABLED=0 into one static
// binary, since the hidraw transport is pure Go. Fleet PCs and meeting-room
// machines run `earshotd service`; `earshot` (the window) has the same
// commands.
package main

import (
	"os"

	"github.com/earshot-app/earshot/cmd/internal/cli"
)

func main() { os.Exit(cli.Main(nil)) }
