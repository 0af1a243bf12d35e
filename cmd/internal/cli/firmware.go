package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/app/management"
	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/catalog"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// deviceManagement is the firmware updater and, with
// DEVICEMANAGEMENTENDPOINT set, the poller of the device-management
// endpoint (docs/device-management.md, docs/firmware.md).
type deviceManagement struct {
	updater *firmware.Updater
	poller  *management.Poller // nil: device management is off

	mu     sync.Mutex
	notify func(firmware.Notice) // replaced by the GUI
}

// deviceManagementParams are what buildDeviceManagement wires together.
type deviceManagementParams struct {
	Manager  *device.Manager
	Store    *store.Store
	Clock    clock.Clock
	Settings *settings.Service
	Catalog  *catalog.Catalog
	Events   interface {
		firmware.Events
		management.Events
	} // nil: no analytics events
	// OneShot leaves the poller out: a command that owns the devices for a
	// moment must not start managed updates.
	OneShot bool
}

// buildDeviceManagement builds the updater (staging folder <data>/firmware)
// and, unless p.OneShot or the endpoint is empty, the poller.
func (e *env) buildDeviceManagement(p deviceManagementParams) (*deviceManagement, error) {
	dm := &deviceManagement{}
	dm.notify = func(n firmware.Notice) { logNotice(e.log, n) }
	var client *management.Client
	if ep := e.cfg.ManagementEndpoint; ep != "" {
		var err error
		client, err = management.NewClient(management.ClientParams{Endpoint: ep, Username: e.cfg.Username,
			Password: e.cfg.Password, Version: Version, HTTP: &http.Client{Transport: firmware.NewTransport()}})
		if err != nil {
			return nil, err
		}
	}
	var events firmware.Events
	if p.Events != nil {
		events = p.Events
	}
	dm.updater = firmware.NewUpdater(firmware.UpdaterParams{
		Devices: p.Manager,
		Store:   p.Store,
		Stager: firmware.NewStager(firmware.StagerParams{Fs: e.fs, Dir: filepath.Join(e.o.data, "firmware"),
			Clock: p.Clock, Logger: e.log}),
		Events:    events,
		Catalog:   firmware.CatalogReleases{Catalog: p.Catalog},
		Clock:     p.Clock,
		Logger:    e.log,
		Notify:    func(n firmware.Notice) { dm.notice(n) },
		UserAgent: func(d device.Device) string { return management.UserAgent(d, Version) },
		Credentials: func(u string) (string, string) {
			// The credentials go only to the endpoint's own host: an
			// absolute downloadUrl elsewhere (a CDN) does not get them.
			if client != nil && client.SameOrigin(u) {
				return client.Credentials()
			}
			return "", ""
		},
		Files:    e.fs,
		Endpoint: e.cfg.ManagementEndpoint,
	})
	if client == nil || p.OneShot {
		return dm, nil
	}
	var mgmtEvents management.Events
	if p.Events != nil {
		mgmtEvents = p.Events
	}
	applier := management.NewApplier(management.ApplierParams{Settings: p.Settings, Firmware: dm.updater, Store: p.Store,
		Events: mgmtEvents, Endpoint: e.cfg.ManagementEndpoint, Clock: p.Clock, Logger: e.log})
	dm.poller = management.NewPoller(management.PollerParams{Fetcher: client, Applier: applier, Devices: p.Manager,
		Clock: p.Clock, Logger: e.log, Interval: time.Duration(e.cfg.CheckForUpdatesMinutes) * time.Minute})
	e.log.Info("device management on", "endpoint", config.Redact(e.cfg.ManagementEndpoint),
		"backend", e.cfg.BackendType, "intervalMinutes", e.cfg.CheckForUpdatesMinutes, "basicAuth", e.cfg.Username != "")
	return dm, nil
}

// services are the core services of device management, in order.
func (dm *deviceManagement) services() []app.Service {
	s := []app.Service{dm.updater}
	if dm.poller != nil {
		s = append(s, dm.poller)
	}
	return s
}

