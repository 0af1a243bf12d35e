package device

import (
	"context"
	"time"
)

// EventType says what an Event reports.
type EventType int

// The event types a driver emits.
const (
	// Arrived: a device was attached, or was present when the driver started.
	Arrived EventType = iota + 1
	// Removed: a device was detached. Device holds its last snapshot.
	Removed
	// Changed: the device's State, Settings or Firmware changed; Device is the new snapshot.
	Changed
	// ButtonPressed: a button was pressed; Button says which.
	ButtonPressed
	// TelemetrySample: a call-quality sample; Telemetry holds it.
	TelemetrySample
	// LinkQualitySample: the link quality between adapter and headset; LinkQuality holds it.
	LinkQualitySample
	// DectHandover: a DECT headset handed over between bases.
	DectHandover
)

var eventTypeNames = map[EventType]string{
	Arrived: "arrived", Removed: "removed", Changed: "changed", ButtonPressed: "button",
	TelemetrySample: "telemetry", LinkQualitySample: "linkQuality", DectHandover: "dectHandover",
}

func (t EventType) String() string {
	if s, ok := eventTypeNames[t]; ok {
		return s
	}
	return "unknown"
}

// Button is a device button whose presses are counted during calls.
type Button string

// The buttons of docs/simulator.md.
const (
	ButtonMute       Button = "mute"
	ButtonVolumeUp   Button = "volumeUp"
	ButtonVolumeDown Button = "volumeDown"
)

// LinkQuality is a link-quality level reported by an adapter.
type LinkQuality string

// Link-quality levels.
const (
	LinkHigh LinkQuality = "High"
	LinkLow  LinkQuality = "Low"
)

// Telemetry is one call-quality sample. A nil field was not in the sample.
type Telemetry struct {
	AudioExposureDb        *float64
	BackgroundNoiseDb      *float64
	BoomArmBadlyPositioned *bool
	MicrophoneMalfunction  *bool
}

// Event is one thing that happened to one device.
type Event struct {
	Type        EventType
	At          time.Time // from the driver's clock (the scenario clock for sim)
	Device      Device    // snapshot after the event
	Button      Button    // ButtonPressed
	Telemetry   Telemetry // TelemetrySample
	LinkQuality LinkQuality
}

// Driver finds devices and reports what happens to them.
//
// Run emits an Arrived event for every device present when it starts, then an
// event for every change, until ctx is done or the driver fails. emit must not
// be called after Run returns. Run returns nil when ctx was cancelled.
type Driver interface {
	Name() string
	Run(ctx context.Context, emit func(Event)) error
}

// SettingsWriter is implemented by drivers that can change device settings.
// WriteSettings writes values (by definition Name) to the device with the given
// ID and returns one error per setting that failed (nil map = all written).
type SettingsWriter interface {
	WriteSettings(ctx context.Context, id string, values map[string]string) map[string]error
}
