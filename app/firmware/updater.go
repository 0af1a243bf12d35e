package firmware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// Devices is what the Updater needs of device.Manager.
type Devices interface {
	Device(id string) (device.Device, bool)
	Devices() []device.Device
	UpdateFirmware(ctx context.Context, id string, img device.FirmwareImage, progress func(int)) error
	CanUpdateFirmware(id string) bool
	Docked(id string) *bool
}

// Events puts a FirmwareUpdateCompleted event into the outbox inside tx
// (analytics builds and filters it).
type Events interface {
	// failure is "" for Success, else one of device.FirmwareFailures.
	FirmwareUpdateCompleted(tx *store.Tx, d device.Device, at time.Time, failure device.FirmwareFailure) error
}

// NoticeKind says what a Notice announces.
type NoticeKind int

// The notices of an update.
const (
	NoticeStarting NoticeKind = iota + 1 // a managed update starts by itself
	NoticeSucceeded
	NoticeFailed
)

// Notice is something a person should know about an update now.
type Notice struct {
	Kind       NoticeKind
	DeviceName string
	DeviceKey  string
	Version    string
	Managed    bool
	Failure    device.FirmwareFailure
	// Lost: the device left during the update, at LostAt percent (-1:
	// before any progress). Failure stays the docs/firmware.md description.
	Lost   bool
	LostAt int
}

// UpdaterParams are an Updater's dependencies.
type UpdaterParams struct {
	Devices Devices
	Store   *store.Store
	Stager  *Stager
	Events  Events  // nil: no events
	Catalog Catalog // nil: no catalog versions
	Clock   clock.Clock
	Logger  *slog.Logger
	// Notify tells a person (a desktop notification, a log line); it must
	// not block. nil: nobody is told.
	Notify func(Notice)
	// UserAgent is the User-Agent of a download for a device.
	UserAgent func(d device.Device) string
	// Credentials returns the Basic credentials of url's origin ("" when
	// none: only the device-management endpoint's origin has them). A
	// managed download asks about the endpoint that offered it, and the
	// Stager sends them to that origin alone, on every hop.
	Credentials func(url string) (username, password string)
	// Files is where the archives people name by path are read (Stage);
	// nil means the Stager's Fs.
	Files afero.Fs
	// AllowDowngrade tells whether the client-side ALLOW_DOWNGRADE of the
	// device is "1" (kept per device, which is per ESN, by the settings
	// service); nil means never.
	AllowDowngrade func(deviceKey string) bool
	// Endpoint is the device-management endpoint ("" none): a catalog's
	// relative firmwareFile that is not in the catalog's folder is fetched
	// from there, with the endpoint's credentials and query on its origin
	// only (docs/catalog.md).
	Endpoint string
}

// Updater stages firmware and updates devices with it (docs/firmware.md): managed
// updates asked for by the device-management endpoint start by themselves;
// updates staged by a person start when that person confirms (Apply).
// Every update ends in one FirmwareUpdateCompleted event, recorded with the
// update's history entry in one transaction.
type Updater struct {
	p UpdaterParams

	mu        sync.Mutex
	live      map[string]Live // by device key
	running   map[string]bool // device keys with an update under way
	busy      int             // downloads and updates in flight
	idle      chan struct{}   // closed when busy drops to 0; replaced when it rises
	listeners map[int]func()
	nextID    int
}

// Phase is where a device's firmware work stands.
type Phase string

// The phases of Live.
const (
	PhaseIdle        Phase = ""
	PhaseDownloading Phase = "downloading"
	PhaseUpdating    Phase = "updating"
)

// Live is the work under way for one device.
type Live struct {
	Phase   Phase
	Percent int // 0–100; -1 when the size is not known
	Managed bool
}

// NewUpdater returns an Updater.
func NewUpdater(p UpdaterParams) *Updater {
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.UserAgent == nil {
		p.UserAgent = func(device.Device) string { return "" }
	}
	if p.Credentials == nil {
		p.Credentials = func(string) (string, string) { return "", "" }
	}
	idle := make(chan struct{})
	close(idle)
	return &Updater{p: p, live: map[string]Live{}, running: map[string]bool{}, idle: idle, listeners: map[int]func(){}}
}

// Outcome is how an update ended.
type Outcome struct {
	Status  string // "Success", "Failure", or "" when no update was needed
	Failure device.FirmwareFailure
	From    string
	To      string
	Detail  string // why, for the log and the history
	// Lost: the device was disconnected during the update, at LostAt
	// percent (-1: before any progress); the staged file is kept. Failure
	// stays the docs/firmware.md description the analytics event carries.
	Lost   bool
	LostAt int
}

