package main

import (
	"sync"

	"fyne.io/fyne/v2"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/views"
)

// firmwareTab is the Firmware tab of the device page.
func firmwareTab(e *env, ow *owner) *views.FirmwareTab {
	return views.NewFirmwareTab(views.FirmwareTabParams{Source: ow.dm.updater, T: e.t})
}

// notifyFirmware sends firmware notices as desktop notifications (and
// still logs them): a managed update starting by itself needs the user's
// attention, the device must stay connected.
func notifyFirmware(e *env, ow *owner, a fyne.App) {
	ow.dm.setNotify(func(n firmware.Notice) {
		logNotice(e.log, n)
		fyne.Do(func() { a.SendNotification(views.FirmwareNotification(e.t, n)) })
	})
}

// confirmFirmwareWhenAttached opens the device page of ref on the Firmware
// tab and asks to confirm the update with its staged file, once the device
// is attached (--show DEVICE --apply-firmware).
func confirmFirmwareWhenAttached(core *app.Core, w *views.MainWindow, ref string, tab *views.FirmwareTab) {
	var (
		once   sync.Once
		mu     sync.Mutex
		cancel func()
	)
	try := func() {
		d, err := app.FindDevice(core.Devices(), ref)
		if err != nil {
			return
		}
		fyne.Do(func() {
			once.Do(func() {
				mu.Lock()
				stop := cancel
				mu.Unlock()
				if stop != nil {
					stop()
				}
				w.ShowDevice(d.ID)
				w.ShowTab(tab)
				tab.ConfirmUpdate()
			})
		})
	}
	mu.Lock()
	cancel = core.Subscribe(try)
	mu.Unlock()
	try()
}
