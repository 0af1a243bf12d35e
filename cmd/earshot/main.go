// Command earshot is Earshot with its window: every command of the command
// line (cmd/internal/cli) plus the Fyne main window when it is run without a
// command. cmd/earshotd is the same command line without Fyne.
package main

import (
	"os"

	"github.com/earshot-app/earshot/cmd/internal/cli"
	// Before Fyne initialises: quiet under LANG=C.UTF-8.
	_ "github.com/earshot-app/earshot/cmd/earshot/internal/locale"
)

func main() { os.Exit(cli.Main(runGUI)) }
