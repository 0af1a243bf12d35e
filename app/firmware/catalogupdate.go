package firmware

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/store"
)

// Offer is a newer firmware version the catalog names for a device, whose
// file Earshot can fetch: the Firmware tab's "Download and install".
type Offer struct {
	Version string
	Notes   string
	// From is where the file comes from, as a person may read it: a URL
	// with credentials and query values masked, or a file path.
	From string
	// File: From is a file (in the catalog's folder), copied rather than
	// downloaded.
	File bool
}

// ErrNoOffer means the catalog names no newer firmware for the device whose
// file Earshot can fetch.
var ErrNoOffer = errors.New("the catalog names no newer firmware for this device that Earshot can fetch")

// catalogSource is where a catalog's firmwareFile is fetched from: a file
// (path in Updater.files) or a URL (endpoint set when the URL is relative to
// the device-management endpoint, whose credentials and query it then
// carries on that origin only).
type catalogSource struct {
	file     string
	url      string
	endpoint string
}

func (c catalogSource) String() string {
	if c.file != "" {
		return c.file
	}
	return redact(c.url)
}

// files is where files people or catalogs name are read.
func (u *Updater) files() afero.Fs {
	if u.p.Files != nil {
		return u.p.Files
	}
	return u.p.Stager.p.Fs
}

// locate tells where r's file can be fetched from (docs/firmware.md): an
// absolute http, https or ftp URL as given; a relative one from the folder
// of the catalog file that lists it when the file is there, else from the
// device-management endpoint when one is configured. Nothing else: another
// scheme, an absolute path, or a path that climbs out of the folder.
func (u *Updater) locate(r Release) (catalogSource, bool) {
	if r.URL == "" {
		return catalogSource{}, false
	}
	if isURL(r.URL) {
		return catalogSource{url: r.URL}, true
	}
	rel := filepath.FromSlash(r.URL)
	if !filepath.IsLocal(rel) || hasScheme(r.URL) {
		return catalogSource{}, false
	}
	if r.Dir != "" {
		p := filepath.Join(r.Dir, rel)
		if fi, err := u.files().Stat(p); err == nil && fi.Mode().IsRegular() {
			return catalogSource{file: p}, true
		}
	}
	if u.p.Endpoint != "" {
		if resolved, err := ResolveURL(u.p.Endpoint, r.URL); err == nil {
			return catalogSource{url: resolved, endpoint: u.p.Endpoint}, true
		}
	}
	return catalogSource{}, false
}

// hasScheme tells whether ref starts with a URL scheme ("file:", "c:" is a
// drive and also refused).
func hasScheme(ref string) bool {
	for i, c := range ref {
		switch {
		case c == ':':
			return i > 0
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return false
}

// offer is the catalog's newer version for d that Earshot can fetch, nil when
// there is none, when the driver cannot update, or when that version is
// staged already (then "Update now" installs it).
func (u *Updater) offer(d device.Device, s Status) *Offer {
	rel, src, ok := u.newest(d, s.Installed)
	if !ok || !s.CanUpdate {
		return nil
	}
	if st := s.Staged; st != nil && st.State != store.FirmwareInstalled {
		if c, err := CompareVersions(st.Version, rel.Version); err == nil && c == 0 {
			return nil
		}
	}
	return &Offer{Version: rel.Version, Notes: rel.Notes, From: src.String(), File: src.file != ""}
}

// newest is the newest release the catalog lists for d when it is newer than
// installed and its file can be fetched.
func (u *Updater) newest(d device.Device, installed string) (Release, catalogSource, bool) {
	if u.p.Catalog == nil {
		return Release{}, catalogSource{}, false
	}
	var best Release
	for _, r := range u.p.Catalog.Releases(d.VendorID, d.ProductID, d.Variant) {
		if c, err := CompareVersions(r.Version, best.Version); best.Version == "" || (err == nil && c > 0) {
			best = r
		}
	}
	if best.Version == "" {
		return Release{}, catalogSource{}, false
	}
	if installed != "" {
		if c, err := CompareVersions(best.Version, installed); err != nil || c <= 0 {
			return Release{}, catalogSource{}, false
		}
	}
	src, ok := u.locate(best)
	return best, src, ok
}

// InstallFromCatalog fetches the newest firmware the catalog names for
// device id (Status.Offer), stages it with the checks of a file staged by
// hand — the archive's checks, and its product ids must name the device —
// and installs it: the person confirmed it. Cancelling ctx stops the
// download; once the update itself has begun it runs to its end. A file
// that holds another version than the catalog's stays staged, not
// installed.
func (u *Updater) InstallFromCatalog(ctx context.Context, id string) (Outcome, error) {
	d, err := u.device(id)
	if err != nil {
		return Outcome{}, err
	}
	rel, src, ok := u.newest(d, d.Firmware)
	if !ok {
		return Outcome{}, ErrNoOffer
	}
	if !u.p.Devices.CanUpdateFirmware(id) {
		return Outcome{}, ErrCannotUpdate
	}
	done, err := u.hold(d.Key())
	if err != nil {
		return Outcome{}, err
	}
	defer done()
	staged, err := u.stageClaimed(ctx, d, false, func(ctx context.Context) (Staged, error) {
		if src.file != "" {
			return u.copyFile(ctx, d, src.file)
		}
		return u.download(ctx, d, src.url, src.endpoint, false)
	})
	if err != nil {
		return Outcome{}, err
	}
	if c, err := CompareVersions(staged.Version, rel.Version); err != nil || c != 0 {
		return Outcome{}, fmt.Errorf("the file from %s holds version %s, not the catalog's %s; it is staged, not installed",
			src, staged.Version, rel.Version)
	}
	now, ok := u.p.Devices.Device(id)
	if !ok {
		return Outcome{}, fmt.Errorf("device %s left before its update: %w", d.Name, device.ErrDeviceLost)
	}
	allow := u.p.AllowDowngrade != nil && u.p.AllowDowngrade(d.Key())
	// Past this point a cancel would cut the update off mid-write.
	return u.update(context.WithoutCancel(ctx), now, staged, Job{AllowDowngrade: allow}), nil
}

// copyFile stages the archive at path in files for d, showing progress as a
// download does.
func (u *Updater) copyFile(ctx context.Context, d device.Device, path string) (Staged, error) {
	key := d.Key()
	u.setLive(key, Live{Phase: PhaseDownloading, Percent: -1})
	defer u.setLive(key, Live{})
	last := -2
	return u.p.Stager.CopyWithProgress(ctx, key, u.files(), path, func(done, total int64) {
		pct := -1
		if total > 0 {
			pct = int(done * 100 / total)
		}
		if pct != last {
			last = pct
			u.setLive(key, Live{Phase: PhaseDownloading, Percent: pct})
		}
	})
}
