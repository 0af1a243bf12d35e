// Package analytics reports what happens on a desk to the partner's analytics
// endpoints, in the style of the Jabra Integration Service (docs/analytics.md).
//
// Event is the one flat JSON object every event type shares; Builder fills it
// from device snapshots and system information. Enqueue writes events into
// the outbox of the store inside the caller's transaction, after checking the
// device's EVENT_* toggles. Service turns the device event stream into
// DeviceAdded/…Removed and PeopleCount events (with the heartbeat), and
// Uploader posts the outbox to every endpoint independently.
package analytics

import (
	"encoding/json"
	"fmt"
	"time"
)

// The event types of docs/analytics.md.
const (
	TypeDeviceAdded                = "DeviceAdded"
	TypeCameraDeviceAdded          = "CameraDeviceAdded"
	TypeOtherDeviceAdded           = "OtherDeviceAdded"
	TypeDeviceRemoved              = "DeviceRemoved"
	TypeCameraDeviceRemoved        = "CameraDeviceRemoved"
	TypeOtherDeviceRemoved         = "OtherDeviceRemoved"
	TypeCallStatus                 = "CallStatus"
	TypeCameraStreamingStarted     = "CameraStreamingStarted"
	TypeCameraStreamingEnded       = "CameraStreamingEnded"
	TypePeopleCount                = "PeopleCount"
	TypeFirmwareUpdateCompleted    = "FirmwareUpdateCompleted"
	TypeDeviceConfigurationApplied = "DeviceConfigurationApplied"
)

// Types lists every event type, in the order of docs/analytics.md.
var Types = []string{
	TypeDeviceAdded, TypeCameraDeviceAdded, TypeOtherDeviceAdded,
	TypeDeviceRemoved, TypeCameraDeviceRemoved, TypeOtherDeviceRemoved,
	TypeCallStatus, TypeCameraStreamingStarted, TypeCameraStreamingEnded,
	TypePeopleCount, TypeFirmwareUpdateCompleted, TypeDeviceConfigurationApplied,
}

// Values of CallStatus and FirmwareUpdateCompletedStatus.
const (
	CallStarted     = "CallStarted"
	CallEnded       = "CallEnded"
	FirmwareSuccess = "Success"
	FirmwareFailure = "Failure"
)

// Event is one analytics event: a flat JSON object with every field of
// docs/analytics.md. A field that does not apply to the event's type is null (a nil
// pointer, map or slice), never left out, so a backend sees the same keys on
// every event. docs/events.openapi.yaml documents each field; a test checks
// real events against it.
type Event struct {
	// Common to every event.
	EventID       string   `json:"EventId"`   // unique; a backend drops duplicates by it
	EventType     string   `json:"EventType"` // one of Types
	Timestamp     string   `json:"Timestamp"` // RFC 3339, UTC
	ClientVersion string   `json:"ClientVersion"`
	MachineName   *string  `json:"MachineName"`
	UserName      *string  `json:"UserName"`
	OsName        *string  `json:"OsName"`
	OsVersion     *string  `json:"OsVersion"`
	IPAddresses   []string `json:"IpAddresses"`

	// The device the event is about.
	DeviceName      *string `json:"DeviceName"`
	VendorID        *string `json:"VendorId"`  // 4 upper-case hex digits
	ProductID       *string `json:"ProductId"` // 4 upper-case hex digits
	VariantType     *string `json:"VariantType"`
	ESN             *string `json:"ESN"`
	FirmwareVersion *string `json:"FirmwareVersion"`
	ConnectionType  *string `json:"ConnectionType"`
	InstanceID      *string `json:"InstanceId"` // other-vendor devices: the OS instance id or path
	BatteryLevel    *int    `json:"BatteryLevel"`
	BatteryLow      *bool   `json:"BatteryLow"`
	BatteryCharging *bool   `json:"BatteryCharging"`

	// CallStatus.
	CallStatus                             *string                `json:"CallStatus"`
	CallID                                 *string                `json:"CallId"`
	CallDurationMinutes                    *float64               `json:"CallDurationMinutes"`
	TimesMuteButtonPressedDuringCall       *int                   `json:"TimesMuteButtonPressedDuringCall"`
	TimesVolumeUpButtonPressedDuringCall   *int                   `json:"TimesVolumeUpButtonPressedDuringCall"`
	TimesVolumeDownButtonPressedDuringCall *int                   `json:"TimesVolumeDownButtonPressedDuringCall"`
	AverageAudioExposureDb                 *float64               `json:"AverageAudioExposureDb"`
	MaximumAudioExposureDb                 *float64               `json:"MaximumAudioExposureDb"`
	AverageBackgroundNoiseDb               *float64               `json:"AverageBackgroundNoiseDb"`
	MaximumBackgroundNoiseDb               *float64               `json:"MaximumBackgroundNoiseDb"`
	TimesBoomArmBadlyPositioned            *int                   `json:"TimesBoomArmBadlyPositioned"`
	MicrophoneMalfunctionDetected          *bool                  `json:"MicrophoneMalfunctionDetected"`
	LinkQualityDistribution                map[string]float64     `json:"LinkQualityDistribution"` // {"High": 90, "Low": 10}, percent of call time
	LinkQualityIndicators                  *LinkQualityIndicators `json:"LinkQualityIndicators"`
	// CallEndReason is Earshot's own (CallEnded only): Ended, DeviceRemoved
	// (the device was detached mid-call), EarshotStopped, or Interrupted
	// (Earshot stopped without closing the call; it ended at its last
	// checkpoint). See app/calls.
	CallEndReason *string `json:"CallEndReason"`

	// PeopleCount and CameraStreamingEnded.
	PeopleCount              *int     `json:"PeopleCount"`
	PeopleCountAtStart       *int     `json:"PeopleCountAtStart"`
	PeopleCountAtEnd         *int     `json:"PeopleCountAtEnd"`
	PeopleCountMin           *int     `json:"PeopleCountMin"`
	PeopleCountMax           *int     `json:"PeopleCountMax"`
	PeopleCountAverage       *float64 `json:"PeopleCountAverage"`
	StreamingDurationMinutes *float64 `json:"StreamingDurationMinutes"`

	// FirmwareUpdateCompleted.
	FirmwareUpdateCompletedStatus    *string `json:"FirmwareUpdateCompletedStatus"`
	FirmwareUpdateFailureDescription *string `json:"FirmwareUpdateFailureDescription"`

	// DeviceConfigurationApplied (Earshot's own event).
	AppliedSettings  map[string]string `json:"AppliedSettings"`  // name → value written
	RejectedSettings map[string]string `json:"RejectedSettings"` // name → reason
}

// LinkQualityIndicators are the call-quality indicators of a CallEnded event.
type LinkQualityIndicators struct {
	Dect *DectIndicators `json:"Dect"`
}

// DectIndicators are the DECT call-quality indicators.
type DectIndicators struct {
	Handovers int `json:"Handovers"`
}

// JSON encodes e as the body of its POST.
func (e Event) JSON() ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode %s event %s: %w", e.EventType, e.EventID, err)
	}
	return b, nil
}

// formatTimestamp renders t as RFC 3339 in UTC with milliseconds.
func formatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