// Status values of an Outcome and of store.FirmwareUpdate.
const (
	StatusSuccess = "Success"
	StatusFailure = "Failure"
)

// Subscribe calls onChange after every change of what Status returns. It
// must not block.
func (u *Updater) Subscribe(onChange func()) (cancel func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	id := u.nextID
	u.nextID++
	u.listeners[id] = onChange
	return func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		delete(u.listeners, id)
	}
}

func (u *Updater) changed() {
	u.mu.Lock()
	fns := make([]func(), 0, len(u.listeners))
	for _, fn := range u.listeners {
		fns = append(fns, fn)
	}
	u.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// setLive records the work under way for key and tells the listeners.
func (u *Updater) setLive(key string, l Live) {
	u.mu.Lock()
	if l.Phase == PhaseIdle {
		delete(u.live, key)
	} else {
		u.live[key] = l
	}
	u.mu.Unlock()
	u.changed()
}

// begin counts one piece of work in flight; end it with the returned func.
func (u *Updater) begin() (end func()) {
	u.mu.Lock()
	if u.busy == 0 {
		u.idle = make(chan struct{})
	}
	u.busy++
	u.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			u.mu.Lock()
			u.busy--
			if u.busy == 0 {
				close(u.idle)
			}
			u.mu.Unlock()
		})
	}
}

// Idle returns a channel that is closed while no download or update is in
// flight (a new one is returned once work starts again).
func (u *Updater) Idle() <-chan struct{} {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.idle
}

// Busy tells whether a download or update is in flight.
func (u *Updater) Busy() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.busy > 0
}

// hold claims the device key for one piece of work and counts it as
// running (begin); done undoes both.
func (u *Updater) hold(key string) (done func(), err error) {
	release, err := u.claim(key)
	if err != nil {
		return nil, err
	}
	end := u.begin()
	return func() { end(); release() }, nil
}

// claim makes sure one update or staging at a time runs for a device.
func (u *Updater) claim(key string) (release func(), err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.running[key] {
		return nil, ErrBusy
	}
	u.running[key] = true
	return func() {
		u.mu.Lock()
		delete(u.running, key)
		u.mu.Unlock()
	}, nil
}

// ErrBusy means firmware work already runs for the device.
var ErrBusy = errors.New("firmware work is already under way for this device")

// ErrNothingStaged means Apply found no staged file for the device.
var ErrNothingStaged = errors.New("no firmware is staged for this device")

// WrongProductError is a firmware file staged by hand for a device whose
// product id the archive does not name (its targetUsbPids).
type WrongProductError struct {
	ProductIDs []uint16
	Device     uint16
}

func (e *WrongProductError) Error() string {
	return fmt.Sprintf("the archive is for product ids %s, not this device's %04X; nothing was staged",
		pidList(e.ProductIDs), e.Device)
}

// ErrCannotUpdate means the device's driver cannot update firmware.
var ErrCannotUpdate = errors.New("this device's driver cannot update its firmware")

// device returns the attached device id.
func (u *Updater) device(id string) (device.Device, error) {
	d, ok := u.p.Devices.Device(id)
	if !ok {
		return device.Device{}, fmt.Errorf("device %q is not attached: %w", id, device.ErrDeviceLost)
	}
	return d, nil
}

// Stage stages, for device id, the archive a person named: an http, https
// or ftp URL is downloaded, anything else is a file path. It starts no
// update (Apply does, once the person confirms).
func (u *Updater) Stage(ctx context.Context, id, source string) error {
	if isURL(source) {
		_, err := u.StageURL(ctx, id, source)
		return err
	}
	files := u.p.Files
	if files == nil {
		files = u.p.Stager.p.Fs
	}
	_, err := u.StageFile(ctx, id, files, source)
	return err
}

// isURL tells whether source names a download rather than a file.
func isURL(source string) bool {
	u, err := url.Parse(source)
	if err != nil || u.Host == "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp":
		return true
	}
	return false
}

// StageURL downloads an archive a person named for device id and stages it;
// it starts no update (Apply does, once the person confirms).
func (u *Updater) StageURL(ctx context.Context, id, rawURL string) (store.StagedFirmware, error) {
	d, err := u.device(id)
	if err != nil {
		return store.StagedFirmware{}, err
	}
	return u.stage(ctx, d, false, func(ctx context.Context) (Staged, error) {
		return u.download(ctx, d, rawURL, "", false)
	})
}

