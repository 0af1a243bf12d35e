package firmware

import (
	"fmt"

	"github.com/earshot-app/earshot/device"
)

// MinBattery is the battery level, in percent, under which a device that is
// not charging is not updated: an update that stops half-way can leave it
// unusable.
const MinBattery = 30

// Target is the device an update is for, as it stands when the update is
// about to start, and what the configuration asks of the update.
type Target struct {
	Device device.Device
	// ParentAttached tells whether the dongle or base the device is reached
	// through is attached.
	ParentAttached bool
	// Docked is whether the headset sits in its dock; nil when the driver
	// does not know.
	Docked *bool
	// AllowDowngrade is ALLOW_DOWNGRADE = "1" for the device's ESN.
	AllowDowngrade bool
	// Language and Region are the language and region settings of the
	// configuration that come with the firmware ("" = none asked for).
	Language, Region string
}

// Preconditions checks, in order, that the archive fits the device, that it
// is not a refused downgrade, that it has the language and region asked for,
// and that the device is ready: battery, dock, dongle. It returns the
// docs/firmware.md failure and the reason for the log, or "" and nil when the update may
// start.
func Preconditions(info Info, t Target) (device.FirmwareFailure, error) {
	d := t.Device
	if !info.MatchesProduct(d.ProductID) {
		return device.FailureFileMismatch, fmt.Errorf("the archive targets product ids %s, the device is %04X",
			pidList(info.ProductIDs), d.ProductID)
	}
	if d.Firmware != "" {
		cmp, err := CompareVersions(info.Version, d.Firmware)
		switch {
		case err != nil:
			// A version Earshot cannot read is no reason to refuse, but
			// nor can it prove the update is not a downgrade.
			if !t.AllowDowngrade {
				return device.FailureDowngrade, fmt.Errorf("cannot compare %q with the installed %q (%v) and ALLOW_DOWNGRADE is not 1",
					info.Version, d.Firmware, err)
			}
		case cmp < 0 && !t.AllowDowngrade:
			return device.FailureDowngrade, fmt.Errorf("%s is older than the installed %s and ALLOW_DOWNGRADE is not 1",
				info.Version, d.Firmware)
		}
	}
	if t.Language != "" && !info.HasLanguage(t.Language) {
		return device.FailureLanguageNotFound, fmt.Errorf("no file of the archive has language %q", t.Language)
	}
	if t.Region != "" && !info.HasRegion(t.Region) {
		return device.FailureRegionNotFound, fmt.Errorf("no file of the archive has region %q", t.Region)
	}
	if b := d.Battery; b != nil && !b.Charging && b.Level < MinBattery {
		return device.FailureBatteryTooLow, fmt.Errorf("battery at %d %% and not charging; %d %% needed", b.Level, MinBattery)
	}
	if t.Docked != nil && !*t.Docked {
		return device.FailureNotDocked, fmt.Errorf("the headset is not in its dock")
	}
	if d.Kind == device.KindHeadset && d.Connection == device.ConnBluetooth && (d.Parent == "" || !t.ParentAttached) {
		return device.FailureNotOnDongle, fmt.Errorf("a Bluetooth headset is updated through its dongle, and none is attached")
	}
	return "", nil
}

func pidList(pids []uint16) string {
	s := ""
	for i, p := range pids {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%04X", p)
	}
	return s
}
