package views

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/translations"
)

// kinds and connections are the values of DeviceSummary.Kind and
// ConnectionType; each has a message "kind.<kind>" / "connection.<lower>".
var (
	kinds       = []string{"headset", "base", "dongle", "adapter", "speakerphone", "camera", "busylight", "other"}
	connections = []string{"USB", "Bluetooth", "DECT"}
)

// kindIcons holds the single-colour icon of each kind, assets/icons/kind-<kind>.svg.
var kindIcons = loadKindIcons()

func loadKindIcons() map[string]fyne.Resource {
	m := make(map[string]fyne.Resource, len(kinds))
	for _, k := range kinds {
		name := "kind-" + k
		b, err := assets.Icon(name)
		if err != nil {
			panic("views: " + err.Error())
		}
		m[k] = fyne.NewStaticResource(name+".svg", b)
	}
	return m
}

func knownKind(kind string) string {
	if slices.Contains(kinds, kind) {
		return kind
	}
	return "other"
}

func kindIcon(kind string) fyne.Resource { return kindIcons[knownKind(kind)] }

func kindLabel(t *translations.Translator, kind string) string {
	return t.T("kind." + knownKind(kind))
}

// connectionLabel translates a known connection type and shows others as given.
func connectionLabel(t *translations.Translator, conn string) string {
	if !slices.Contains(connections, conn) {
		return conn
	}
	return t.T("connection." + strings.ToLower(conn))
}

// connectionLine is "Headset · Bluetooth · via Jabra Link 380".
func connectionLine(t *translations.Translator, d app.DeviceSummary) string {
	parts := []string{kindLabel(t, d.Kind)}
	if d.ConnectionType != "" {
		parts = append(parts, connectionLabel(t, d.ConnectionType))
	}
	if d.Parent != "" {
		parts = append(parts, t.T("views.via", "Parent", d.Parent))
	}
	return strings.Join(parts, " · ")
}

// batteryText is the level as the gauge and the page write it: "80 %", "12 % · low".
func batteryText(t *translations.Translator, d app.DeviceSummary) string {
	if batteryLow(d) {
		return t.T("views.battery.levelLow", "Level", *d.BatteryLevel)
	}
	return t.T("views.battery.level", "Level", *d.BatteryLevel)
}

// audioKind tells whether a device of this kind takes part in calls.
func audioKind(kind string) bool {
	switch knownKind(kind) {
	case "camera", "busylight", "other":
		return false
	}
	return true
}

// newCaption makes a line of secondary text in the theme's placeholder colour.
func newCaption(text string) *widget.RichText {
	return widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		ColorName: theme.ColorNamePlaceHolder,
		Inline:    true,
	}})
}
