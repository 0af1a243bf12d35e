package views

import (
	"cmp"
	"slices"

	"fyne.io/fyne/v2"

	"github.com/earshot-app/earshot/app"
)

// trayMenu lists the devices, lowest battery first, then Show and Quit (docs/ARCHITECTURE.md).
func (w *MainWindow) trayMenu() *fyne.Menu {
	t := w.p.T
	var items []*fyne.MenuItem
	for _, d := range trayOrder(w.devices) {
		label := d.DeviceName
		if d.HasBattery() {
			label = t.T("views.tray.device", "Name", d.DeviceName, "Level", *d.BatteryLevel)
		}
		id := d.ID
		items = append(items, fyne.NewMenuItem(label, func() {
			w.showWindow()
			w.ShowDevice(id)
		}))
	}
	if len(items) > 0 {
		items = append(items, fyne.NewMenuItemSeparator())
	}
	if w.p.Presence != nil {
		items = append(items, presenceMenu(t, w.p.Presence, w.p.Presence.Status()), fyne.NewMenuItemSeparator())
	}
	quit := fyne.NewMenuItem(t.T("views.tray.quit"), w.p.App.Quit)
	quit.IsQuit = true
	items = append(items, fyne.NewMenuItem(t.T("views.tray.show"), w.showWindow), quit)
	return fyne.NewMenu(t.T("app.title"), items...)
}

// trayOrder returns the devices with a battery, lowest level first, followed
// by those without one in their display order.
func trayOrder(devs []app.DeviceSummary) []app.DeviceSummary {
	out := slices.Clone(devs)
	slices.SortStableFunc(out, func(a, b app.DeviceSummary) int {
		switch {
		case a.HasBattery() && b.HasBattery():
			return cmp.Compare(*a.BatteryLevel, *b.BatteryLevel)
		case a.HasBattery():
			return -1
		case b.HasBattery():
			return 1
		}
		return 0
	})
	return out
}
