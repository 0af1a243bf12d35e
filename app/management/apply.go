package management

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// Settings is the one validation and apply path of settings (settings.Service):
// the same rules for the window, the command line, imports and the
// endpoint.
type Settings interface {
	Apply(ctx context.Context, id string, values map[string]string, o settings.ApplyOptions) (settings.ApplyResult, error)
	Validate(id string, values map[string]string) (map[string]string, map[string]*settings.Refusal, error)
	ClientValue(deviceKey, name string) string
}

// Updater runs the firmware part of an answer (firmware.Updater).
type Updater interface {
	RunManaged(ctx context.Context, d device.Device, job firmware.ManagedJob) (firmware.Outcome, error)
}

// Events puts a DeviceConfigurationApplied event into the outbox inside tx
// (analytics builds it and honours EVENT_DEVICE_CONFIGURATION).
type Events interface {
	DeviceConfigurationApplied(tx *store.Tx, d device.Device, at time.Time, applied, rejected map[string]string) error
}

// ApplierParams are an Applier's dependencies.
type ApplierParams struct {
	Settings Settings
	Firmware Updater // nil: firmware elements are logged and left alone
	Store    *store.Store
	Events   Events // nil: no events
	// Endpoint is DEVICEMANAGEMENTENDPOINT, for resolving relative
	// download URLs.
	Endpoint string
	Clock    clock.Clock
	Logger   *slog.Logger
}

// Applier applies device-management answers to devices (docs/device-management.md).
type Applier struct{ p ApplierParams }

// NewApplier returns an Applier.
func NewApplier(p ApplierParams) *Applier {
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	return &Applier{p: p}
}

// AllowDowngrade is the client-side setting that lets a firmware update
// install an older version.
const AllowDowngrade = "ALLOW_DOWNGRADE"

// The settings that choose a language or region from the firmware file
// (docs/device-management.md), in the order the first one set wins.
var (
	languageSettings = []string{"VOICE_ANNOUNCEMENTS_LANGUAGE_1", "VOICE_ANNOUNCEMENTS_LANGUAGE_2", "VOICE_ANNOUNCEMENTS_LANGUAGE_4"}
	regionSettings   = []string{"SCREEN_REGION", "SCREEN_REGION_1", "VOICE_ANNOUNCEMENTS_REGION"}
)

// Outcome values of store.AppliedConfig.FirmwareOutcome besides the update
// statuses.
const (
	OutcomeCurrent = "current" // the device already runs the version offered
)

// Apply applies a to d. Settings are applied unless the same settings were
// applied to d's ESN before: each is checked against the catalog, the valid
// ones written and the others rejected one by one, and the result recorded
// with a DeviceConfigurationApplied event in one transaction. The firmware
// is then handled unless its handling ended before: staged and updated, or
// refused. An error means part of the answer could not be handled now
// (device gone, download failed) and should be tried again later; what was
// applied is recorded either way.
func (a *Applier) Apply(ctx context.Context, d device.Device, ans Answer) error {
	if d.ESN == "" {
		return errors.New("apply configuration: the device has no ESN")
	}
	log := a.p.Logger.With("device", d.Name, "esn", d.ESN)
	prev, _, err := a.p.Store.AppliedConfig(d.ESN)
	if err != nil {
		return fmt.Errorf("apply configuration to %s: %w", d.Name, err)
	}
	withFirmware, rest := map[string]string{}, map[string]string{}
	for name, v := range ans.Settings {
		if settings.NeedsFirmware(name) && !ans.Firmware.Empty() {
			withFirmware[name] = v
		} else {
			rest[name] = v
		}
	}
	fwValid, fwRefused, err := a.p.Settings.Validate(d.ID, withFirmware)
	if err != nil {
		return fmt.Errorf("apply configuration to %s: %w", d.Name, err)
	}

	if sd := digest(ans.Settings, ans.BadValues); sd != prev.SettingsDigest {
		res, err := a.p.Settings.Apply(ctx, d.ID, rest, settings.ApplyOptions{Source: store.SourceManagement})
		if err != nil {
			return fmt.Errorf("apply configuration to %s: %w", d.Name, err)
		}
		applied, rejected := map[string]string{}, map[string]string{}
		for _, name := range slices.Concat(res.Applied, res.Unchanged) {
			applied[name] = rest[name]
		}
		maps.Copy(applied, fwValid)
		for name, r := range res.Refused {
			rejected[name] = why(r)
		}
		for name, r := range fwRefused {
			rejected[name] = why(r)
		}
		maps.Copy(rejected, ans.BadValues)
		now := a.p.Clock.Now()
		err = a.p.Store.Write(ctx, func(tx *store.Tx) error {
			c, _, err := tx.AppliedConfig(d.ESN)
			if err != nil {
				return err
			}
			c.ESN, c.SettingsDigest, c.Applied, c.Rejected, c.AppliedAt = d.ESN, sd, applied, rejected, now
			c.FirmwareVersion, c.FirmwareURL = ans.Firmware.Version, config.Redact(ans.Firmware.DownloadURL)
			if err := tx.PutAppliedConfig(c); err != nil {
				return err
			}
			if a.p.Events == nil || len(applied)+len(rejected) == 0 {
				return nil
			}
			return a.p.Events.DeviceConfigurationApplied(tx, d, now, applied, rejected)
		})
		if err != nil {
			return fmt.Errorf("record the configuration applied to %s: %w", d.Name, err)
		}
		for _, name := range slices.Sorted(maps.Keys(rejected)) {
			log.Warn("device-management setting rejected", "setting", name, "value", ans.Settings[name], "reason", rejected[name])
		}
		if len(applied)+len(rejected) == 0 {
			log.Debug("device-management configuration has no settings")
		} else {
			log.Info("device-management configuration applied", "applied", len(applied), "rejected", len(rejected),
				"settings", keyList(applied), "restartNeeded", res.RestartNeeded)
		}
	} else {
		log.Debug("device-management settings unchanged since they were applied")
	}
	return a.firmware(ctx, d, ans, fwValid, prev, log)
}

