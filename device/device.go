// Package device holds Earshot's device model, the Manager that merges every
// driver's events into one stream, and the Driver interface the drivers in the
// sub-packages (sim, hidtel, jabra, busylight) implement.
//
// Nothing here imports Fyne or the store: the model is plain data, and the
// drivers talk to hardware (or to a scenario) through small interfaces.
package device

import (
	"fmt"
	"strings"
)

// Kind is what sort of device a Device is (docs/devices-and-drivers.md).
type Kind string

// The kinds of docs/devices-and-drivers.md.
const (
	KindHeadset      Kind = "headset"
	KindBase         Kind = "base"
	KindDongle       Kind = "dongle"
	KindAdapter      Kind = "adapter"
	KindSpeakerphone Kind = "speakerphone"
	KindCamera       Kind = "camera"
	KindBusylight    Kind = "busylight"
	KindOther        Kind = "other"
)

// Kinds lists every kind in display order.
var Kinds = []Kind{KindHeadset, KindSpeakerphone, KindCamera, KindBase, KindDongle, KindAdapter, KindBusylight, KindOther}

// ParseKind returns the Kind named s, or an error listing the valid names.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown device kind %q (want one of %s)", s, strings.Join(names, ", "))
}

// EventFamily is the analytics event family of a kind (docs/analytics.md): "Camera" for
// cameras, "Other" for other-vendor devices and busylights, "" for the rest.
func (k Kind) EventFamily() string {
	switch k {
	case KindCamera:
		return "Camera"
	case KindOther, KindBusylight:
		return "Other"
	}
	return ""
}

// Connection is how a device reaches the computer.
type Connection string

// The connections of docs/devices-and-drivers.md.
const (
	ConnUSB       Connection = "USB"
	ConnBluetooth Connection = "Bluetooth"
	ConnDECT      Connection = "DECT"
)

// ParseConnection accepts the names of docs/devices-and-drivers.md, case-insensitively.
func ParseConnection(s string) (Connection, error) {
	for _, c := range []Connection{ConnUSB, ConnBluetooth, ConnDECT} {
		if strings.EqualFold(string(c), s) {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown connection %q (want USB, Bluetooth or DECT)", s)
}

// LowBatteryLevel is the level at or under which a battery counts as low when
// the device does not say so itself.
const LowBatteryLevel = 20

// Battery is the state of a device's battery. Wired devices have none.
type Battery struct {
	Level    int  // 0–100
	Low      bool // the device (or LowBatteryLevel) says it is low
	Charging bool
}

// Info is what identifies a device and does not change while it is attached
// (the firmware version changes only through an update).
type Info struct {
	// ID is unique among the attached devices of one Manager: the scenario id
	// for simulated devices, the OS path for real ones.
	ID         string
	Kind       Kind
	Name       string
	VendorID   uint16
	ProductID  uint16
	Variant    string // Jabra variant type "TT-VV"; empty when unknown
	ESN        string // electronic serial number; empty when unknown
	Firmware   string
	Connection Connection
	Parent     string // ID of the dongle or base this device is reached through
	InstanceID string // OS instance id or path (other-vendor devices)
}

// Key is the stable name of a device across attachments: its ESN when it has
// one, else vendor:product:ID.
func (i Info) Key() string {
	if i.ESN != "" {
		return i.ESN
	}
	return fmt.Sprintf("%04X:%04X:%s", i.VendorID, i.ProductID, i.ID)
}

// State is what changes while a device is attached.
type State struct {
	Battery     *Battery // nil for wired devices
	InCall      bool
	Muted       bool
	PeopleCount *int // cameras that count people; nil otherwise
	Streaming   bool // cameras
	// Light is what the device's light shows (busylights, and headsets
	// whose busylight Earshot switches); nil when it has none.
	Light *LightState
}

// Device is a snapshot of one device. Snapshots are values: a receiver may keep
// one without it changing under it (Clone copies the pointers' targets).
type Device struct {
	Info
	State
	Settings map[string]string // current setting values by definition Name
}

// Clone returns a deep copy of d.
func (d Device) Clone() Device {
	c := d
	if d.Battery != nil {
		b := *d.Battery
		c.Battery = &b
	}
	if d.PeopleCount != nil {
		n := *d.PeopleCount
		c.PeopleCount = &n
	}
	if d.Light != nil {
		l := *d.Light
		c.Light = &l
	}
	if d.Settings != nil {
		c.Settings = make(map[string]string, len(d.Settings))
		for k, v := range d.Settings {
			c.Settings[k] = v
		}
	}
	return c
}
