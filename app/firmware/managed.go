package firmware

import (
	"context"
	"errors"
	"fmt"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/store"
)

// Managed updates: the firmware element of a device-management answer,
// downloaded and installed without asking (docs/firmware.md).

// ManagedJob is the firmware element of a device-management answer.
type ManagedJob struct {
	URL string // resolved (ResolveURL)
	// Endpoint is the device-management endpoint that offered the
	// firmware: its credentials and query go to its origin only, and the
	// download may not reach a local address unless it is on one.
	Endpoint       string
	Version        string // the version the answer offers
	AllowDowngrade bool
	// Language and Region are the configuration's settings that take effect
	// only with a firmware file ("" = none).
	Language, Region string
	// Also runs in the transaction that records a final outcome.
	Also func(tx *store.Tx, o Outcome) error
}

// RunManaged handles the firmware of a device-management answer for d. When
// the device already runs the version offered (and no language or region
// asks for the files), nothing is done and the Outcome has no Status. A
// refused downgrade fails without a download. Otherwise the archive is
// downloaded (or the one staged from the same URL reused), staged, and the
// update starts by itself. An error means the work did not reach an
// outcome (the download failed; the device went away before the update
// began) and may be tried again later; a refused archive is an outcome.
func (u *Updater) RunManaged(ctx context.Context, d device.Device, job ManagedJob) (Outcome, error) {
	key := d.Key()
	release, err := u.claim(key)
	if err != nil {
		return Outcome{}, err
	}
	defer release()
	end := u.begin()
	defer end()

	if d.Firmware != "" {
		cmp, err := CompareVersions(job.Version, d.Firmware)
		switch {
		case err == nil && cmp == 0 && job.Language == "" && job.Region == "":
			return Outcome{From: d.Firmware, To: job.Version}, nil
		case err == nil && cmp < 0 && !job.AllowDowngrade:
			return u.refuse(ctx, d, job, device.FailureDowngrade,
				fmt.Sprintf("%s is older than the installed %s and ALLOW_DOWNGRADE is not 1", job.Version, d.Firmware)), nil
		}
	}
	staged, reuse, _ := u.p.Store.StagedFirmware(key)
	reuse = reuse && staged.Managed && staged.Version == job.Version && staged.State != store.FirmwareInstalled &&
		staged.Source == redact(job.URL) && u.p.Stager.Exists(staged.Path)
	if reuse {
		if _, closeArchive, err := u.p.Stager.Verify(staged.Path, staged.SHA256); err == nil {
			closeArchive()
		} else {
			reuse = false
		}
	}
	if !reuse {
		st, err := u.download(ctx, d, job.URL, job.Endpoint, true)
		if errors.Is(err, ErrInvalidArchive) {
			return u.refuse(ctx, d, job, device.FailureUnexpected, "the firmware file was refused: "+err.Error()), nil
		}
		if err != nil {
			return Outcome{}, err
		}
		staged = store.StagedFirmware{DeviceKey: key, Path: st.Path, Version: st.Info.Version, SHA256: st.SHA256,
			Size: st.Size, Source: st.Source, Managed: true, StagedAt: st.StagedAt}
		if !st.Info.MatchesProduct(d.ProductID) {
			// Recorded below as the update's failure; the file is kept for
			// a person to look at.
			u.p.Logger.Warn("managed firmware targets another product", "device", d.Name, "pids", pidList(st.Info.ProductIDs))
		}
	}
	staged.State, staged.Failure, staged.Language, staged.Region = store.FirmwareStaged, "", job.Language, job.Region
	if err := u.p.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.PutStagedFirmware(staged) }); err != nil {
		return Outcome{}, fmt.Errorf("record staged firmware: %w", err)
	}
	u.changed()
	now, ok := u.p.Devices.Device(d.ID)
	if !ok {
		return Outcome{}, fmt.Errorf("device %s left before its update: %w", d.Name, device.ErrDeviceLost)
	}
	return u.update(ctx, now, staged, Job{Managed: true, AllowDowngrade: job.AllowDowngrade, Language: job.Language,
		Region: job.Region, Also: job.Also}), nil
}

// refuse records a managed update that failed before anything was written.
func (u *Updater) refuse(ctx context.Context, d device.Device, job ManagedJob, f device.FirmwareFailure, detail string) Outcome {
	out := Outcome{Status: StatusFailure, Failure: f, From: d.Firmware, To: job.Version, Detail: detail}
	now := u.p.Clock.Now()
	rec := store.FirmwareUpdate{From: out.From, To: out.To, Managed: true, Started: now, Ended: now,
		Status: StatusFailure, Failure: string(f), Detail: detail}
	err := u.p.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if err := tx.AddFirmwareUpdate(d.Key(), rec); err != nil {
			return err
		}
		if u.p.Events != nil {
			if err := u.p.Events.FirmwareUpdateCompleted(tx, d, now, f); err != nil {
				return err
			}
		}
		if job.Also != nil {
			return job.Also(tx, out)
		}
		return nil
	})
	if err != nil {
		u.p.Logger.Error("record the refused firmware update", "device", d.Name, "err", err)
	}
	u.p.Logger.Warn("managed firmware update refused", "device", d.Name, "version", job.Version, "failure", string(f), "detail", detail)
	u.notify(Notice{Kind: NoticeFailed, DeviceName: d.Name, DeviceKey: d.Key(), Version: job.Version, Managed: true, Failure: f})
	u.changed()
	return out
}