// StageFile copies an archive a person picked from fs into the staging
// folder of device id; it starts no update.
func (u *Updater) StageFile(ctx context.Context, id string, fs afero.Fs, path string) (store.StagedFirmware, error) {
	d, err := u.device(id)
	if err != nil {
		return store.StagedFirmware{}, err
	}
	return u.stage(ctx, d, false, func(ctx context.Context) (Staged, error) {
		return u.p.Stager.Copy(ctx, d.Key(), fs, path)
	})
}

// download fetches rawURL for d, showing progress. endpoint is the
// device-management endpoint that offered it ("" for a URL a person gave):
// the credentials are the endpoint's, for its origin only.
func (u *Updater) download(ctx context.Context, d device.Device, rawURL, endpoint string, managed bool) (Staged, error) {
	home := rawURL
	if endpoint != "" {
		home = endpoint
	}
	user, pass := u.p.Credentials(home)
	key := d.Key()
	u.setLive(key, Live{Phase: PhaseDownloading, Percent: -1, Managed: managed})
	defer u.setLive(key, Live{})
	last := -2
	return u.p.Stager.Download(ctx, key, Source{URL: rawURL, Endpoint: endpoint, UserAgent: u.p.UserAgent(d), Username: user, Password: pass},
		func(done, total int64) {
			pct := -1
			if total > 0 {
				pct = int(done * 100 / total)
			}
			if pct != last {
				last = pct
				u.setLive(key, Live{Phase: PhaseDownloading, Percent: pct, Managed: managed})
			}
		})
}

// stage runs fetch and records the staged file for d, replacing (and
// removing) an older one.
func (u *Updater) stage(ctx context.Context, d device.Device, managed bool, fetch func(context.Context) (Staged, error)) (store.StagedFirmware, error) {
	done, err := u.hold(d.Key())
	if err != nil {
		return store.StagedFirmware{}, err
	}
	defer done()
	return u.stageClaimed(ctx, d, managed, fetch)
}

// stageClaimed is stage for a caller that holds the device's claim and a
// begin.
func (u *Updater) stageClaimed(ctx context.Context, d device.Device, managed bool, fetch func(context.Context) (Staged, error)) (store.StagedFirmware, error) {
	key := d.Key()
	if !managed {
		// A file a person picked must be for this device: refusing it now
		// keeps "Update now" from offering what the update would refuse
		// anyway, and leaves the file staged before in place. A managed file
		// goes on to the update, whose refusal device management reports as
		// a FileMismatch (docs/firmware.md). ProductIDs are what the archive's
		// description names, whichever format it has.
		ctx = withCheck(ctx, func(info Info) error {
			if !info.MatchesProduct(d.ProductID) {
				return &WrongProductError{ProductIDs: info.ProductIDs, Device: d.ProductID}
			}
			return nil
		})
	}
	st, err := fetch(ctx)
	if err != nil {
		return store.StagedFirmware{}, err
	}
	rec := store.StagedFirmware{DeviceKey: key, Path: st.Path, Version: st.Info.Version, SHA256: st.SHA256, Size: st.Size,
		Source: st.Source, Managed: managed, StagedAt: st.StagedAt, State: store.FirmwareStaged}
	old, hadOld, _ := u.p.Store.StagedFirmware(key)
	err = u.p.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.PutStagedFirmware(rec) })
	if err != nil {
		return store.StagedFirmware{}, fmt.Errorf("record staged firmware: %w", err)
	}
	if hadOld && old.Path != rec.Path {
		if err := u.p.Stager.Remove(old.Path); err != nil {
			u.p.Logger.Warn("remove the firmware staged before", "err", err)
		}
	}
	u.changed()
	return rec, nil
}

// Apply updates device id with its staged file: the person confirmed it.
// ALLOW_DOWNGRADE is the device's client-side setting.
func (u *Updater) Apply(ctx context.Context, id string) (Outcome, error) {
	d, err := u.device(id)
	if err != nil {
		return Outcome{}, err
	}
	staged, ok, err := u.p.Store.StagedFirmware(d.Key())
	if err != nil {
		return Outcome{}, err
	}
	if !ok || staged.State == store.FirmwareInstalled || !u.p.Stager.Exists(staged.Path) {
		return Outcome{}, ErrNothingStaged
	}
	if !u.p.Devices.CanUpdateFirmware(id) {
		return Outcome{}, ErrCannotUpdate
	}
	allow := u.p.AllowDowngrade != nil && u.p.AllowDowngrade(d.Key())
	done, err := u.hold(d.Key())
	if err != nil {
		return Outcome{}, err
	}
	defer done()
	return u.update(ctx, d, staged, Job{AllowDowngrade: allow, Language: staged.Language, Region: staged.Region}), nil
}

