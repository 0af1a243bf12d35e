package views

import (
	"fyne.io/fyne/v2"

	"github.com/earshot-app/earshot/app"
)

// Page is a top-level page beside the device list, reached from the
// navigation bar on the left (Call history, Outbox, …). Each feature builds
// its page in its own file of this package, against its own narrow interface,
// and cmd/earshot hands the pages to NewMainWindow.
//
// The main window calls every method on the Fyne goroutine. A page that
// follows background changes subscribes to its own source and goes through
// fyne.Do, as the main window does.
type Page interface {
	// Title is the page's name in the navigation bar (translated).
	Title() string
	// Icon is the page's icon in the navigation bar.
	Icon() fyne.Resource
	// Content is the page's root object; it is built once and kept.
	Content() fyne.CanvasObject
	// Shown is called each time the page becomes visible, so it can re-read
	// what changed while it was hidden.
	Shown()
}

// DeviceTab is a tab of the device page beside "Overview" (Settings,
// Firmware, …), built like a Page.
type DeviceTab interface {
	// Title is the tab's name (translated).
	Title() string
	// Content is the tab's root object; it is built once and kept.
	Content() fyne.CanvasObject
	// Show is called when the device page opens on d, and again with a new
	// snapshot whenever the core reports a change while the page is open. A
	// tab must keep what a person is editing when d.ID is the same as before.
	Show(d app.DeviceSummary)
	// Applies tells whether the tab has anything for this device (a busylight
	// has no firmware page); tabs that do not apply are hidden.
	Applies(d app.DeviceSummary) bool
}

// LeftTab is a DeviceTab that stays open when its device leaves: Left is
// called instead of Show with the device as last seen, and Show again
// when it is back (perhaps under a new ID, with the same Key).
type LeftTab interface {
	Left(d app.DeviceSummary)
}

// PendingTab is a DeviceTab that can hold edits not yet applied: leaving
// the device page asks before they are dropped.
type PendingTab interface {
	// Pending is how many edits are not applied.
	Pending() int
	// Discard drops them.
	Discard()
}

// Closer is a Page or DeviceTab that follows something in the background
// (a source's Subscribe, a ticker). The main window calls Close when it
// drops the page — a language change builds every page afresh
// (MainWindow.SetLanguage), and so does closing the window — and from then
// on nothing may call into the page's widgets: Close cancels its
// subscriptions and stops its goroutines. Close is called on the Fyne
// goroutine, at most once.
type Closer interface {
	Close()
}

// closeAll closes those of objs that are Closers.
func closeAll[T any](objs []T) {
	for _, o := range objs {
		if c, ok := any(o).(Closer); ok {
			c.Close()
		}
	}
}

// windowFor is the window for a page's or tab's dialogs: the one explicit
// returns when it is set, else the window showing root, else the app's first
// window (a tab asked before it is shown), else nil.
func windowFor(explicit func() fyne.Window, root fyne.CanvasObject) fyne.Window {
	if explicit != nil {
		return explicit()
	}
	a := fyne.CurrentApp()
	if a == nil {
		return nil
	}
	ws := a.Driver().AllWindows()
	if c := a.Driver().CanvasForObject(root); c != nil {
		for _, w := range ws {
			if w.Canvas() == c {
				return w
			}
		}
	}
	if len(ws) > 0 {
		return ws[0]
	}
	return nil
}

// asyncDefaults fills in how a tab hands work between goroutines: ui runs UI
// work from background goroutines (nil: fyne.Do, the one boundary of house
// habit 3 in docs/ARCHITECTURE.md), background starts such goroutines (nil: go). Tests pass both to
// run everything on the test goroutine.
func asyncDefaults(ui, background func(func())) (func(func()), func(func())) {
	if ui == nil {
		ui = fyne.Do
	}
	if background == nil {
		background = func(f func()) { go f() }
	}
	return ui, background
}
