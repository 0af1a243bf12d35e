package firmware

import (
	"path/filepath"
	"time"
)

// Status is what the firmware page shows of one device: plain values, so
// the views need neither store nor device.
type Status struct {
	DeviceID   string
	DeviceKey  string
	DeviceName string
	Installed  string
	// CanUpdate tells whether the device's driver can update firmware.
	CanUpdate bool
	// Catalog is the newest version the catalog knows for the model
	// (Version "" when none).
	Catalog Release
	// Endpoint is the version the device-management endpoint offered last
	// ("" when it offered none), and EndpointOutcome how that ended
	// ("current", "Success" or a failure description; "" while pending).
	Endpoint        string
	EndpointOutcome string
	Staged          *StagedView // nil when nothing is staged
	// Offer is the catalog's newer version when its file can be fetched and
	// it is not staged already: "Download and install" (InstallFromCatalog).
	// nil otherwise.
	Offer   *Offer
	Live    Live
	History []HistoryEntry // newest first
}

// StagedView is the staged file of a device.
type StagedView struct {
	File     string // base name
	Version  string
	Source   string
	SHA256   string
	Size     int64
	StagedAt time.Time
	State    string // store.Firmware… states
	Failure  string
	Managed  bool
	// Notes are the catalog's release notes of this version ("" when the
	// catalog has none).
	Notes string
}

// HistoryEntry is one past update.
type HistoryEntry struct {
	At      time.Time
	From    string
	To      string
	Status  string
	Failure string
	Detail  string
	Managed bool
}

// historyShown is how many past updates Status lists.
const historyShown = 20

// Status returns what the firmware page shows of the attached device id;
// false when it is not attached.
func (u *Updater) Status(id string) (Status, bool) {
	d, ok := u.p.Devices.Device(id)
	if !ok {
		return Status{}, false
	}
	key := d.Key()
	s := Status{DeviceID: id, DeviceKey: key, DeviceName: d.Name, Installed: d.Firmware,
		CanUpdate: u.p.Devices.CanUpdateFirmware(id)}
	var releases []Release
	if u.p.Catalog != nil {
		releases = u.p.Catalog.Releases(d.VendorID, d.ProductID, d.Variant)
	}
	for _, r := range releases {
		if newer, err := CompareVersions(r.Version, s.Catalog.Version); s.Catalog.Version == "" || (err == nil && newer > 0) {
			s.Catalog = r
		}
	}
	if d.ESN != "" {
		if c, found, err := u.p.Store.AppliedConfig(d.ESN); err == nil && found {
			s.Endpoint, s.EndpointOutcome = c.FirmwareVersion, c.FirmwareOutcome
		}
	}
	if f, found, err := u.p.Store.StagedFirmware(key); err == nil && found && f.State != "" {
		v := &StagedView{File: filepath.Base(f.Path), Version: f.Version, Source: f.Source, SHA256: f.SHA256, Size: f.Size,
			StagedAt: f.StagedAt, State: f.State, Failure: f.Failure, Managed: f.Managed}
		for _, r := range releases {
			if c, err := CompareVersions(r.Version, f.Version); err == nil && c == 0 {
				v.Notes = r.Notes
			}
		}
		s.Staged = v
	}
	if hist, err := u.p.Store.FirmwareUpdates(key, historyShown); err == nil {
		for _, h := range hist {
			s.History = append(s.History, HistoryEntry{At: h.Ended, From: h.From, To: h.To, Status: h.Status,
				Failure: h.Failure, Detail: h.Detail, Managed: h.Managed})
		}
	}
	s.Offer = u.offer(d, s)
	u.mu.Lock()
	s.Live = u.live[key]
	u.mu.Unlock()
	return s, true
}