// Job is what an update is asked to do besides writing the archive.
type Job struct {
	Managed          bool
	AllowDowngrade   bool
	Language, Region string
	// Also runs in the transaction that records the outcome (the
	// device-management record of the firmware's handling).
	Also func(tx *store.Tx, o Outcome) error
}

// update runs one update of d with staged and records its outcome. The
// caller holds the device's claim and a begin.
func (u *Updater) update(ctx context.Context, d device.Device, staged store.StagedFirmware, job Job) Outcome {
	key := d.Key()
	started := u.p.Clock.Now()
	out := Outcome{From: d.Firmware, To: staged.Version}
	fail := func(f device.FirmwareFailure, detail string) Outcome {
		out.Status, out.Failure, out.Detail = StatusFailure, f, detail
		return out
	}
	out = func() Outcome {
		a, closeArchive, err := u.p.Stager.Verify(staged.Path, staged.SHA256)
		if err != nil {
			return fail(device.FailureUnexpected, "the staged file cannot be used: "+err.Error())
		}
		defer closeArchive()
		out.To = a.Info.Version
		target := Target{Device: d, AllowDowngrade: job.AllowDowngrade, Language: job.Language, Region: job.Region,
			Docked: u.p.Devices.Docked(d.ID)}
		if d.Parent != "" {
			_, target.ParentAttached = u.p.Devices.Device(d.Parent)
		}
		if f, why := Preconditions(a.Info, target); f != "" {
			return fail(f, why.Error())
		}
		if !u.p.Devices.CanUpdateFirmware(d.ID) {
			return fail(device.FailureUnexpected, ErrCannotUpdate.Error())
		}
		if err := u.setState(ctx, staged, store.FirmwareUpdating, ""); err != nil {
			return fail(device.FailureUnexpected, err.Error())
		}
		u.setLive(key, Live{Phase: PhaseUpdating, Managed: job.Managed})
		if job.Managed {
			u.notify(Notice{Kind: NoticeStarting, DeviceName: d.Name, DeviceKey: key, Version: a.Info.Version, Managed: true})
		}
		u.p.Logger.Info("firmware update started", "device", d.Name, "key", key, "from", d.Firmware, "to", a.Info.Version,
			"managed", job.Managed)
		last := -1
		err = u.p.Devices.UpdateFirmware(ctx, d.ID, a.Image(job.Language, job.Region), func(pct int) {
			if pct > last {
				last = pct
				u.setLive(key, Live{Phase: PhaseUpdating, Percent: pct, Managed: job.Managed})
			}
		})
		switch {
		case err == nil:
			out.Status = StatusSuccess
			return out
		case errors.Is(err, device.ErrDeviceLost):
			out.Lost, out.LostAt = true, last
			return fail(device.FailureUnexpected, "the device was lost during the update: "+err.Error())
		case ctx.Err() != nil:
			return fail(device.FailureUnexpected, "Earshot stopped during the update")
		}
		return fail(device.FailureOf(err), err.Error())
	}()
	defer u.setLive(key, Live{})

	snap := d
	if now, ok := u.p.Devices.Device(d.ID); ok {
		snap = now
	}
	if out.Status == StatusSuccess && snap.Firmware != out.To {
		snap.Firmware = out.To // the driver had not reported the new version yet
	}
	rec := store.FirmwareUpdate{From: out.From, To: out.To, Managed: job.Managed, Started: started,
		Ended: u.p.Clock.Now(), Status: out.Status, Failure: string(out.Failure), Detail: out.Detail}
	staged.Failure = string(out.Failure)
	staged.State = store.FirmwareFailed
	if out.Status == StatusSuccess {
		staged.State = store.FirmwareInstalled
	}
	err := u.p.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if err := tx.AddFirmwareUpdate(key, rec); err != nil {
			return err
		}
		if err := tx.PutStagedFirmware(staged); err != nil {
			return err
		}
		if u.p.Events != nil {
			if err := u.p.Events.FirmwareUpdateCompleted(tx, snap, rec.Ended, out.Failure); err != nil {
				return err
			}
		}
		if job.Also != nil {
			return job.Also(tx, out)
		}
		return nil
	})
	if err != nil {
		u.p.Logger.Error("record the firmware update's outcome", "device", d.Name, "err", err)
	}
	if out.Status == StatusSuccess {
		u.p.Logger.Info("firmware update succeeded", "device", d.Name, "key", key, "version", out.To)
		if err := u.p.Stager.Remove(staged.Path); err != nil {
			u.p.Logger.Warn("remove installed firmware file", "err", err)
		}
		u.notify(Notice{Kind: NoticeSucceeded, DeviceName: d.Name, DeviceKey: key, Version: out.To, Managed: job.Managed})
	} else {
		u.p.Logger.Warn("firmware update failed", "device", d.Name, "key", key, "version", out.To,
			"failure", string(out.Failure), "detail", out.Detail, "stagedFileKept", staged.Path)
		u.notify(Notice{Kind: NoticeFailed, DeviceName: d.Name, DeviceKey: key, Version: out.To, Managed: job.Managed,
			Failure: out.Failure, Lost: out.Lost, LostAt: out.LostAt})
	}
	u.changed()
	return out
}

