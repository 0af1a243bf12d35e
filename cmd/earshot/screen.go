package main

import (
	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// screenMargin is what fitToScreen leaves around the window for panels
// and the window's frame.
const screenMargin = 48

// fitToScreen sizes the window to want, or to the primary screen when that
// is smaller, so the window opens whole on a small screen (800×600). It
// runs on the main thread, after the window is shown (GLFW is initialised
// then).
func fitToScreen(w fyne.Window, want fyne.Size) {
	mon := glfw.GetPrimaryMonitor()
	if mon == nil {
		return
	}
	mode := mon.GetVideoMode()
	if mode == nil {
		return
	}
	// Fyne sizes are in its own units: the canvas scale maps them to pixels.
	scale := w.Canvas().Scale()
	if scale <= 0 {
		scale = 1
	}
	maxW := (float32(mode.Width) - screenMargin) / scale
	maxH := (float32(mode.Height) - screenMargin) / scale
	w.Resize(fyne.NewSize(min(want.Width, maxW), min(want.Height, maxH)))
}
