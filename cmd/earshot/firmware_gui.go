package main

import (
	"sync"

	"fyne.io/fyne/v2"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/cmd/internal/cli"
	"github.com/earshot-app/earshot/views"
)

// notifyFirmware sends firmware notices as desktop notifications (and
// still logs them): a managed update starting by itself needs the user's
// attention, the device must stay connected.
func notifyFirmware(s *cli.Session, ow *cli.Owner, a fyne.App) {
	ow.OnFirmwareNotice(s.Log(), func(n firmware.Notice) {
		fyne.Do(func() {
			if views.NotificationsOn(a) {
				a.SendNotification(views.FirmwareNotification(s.T(), n))
			}
		})
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