// busy tells whether device-management or firmware work is in flight.
func (dm *deviceManagement) busy() bool {
	return dm.updater.Busy() || (dm.poller != nil && dm.poller.Busy())
}

// setNotify routes firmware notices to fn (the GUI's notifications).
func (dm *deviceManagement) setNotify(fn func(firmware.Notice)) {
	dm.mu.Lock()
	dm.notify = fn
	dm.mu.Unlock()
}

func (dm *deviceManagement) notice(n firmware.Notice) {
	dm.mu.Lock()
	fn := dm.notify
	dm.mu.Unlock()
	fn(n)
}

// logNotice is how a headless Earshot tells about firmware updates.
func logNotice(log *slog.Logger, n firmware.Notice) {
	switch n.Kind {
	case firmware.NoticeStarting:
		log.Warn("firmware update starting by itself: keep the device connected", "device", n.DeviceName,
			"version", n.Version)
	case firmware.NoticeSucceeded:
		log.Info("firmware update done", "device", n.DeviceName, "version", n.Version)
	default:
		log.Warn("firmware update failed", "device", n.DeviceName, "version", n.Version, "failure", string(n.Failure))
	}
}

// firmwareTimeout bounds `earshot firmware stage|apply`: downloads and
// updates take minutes, not hours.
const firmwareTimeout = 30 * time.Minute

// runFirmware is `earshot firmware stage DEVICE URL|FILE` and `earshot
// firmware apply DEVICE` (docs/command-line.md): through the running owner, or, when
// none runs, owning the devices for as long as the job takes.
func runFirmware(e *env, args []string) error {
	if len(args) == 0 {
		return misuse{e.t.T("cli.firmware.usage")}
	}
	sub, rest := args[0], args[1:]
	switch {
	case sub == "stage" && len(rest) == 2, sub == "apply" && len(rest) == 1:
	default:
		return misuse{e.t.T("cli.firmware.usage")}
	}
	source := ""
	if sub == "stage" {
		source = rest[1]
		if !strings.Contains(source, "://") {
			abs, err := filepath.Abs(source)
			if err != nil {
				return err
			}
			source = abs // the owner's working folder is not ours
		}
	}
	if err := e.knownDevice(rest[0]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, firmwareTimeout)
	defer cancel()

	var (
		status func(id string) (firmware.Status, error)
		stage  func(id string) error
		apply  func(id string) (firmware.Outcome, error)
		devs   []app.DeviceSummary
		// ownerRef names the device to the owner: its ESN, else its name.
		ownerRef string
	)
	c, err := e.dialOwner(ctx)
	if err != nil {
		return err
	}
	if c != nil {
		// An owner that has just started may not have its devices yet.
		for deadline := time.Now().Add(e.attachWait()); ; time.Sleep(50 * time.Millisecond) {
			if devs, err = c.Devices(ctx); err != nil {
				return err
			}
			if _, err := app.FindDevice(devs, rest[0]); err == nil || time.Now().After(deadline) {
				break
			}
		}
		// The owner resolves the device again: IDs stay in the owner.
		status = func(string) (firmware.Status, error) { return c.FirmwareStatus(ctx, ownerRef) }
		stage = func(string) error { _, err := c.StageFirmware(ctx, ownerRef, source); return err }
		apply = func(string) (firmware.Outcome, error) { return c.ApplyFirmware(ctx, ownerRef) }
	} else {
		e.oneShot = true
		ow, err := e.becomeOwner()
		if err != nil {
			return err
		}
		runCtx, stopOwner := context.WithCancel(ctx)
		done := ow.start(runCtx, e.log)
		defer func() { stopOwner(); <-done }()
		devs = waitForDevices(runCtx, ow.core, rest[0], e.attachWait())
		u := ow.dm.updater
		status = func(id string) (firmware.Status, error) {
			st, ok := u.Status(id)
			if !ok {
				return st, fmt.Errorf("device %q is not attached: %w", id, device.ErrDeviceLost)
			}
			return st, nil
		}
		stage = func(id string) error { return u.Stage(ctx, id, source) }
		apply = func(id string) (firmware.Outcome, error) { return u.Apply(ctx, id) }
	}
	d, err := app.FindDevice(devs, rest[0])
	if err != nil {
		return err
	}
	ownerRef = cmp.Or(d.ESN, d.DeviceName)
	switch sub {
	case "stage":
		if err := stage(d.ID); err != nil {
			return errors.New(e.t.T("cli.firmware.stageFailed", "Name", d.DeviceName, "Err", err.Error()))
		}
		st, err := status(d.ID)
		if err != nil {
			return err
		}
		if e.o.json {
			return writeJSON(e, st)
		}
		if st.Staged != nil {
			fmt.Fprintln(e.stdout, e.t.T("cli.firmware.staged", "File", st.Staged.File, "Name", d.DeviceName,
				"Version", st.Staged.Version, "SHA", st.Staged.SHA256))
		}
		fmt.Fprintln(e.stdout, e.t.T("cli.firmware.applyHint", "Device", deviceRef(d)))
		return nil
	default:
		out, err := apply(d.ID)
		if err != nil {
			return errors.New(e.t.T("cli.firmware.applyFailed", "Name", d.DeviceName, "Err", err.Error()))
		}
		if e.o.json {
			if err := writeJSON(e, out); err != nil {
				return err
			}
		} else if out.Status == firmware.StatusSuccess {
			fmt.Fprintln(e.stdout, e.t.T("cli.firmware.updated", "Name", d.DeviceName, "Version", out.To))
		}
		if out.Status != firmware.StatusSuccess {
			return errors.New(e.t.T("cli.firmware.updateFailed", "Name", d.DeviceName, "Failure", string(out.Failure)))
		}
		return nil
	}
}