// firmware handles the firmware element of ans, unless its handling ended
// before.
func (a *Applier) firmware(ctx context.Context, d device.Device, ans Answer, with map[string]string, prev store.AppliedConfig, log *slog.Logger) error {
	if ans.Firmware.Empty() {
		return nil
	}
	allow := a.p.Settings.ClientValue(d.Key(), AllowDowngrade) == "1"
	fd := digest(map[string]string{"version": ans.Firmware.Version, "downloadUrl": ans.Firmware.DownloadURL,
		AllowDowngrade: fmt.Sprint(allow)}, with)
	if fd == prev.FirmwareDigest {
		log.Debug("device-management firmware handled before", "version", ans.Firmware.Version, "outcome", prev.FirmwareOutcome)
		return nil
	}
	record := func(tx *store.Tx, outcome string) error {
		c, _, err := tx.AppliedConfig(d.ESN)
		if err != nil {
			return err
		}
		c.ESN, c.FirmwareDigest, c.FirmwareOutcome, c.FirmwareAt = d.ESN, fd, outcome, a.p.Clock.Now()
		c.FirmwareVersion, c.FirmwareURL = ans.Firmware.Version, config.Redact(ans.Firmware.DownloadURL)
		return tx.PutAppliedConfig(c)
	}
	u, err := firmware.ResolveURL(a.p.Endpoint, ans.Firmware.DownloadURL)
	if err != nil {
		log.Error("device-management firmware refused", "reason", err.Error(), "downloadUrl", config.Redact(ans.Firmware.DownloadURL))
		return a.p.Store.Write(ctx, func(tx *store.Tx) error { return record(tx, "refused: "+err.Error()) })
	}
	if a.p.Firmware == nil {
		log.Warn("device-management firmware not handled: firmware updates are off", "version", ans.Firmware.Version)
		return nil
	}
	job := firmware.ManagedJob{URL: u, Endpoint: a.p.Endpoint, Version: ans.Firmware.Version, AllowDowngrade: allow,
		Language: first(with, languageSettings), Region: first(with, regionSettings),
		Also: func(tx *store.Tx, o firmware.Outcome) error {
			if o.Status == firmware.StatusSuccess {
				return record(tx, o.Status)
			}
			return record(tx, string(o.Failure))
		}}
	out, err := a.p.Firmware.RunManaged(ctx, d, job)
	if err != nil {
		return fmt.Errorf("firmware %s for %s: %w", ans.Firmware.Version, d.Name, err)
	}
	if out.Status == "" {
		log.Info("device already runs the firmware the endpoint offers", "version", ans.Firmware.Version)
		return a.p.Store.Write(ctx, func(tx *store.Tx) error { return record(tx, OutcomeCurrent) })
	}
	return nil
}

// why is a refusal's reason without the setting's name.
func why(r *settings.Refusal) string {
	return strings.TrimPrefix(r.Error(), r.Setting+": ")
}

func first(values map[string]string, names []string) string {
	for _, n := range names {
		if v := values[n]; v != "" {
			return v
		}
	}
	return ""
}

func keyList(m map[string]string) string { return strings.Join(slices.Sorted(maps.Keys(m)), ",") }