// setState records that staged's update is in state.
func (u *Updater) setState(ctx context.Context, staged store.StagedFirmware, state, failure string) error {
	staged.State, staged.Failure = state, failure
	return u.p.Store.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.PutStagedFirmware(staged) })
}

func (u *Updater) notify(n Notice) {
	if u.p.Notify != nil {
		u.p.Notify(n)
	}
}

// Recover marks updates that were running when Earshot stopped as failed
// ("Unexpected failure"), each with its event, so that none is left
// unrecorded. Call it once at start, before devices arrive.
func (u *Updater) Recover(ctx context.Context) error {
	all, err := u.p.Store.AllStagedFirmware()
	if err != nil {
		return err
	}
	for _, f := range all {
		if f.State != store.FirmwareUpdating {
			continue
		}
		rec, _, _ := u.p.Store.Device(f.DeviceKey)
		d := deviceFromRecord(f.DeviceKey, rec)
		now := u.p.Clock.Now()
		f.State, f.Failure = store.FirmwareFailed, string(device.FailureUnexpected)
		upd := store.FirmwareUpdate{From: d.Firmware, To: f.Version, Managed: f.Managed, Ended: now, Status: StatusFailure,
			Failure: string(device.FailureUnexpected), Detail: "Earshot stopped during the update"}
		err := u.p.Store.Write(ctx, func(tx *store.Tx) error {
			if err := tx.AddFirmwareUpdate(f.DeviceKey, upd); err != nil {
				return err
			}
			if err := tx.PutStagedFirmware(f); err != nil {
				return err
			}
			if u.p.Events != nil {
				return u.p.Events.FirmwareUpdateCompleted(tx, d, now, device.FailureUnexpected)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("record the interrupted update of %s: %w", f.DeviceKey, err)
		}
		u.p.Logger.Warn("a firmware update was interrupted when Earshot stopped; recorded as failed",
			"key", f.DeviceKey, "version", f.Version, "stagedFileKept", filepath.Base(f.Path))
	}
	return nil
}

// deviceFromRecord rebuilds the identity of a stored device for an event.
func deviceFromRecord(key string, r store.DeviceRecord) device.Device {
	d := device.Device{Info: device.Info{ID: r.ID, Kind: device.Kind(r.Kind), Name: r.Name, VendorID: r.VendorID,
		ProductID: r.ProductID, Variant: r.Variant, ESN: r.ESN, Firmware: r.Firmware,
		Connection: device.Connection(r.Connection), InstanceID: r.InstanceID}}
	if d.ESN == "" && r.ID == "" {
		d.ID = key
	}
	if r.BatteryLevel != nil {
		d.Battery = &device.Battery{Level: *r.BatteryLevel}
		if r.BatteryLow != nil {
			d.Battery.Low = *r.BatteryLow
		}
		if r.BatteryCharging != nil {
			d.Battery.Charging = *r.BatteryCharging
		}
	}
	return d
}

// Start records the updates a previous run left unfinished (Recover); the
// Core calls it before the first device event.
func (u *Updater) Start(ctx context.Context) error { return u.Recover(ctx) }

// HandleEvent tells the listeners when a device arrives, changes (its
// firmware version) or leaves.
func (u *Updater) HandleEvent(e device.Event) {
	switch e.Type {
	case device.Arrived, device.Changed, device.Removed:
		u.changed()
	}
}

// Stop does nothing: work in flight ends with the context it was given.
func (u *Updater) Stop() {}
