package views

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// ThemePreference is the key of the user's theme choice in the app's own
// preferences: "", "light" or "dark".
const ThemePreference = "theme"

// variantTheme is the default theme held to one variant.
type variantTheme struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}

// ApplyTheme switches the running app to the light or dark theme, or back to
// the system's ("" or anything else), at once.
func ApplyTheme(a fyne.App, name string) {
	switch name {
	case "light":
		a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantLight})
	case "dark":
		a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantDark})
	default:
		a.Settings().SetTheme(theme.DefaultTheme())
	}
}

// NotificationsPreference is the key of the user's desktop-notification
// choice in the app's own preferences (on unless turned off).
const NotificationsPreference = "notifications"

// NotificationsOn says whether Earshot may send desktop notifications.
func NotificationsOn(a fyne.App) bool {
	return a.Preferences().BoolWithFallback(NotificationsPreference, true)
}
