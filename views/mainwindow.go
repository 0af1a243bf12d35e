// Package views is Earshot's user interface: the main window with its device
// list and device pages, the tray menu and the low-battery notifications.
//
// It reads devices through the narrow DeviceSource interface and never
// imports device or store (DESIGN habit 2).
package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/translations"
)

// DeviceSource is what the main window needs of the core.
type DeviceSource interface {
	// Devices returns the attached devices in display order (parents before children).
	Devices() []app.DeviceSummary
	// Subscribe calls onChange, from any goroutine, whenever something changed.
	Subscribe(onChange func()) (cancel func())
}

// MainWindowParams are the dependencies of the main window.
type MainWindowParams struct {
	App     fyne.App
	Source  DeviceSource
	T       *translations.Translator
	Tray    bool // show a tray icon and hide the window on close instead of quitting
	Version string
}

// MainWindow is Earshot's main window: the device list and one page per device.
//
// Its methods must be called from the Fyne goroutine (or before the app runs).
type MainWindow struct {
	p       MainWindowParams
	win     fyne.Window
	list    *deviceList
	page    *devicePage
	tray    desktop.App // nil when there is no tray
	devices []app.DeviceSummary
	shown   string // ID of the device whose page is open; "" while the list shows
	alerts  lowBatteryAlerts
}

// NewMainWindow builds the main window, wires the tray when p.Tray is set and
// the driver has one, and follows p.Source until the window closes.
func NewMainWindow(p MainWindowParams) *MainWindow {
	w := &MainWindow{p: p, win: p.App.NewWindow(p.T.T("app.title")), alerts: lowBatteryAlerts{}}
	w.list = newDeviceList(p.T, p.Version, w.ShowDevice)
	w.page = newDevicePage(p.T, w.ShowList)
	icon := fyne.NewStaticResource("earshot.png", assets.AppIconPNG())
	w.win.SetIcon(icon)
	w.win.Resize(fyne.NewSize(900, 600))
	w.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape && w.shown != "" {
			w.ShowList()
		}
	})
	if d, ok := p.App.(desktop.App); ok && p.Tray {
		w.tray = d
		d.SetSystemTrayIcon(icon)
		d.SetSystemTrayWindow(w.win)
		w.win.SetCloseIntercept(w.win.Hide)
	} else {
		w.win.SetMaster()
	}
	w.setContent(w.list.root)
	// The one boundary where background changes enter the UI (DESIGN habit 3).
	cancel := p.Source.Subscribe(func() { fyne.Do(w.refresh) })
	w.win.SetOnClosed(cancel)
	w.refresh()
	return w
}

// Window returns the Fyne window.
func (w *MainWindow) Window() fyne.Window { return w.win }

// ShowList shows the device list.
func (w *MainWindow) ShowList() {
	w.shown = ""
	w.setContent(w.list.root)
}

// ShowDevice opens the page of the device with the given ID; an unknown ID
// shows the list.
func (w *MainWindow) ShowDevice(id string) {
	d, ok := findDevice(w.devices, id)
	if !ok {
		w.ShowList()
		return
	}
	w.shown = id
	w.page.show(d)
	w.setContent(w.page.root)
}

// setContent switches pages. It drops the keyboard focus first, so the widget
// that had it hears so, and Escape reaches the window's key handler.
func (w *MainWindow) setContent(page fyne.CanvasObject) {
	if w.win.Content() != page {
		w.win.Canvas().Unfocus()
		w.win.SetContent(page)
	}
}

// refresh reads the devices again and brings every part of the UI up to date.
func (w *MainWindow) refresh() {
	w.devices = w.p.Source.Devices()
	for _, d := range w.alerts.crossed(w.devices) {
		w.p.App.SendNotification(lowBatteryNotification(w.p.T, d))
	}
	w.list.update(w.devices)
	if w.tray != nil {
		w.tray.SetSystemTrayMenu(w.trayMenu())
	}
	if w.shown != "" {
		if d, ok := findDevice(w.devices, w.shown); ok {
			w.page.show(d)
		} else {
			w.ShowList()
		}
	}
}

func (w *MainWindow) showWindow() {
	w.win.Show()
	w.win.RequestFocus()
}

func findDevice(devs []app.DeviceSummary, id string) (app.DeviceSummary, bool) {
	for _, d := range devs {
		if d.ID == id {
			return d, true
		}
	}
	return app.DeviceSummary{}, false
}