// deviceRef is how a command names d: its ESN, else its name.
func deviceRef(d app.DeviceSummary) string {
	if d.ESN != "" {
		return d.ESN
	}
	return fmt.Sprintf("%q", d.DeviceName)
}

// knownDevice fails at once when the scenario played has no device ref
// names, rather than waiting for it to be attached.
func (e *env) knownDevice(ref string) error {
	if e.scenario == nil {
		return nil
	}
	for _, d := range e.scenario.Devices() {
		if strings.EqualFold(d.ESN, ref) || (ref != "" && strings.HasPrefix(strings.ToLower(d.Name), strings.ToLower(ref))) {
			return nil
		}
	}
	_, err := app.FindDevice(nil, ref) // says no device has the name
	return err
}

// attachWait is how long a command waits for the device it names to be
// attached: a scenario's device (knownDevice found it) may be a moment
// away; hardware drivers report the devices present at start right away,
// so a name none of them has fails within half a second.
func (e *env) attachWait() time.Duration {
	if e.scenario != nil {
		return 5 * time.Second
	}
	return 300 * time.Millisecond
}

// waitForDevices returns the attached devices once ref names one of them,
// or after wait.
func waitForDevices(ctx context.Context, core *app.Core, ref string, wait time.Duration) []app.DeviceSummary {
	changed := make(chan struct{}, 1)
	cancel := core.Subscribe(func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	defer cancel()
	deadline := time.After(wait)
	for {
		devs := core.Devices()
		if _, err := app.FindDevice(devs, ref); err == nil {
			return devs
		}
		select {
		case <-changed:
		case <-deadline:
			return devs
		case <-ctx.Done():
			return devs
		}
	}
}

// waitSettled waits until the core has handled every event published so
// far and no device-management or firmware work is in flight (docs/simulator.md,
// --exit-when-done), or until ctx is done.
func (ow *Owner) waitSettled(ctx context.Context) {
	for !(ow.core.CaughtUp() && !ow.dm.busy()) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}
