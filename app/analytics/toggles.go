package analytics

import (
	"fmt"
	"slices"

	"github.com/earshot-app/earshot/store"
)

// The client-side settings of docs/device-management.md that switch an event family off for one
// device ("0"); they are never sent to the device.
const (
	ToggleCallStatus            = "EVENT_CALL_STATUS"
	ToggleDeviceDetection       = "EVENT_DEVICE_DETECTION"
	ToggleDeviceConfiguration   = "EVENT_DEVICE_CONFIGURATION"
	TogglePeopleCount           = "EVENT_PEOPLE_COUNT"
	ToggleCameraStreamingStatus = "EVENT_CAMERA_STREAMING_STATUS"
)

// Toggles lists the EVENT_* settings.
var Toggles = []string{
	ToggleCallStatus, ToggleDeviceDetection, ToggleDeviceConfiguration,
	TogglePeopleCount, ToggleCameraStreamingStatus,
}

// IsToggle tells whether a setting name is one of the EVENT_* settings.
func IsToggle(name string) bool { return slices.Contains(Toggles, name) }

// ToggleOf returns the EVENT_* setting that switches events of eventType
// off; "" when nothing does (FirmwareUpdateCompleted is always sent).
func ToggleOf(eventType string) string {
	switch eventType {
	case TypeDeviceAdded, TypeCameraDeviceAdded, TypeOtherDeviceAdded,
		TypeDeviceRemoved, TypeCameraDeviceRemoved, TypeOtherDeviceRemoved:
		return ToggleDeviceDetection
	case TypeCallStatus:
		return ToggleCallStatus
	case TypePeopleCount:
		return TogglePeopleCount
	case TypeCameraStreamingStarted, TypeCameraStreamingEnded:
		return ToggleCameraStreamingStatus
	case TypeDeviceConfigurationApplied:
		return ToggleDeviceConfiguration
	}
	return ""
}

// SetToggles stores, inside tx, the EVENT_* settings among settings for the
// device deviceKey: "0" switches the family off, "1" on. Other names are
// ignored. A value other than "0" or "1" is not stored and is returned in
// rejected (name → reason), so a configuration can report it.
func SetToggles(tx *store.Tx, deviceKey string, settings map[string]string) (rejected map[string]string, err error) {
	set := map[string]bool{}
	for name, v := range settings {
		if !IsToggle(name) {
			continue
		}
		switch v {
		case "0":
			set[name] = false
		case "1":
			set[name] = true
		default:
			if rejected == nil {
				rejected = map[string]string{}
			}
			rejected[name] = fmt.Sprintf("%q is not 0 or 1", v)
		}
	}
	if len(set) == 0 {
		return rejected, nil
	}
	if err := tx.SetEventToggles(deviceKey, set); err != nil {
		return rejected, err
	}
	return rejected, nil
}

// Enabled tells whether events of eventType about the device deviceKey are
// switched on, reading the toggles inside tx.
func Enabled(tx *store.Tx, deviceKey, eventType string) (bool, error) {
	name := ToggleOf(eventType)
	if name == "" {
		return true, nil
	}
	toggles, err := tx.EventToggles(deviceKey)
	if err != nil {
		return false, err
	}
	on, set := toggles[name]
	return on || !set, nil
}

// Enqueue queues events about the device deviceKey inside tx (the
// transaction that records what they report), leaving out those whose family
// the device has switched off.
func Enqueue(tx *store.Tx, deviceKey string, events ...store.OutboxEvent) error {
	keep := events[:0:0]
	for _, e := range events {
		on, err := Enabled(tx, deviceKey, e.Type)
		if err != nil {
			return fmt.Errorf("event toggles of %s: %w", deviceKey, err)
		}
		if on {
			keep = append(keep, e)
		}
	}
	return tx.Enqueue(keep...)
}

// Outbox encodes e for the outbox and compresses it now, in the caller's
// goroutine, so the shared write transaction does not wait for that.
func (e Event) Outbox() (store.OutboxEvent, error) {
	body, err := e.JSON()
	if err != nil {
		return store.OutboxEvent{}, err
	}
	ob := store.OutboxEvent{ID: e.EventID, Type: e.EventType, Body: body}
	if err := ob.Prepare(); err != nil {
		return store.OutboxEvent{}, err
	}
	return ob, nil
}
