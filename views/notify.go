package views

import (
	"fyne.io/fyne/v2"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/translations"
)

// fallbackLowLevel is the level at or below which a battery counts as low
// when the device does not say.
const fallbackLowLevel = 10

func batteryLow(d app.DeviceSummary) bool {
	switch {
	case d.BatteryLevel == nil:
		return false
	case d.BatteryLow != nil:
		return *d.BatteryLow
	}
	return *d.BatteryLevel <= fallbackLowLevel
}

func batteryCharging(d app.DeviceSummary) bool {
	return d.BatteryCharging != nil && *d.BatteryCharging
}

// lowBatteryAlerts remembers, by device key, whose battery was last seen low,
// so that a notification goes out once per crossing and not on every update.
type lowBatteryAlerts map[string]bool

// crossed records devs and returns those whose battery has become low (and is
// not charging) since the previous call.
func (a lowBatteryAlerts) crossed(devs []app.DeviceSummary) []app.DeviceSummary {
	var out []app.DeviceSummary
	for _, d := range devs {
		low := batteryLow(d) && !batteryCharging(d)
		if low && !a[d.Key] {
			out = append(out, d)
		}
		a[d.Key] = low
	}
	return out
}

func lowBatteryNotification(t *translations.Translator, d app.DeviceSummary) *fyne.Notification {
	return fyne.NewNotification(t.T("views.notify.batteryLow.title"),
		t.T("views.notify.batteryLow.body", "Name", d.DeviceName, "Level", *d.BatteryLevel))
}
