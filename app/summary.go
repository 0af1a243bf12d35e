package app

import (
	"fmt"
	"strings"
)

// DeviceSummary is what the views, the local API and `earshot devices --json`
// know of a device. Its JSON keys are the event field names of docs/analytics.md that
// describe a device (docs/command-line.md); the fields tagged "-" are for the views.
type DeviceSummary struct {
	ID              string `json:"-"` // unique among attached devices; stable for the session
	Key             string `json:"-"` // stable across sessions (ESN when known)
	DeviceName      string `json:"DeviceName"`
	Kind            string `json:"Kind"`
	VendorID        string `json:"VendorId"`  // 4 upper-case hex digits
	ProductID       string `json:"ProductId"` // 4 upper-case hex digits
	VariantType     string `json:"VariantType"`
	ESN             string `json:"ESN"`
	FirmwareVersion string `json:"FirmwareVersion"`
	ConnectionType  string `json:"ConnectionType"`
	Parent          string `json:"Parent"` // the parent's device name; empty when attached directly
	InstanceID      string `json:"InstanceId"`
	BatteryLevel    *int   `json:"BatteryLevel"`
	BatteryLow      *bool  `json:"BatteryLow"`
	BatteryCharging *bool  `json:"BatteryCharging"`

	ParentID    string `json:"-"` // ID of the parent device
	InCall      bool   `json:"-"`
	Muted       bool   `json:"-"`
	PeopleCount *int   `json:"-"`
	Streaming   bool   `json:"-"`
	Connected   bool   `json:"-"` // attached now (false: known from an earlier session)
	// Light is what the device's light shows (busylights, and headsets
	// whose busylight Earshot switches); nil when it has none.
	Light *LightSummary `json:"-"`
}

// LightSummary is what a device's light shows.
type LightSummary struct {
	R, G, B uint8
	Blink   bool
}

// Lit tells whether the light shows a colour.
func (l LightSummary) Lit() bool { return l.R != 0 || l.G != 0 || l.B != 0 }

// Hex is the colour as #RRGGBB.
func (l LightSummary) Hex() string { return fmt.Sprintf("#%02X%02X%02X", l.R, l.G, l.B) }

// HasBattery tells whether the device reports a battery.
func (d DeviceSummary) HasBattery() bool { return d.BatteryLevel != nil }

// FindDevice resolves a DEVICE argument of docs/command-line.md: an ESN, or a unique
// case-insensitive prefix of a device name. A whole name wins over the names
// it is a prefix of ("Jabra Engage 75" beside "Jabra Engage 75 Base").
func FindDevice(devs []DeviceSummary, ref string) (DeviceSummary, error) {
	var matches, exact []DeviceSummary
	for _, d := range devs {
		if d.ESN != "" && strings.EqualFold(d.ESN, ref) {
			return d, nil
		}
		if strings.EqualFold(d.DeviceName, ref) {
			exact = append(exact, d)
		}
		if ref != "" && strings.HasPrefix(strings.ToLower(d.DeviceName), strings.ToLower(ref)) {
			matches = append(matches, d)
		}
	}
	if len(exact) == 1 {
		return exact[0], nil
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return DeviceSummary{}, fmt.Errorf("no attached device has the ESN or a name starting with %q", ref)
	}
	names := make([]string, len(matches))
	for i, d := range matches {
		names[i] = d.DeviceName
	}
	return DeviceSummary{}, fmt.Errorf("%q matches %d devices (%s); give more of the name or the ESN", ref, len(matches), strings.Join(names, ", "))
}
