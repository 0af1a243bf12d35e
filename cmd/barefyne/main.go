// Command barefyne opens a bare Fyne window titled "Bare Fyne": the baseline
// that scripts/perf-gui.sh compares Earshot's memory and CPU with.
package main

import (
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("org.earshot.BareFyne")
	w := a.NewWindow("Bare Fyne")
	w.SetContent(widget.NewLabel("Bare Fyne"))
	w.ShowAndRun()
}
