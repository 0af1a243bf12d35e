package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/calls"
	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/app/localapi"
	"github.com/earshot-app/earshot/app/logfile"
	"github.com/earshot-app/earshot/app/management"
	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/catalog"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hidhost"
	"github.com/earshot-app/earshot/device/micuse"
	"github.com/earshot-app/earshot/device/sim"
	"github.com/earshot-app/earshot/store"
	"github.com/earshot-app/earshot/translations"
)

// env is what every mode and subcommand is given: options, configuration,
// translator, logger, and the simulated devices when asked for.
type env struct {
	o              options
	cfg            config.Config
	paths          config.Paths       // the configuration files read
	secrets        config.SecretStore // where PASSWORD is kept encrypted
	t              *translations.Translator
	log            *slog.Logger
	logFile        *logfile.File // nil when the command keeps no log
	stdout, stderr io.Writer
	fs             afero.Fs
	scenario       *sim.Scenario    // nil: real hardware
	source         string           // "demo", "sim:<path>" or "hardware"
	cat            *catalog.Catalog // loaded on first use (loadCatalog)
	// oneShot: a subcommand owns the devices only for its job, so device
	// management does not poll (firmware stage|apply without an owner).
	oneShot bool
	closers []io.Closer // closed by close (the HID trace file)
}

func newEnv(o options, use dataUse, password bool, stdout, stderr io.Writer, environ []string, t *translations.Translator) (*env, error) {
	e := &env{o: o, t: t, stdout: stdout, stderr: stderr, fs: afero.NewOsFs(), source: "hardware"}
	if e.o.hidTrace == "" {
		for _, kv := range environ {
			if v, ok := strings.CutPrefix(kv, hidTraceEnv+"="); ok {
				e.o.hidTrace = v
			}
		}
	}
	if o.configFile != "" {
		// A file named on the command line must be there: a typo would
		// otherwise run with the defaults, silently.
		if _, err := os.Stat(o.configFile); err != nil {
			return nil, errors.New(t.T("cli.configMissing", "File", o.configFile, "Err", unwrapPath(err)))
		}
	}
	var lf io.Writer = io.Discard
	_, statErr := os.Stat(o.data)
	switch {
	case statErr != nil && use == dataRead:
		// Reading a folder that is not there must not make one: say so.
		return nil, errors.New(t.T("cli.noSuchDataDir", "Dir", o.data))
	case statErr != nil && use == dataNone:
		// Nothing to read and nothing to keep: log nowhere.
	default:
		if err := os.MkdirAll(o.data, 0o700); err != nil {
			return nil, errors.New(t.T("cli.dataDir", "Dir", o.data, "Err", err))
		}
		// Opened on the first line logged: most commands log nothing, and
		// an owner opens it at once (becomeOwner).
		e.logFile = logfile.Lazy(filepath.Join(o.data, "logs", "earshot.log"), 5<<20, 3)
		lf = e.logFile
	}
	level := slog.LevelInfo
	var w io.Writer = lf
	if o.verbose {
		level = slog.LevelDebug
		// Each on its own: a log file on a full disk must not silence stderr.
		w = logfile.Tee(lf, stderr)
	}
	e.log = slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))

	cfg, problems, paths, secrets := loadConfig(e.fs, o, environ, password)
	e.paths, e.secrets = paths, secrets
	for _, p := range problems {
		e.log.Warn("configuration", "problem", p.String())
		fmt.Fprintln(stderr, "earshot: "+t.T("cli.warning")+": "+p.String())
	}
	// BACKENDTYPE=Ovoc: OVOC needs only the management endpoint, so device
	// events are posted to it too (management.AnalyticsEndpoints).
	cfg.AnalyticsEndpoints = management.AnalyticsEndpoints(cfg)
	e.cfg = cfg
	if cfg.Language != "" && cfg.Language != t.Language() {
		e.t = translations.New(cfg.Language)
	}

	var err error
	switch {
	case o.demo:
		e.source = "demo"
		e.scenario, err = sim.ParseScenario(assets.DemoScenario())
		if err != nil {
			return nil, fmt.Errorf("embedded demo: %w", err)
		}
	case o.simFile != "":
		e.source = "sim:" + o.simFile
		if abs, err := filepath.Abs(o.simFile); err == nil {
			e.source = "sim:" + abs
		}
		raw, err := afero.ReadFile(e.fs, o.simFile)
		if err != nil {
			return nil, errors.New(t.T("cli.readScenario", "File", o.simFile, "Err", err))
		}
		if e.scenario, err = sim.ParseScenario(raw); err != nil {
			return nil, fmt.Errorf("%s: %w", o.simFile, err)
		}
	}
	return e, nil
}

func (e *env) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		_ = e.closers[i].Close()
	}
	if e.logFile != nil {
		_ = e.logFile.Close()
	}
}

// unwrapPath drops the operation and path of an *os.PathError: the message
// names the file already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (e *env) dbPath() string { return filepath.Join(e.o.data, "earshot.db") }

// openStore opens the database, turning a held lock into the one sentence a
// person needs.
func (e *env) openStore(timeout time.Duration) (*store.Store, error) {
	return e.openStoreWith(store.Options{Timeout: timeout, Logger: e.log})
}

// openStoreWith is openStore with options; a damaged file is one sentence
// pointing at `earshot db repair`.
func (e *env) openStoreWith(o store.Options) (*store.Store, error) {
	st, err := store.Open(e.dbPath(), o)
	if errors.Is(err, store.ErrDamaged) {
		return nil, errors.New(e.t.T("cli.db.damagedOpen", "File", e.dbPath(), "Err", err))
	}
	if errors.Is(err, store.ErrLocked) {
		return nil, errors.New(e.t.T("cli.anotherRunning", "Dir", e.o.data))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.t.T("cli.openStore"), err)
	}
	return st, nil
}

// owner is the process that owns the devices and the database (docs/ARCHITECTURE.md).
type Owner struct {
	core     *app.Core
	calls    *calls.Service
	settings *settings.Service
	store    *store.Store
	sim      *sim.Driver   // nil: real hardware
	hid      *hidhost.Host // the HID host on real hardware; nil with a scenario
	api      *localapi.Server
	clock    clock.Clock
	status   localapi.Status
	dm       *deviceManagement // firmware updates and the device-management poller
	// analytics: the events of docs/analytics.md and the outbox uploader (outbox.go).
	analytics *analyticsOwner
	// presence: the resolved state, the lights that show it and the
	// local presence API (presence.go).
	presence *presenceOwner
}

// becomeOwner opens the database (failing when another owner holds it), builds
// the drivers and the core, and listens on the local API socket. Start runs it.
func (e *env) becomeOwner() (*Owner, error) {
	if err := e.checkDataFolder(); err != nil {
		return nil, err
	}
	// An owner logs all day: a log it cannot open is said at start.
	if e.logFile != nil {
		if err := e.logFile.Ready(); err != nil {
			return nil, errors.New(e.t.T("cli.logFile", "Dir", e.o.data, "Err", err))
		}
	}
	// The owner repairs a damaged database by itself, keeping the damaged
	// file beside it, rather than failing on every start (issue 9); the
	// Outbox page shows the repair (store.Health), stderr and the log say it.
	st, err := e.openStoreWith(store.Options{Timeout: time.Second, Logger: e.log, AutoRepair: true,
		OnRepair: func(r store.RepairReport) {
			fmt.Fprintln(e.stderr, "earshot: "+e.t.T("cli.db.repairedNotice", "Kept", r.Kept,
				"Lost", r.LostCount(), "Path", r.DamagedPath))
		}})
	if err != nil {
		return nil, err
	}
	if e.o.demo {
		// The demo starts lived-in: two weeks of calls, once per folder.
		if seeded, err := calls.SeedDemoHistoryOnce(st, e.o.data, time.Now()); err != nil {
			e.log.Warn("seed the demo's call history", "err", err)
		} else if seeded {
			e.log.Info("demo call history written", "days", calls.DemoHistoryDays)
		}
	}
	var clk clock.Clock = clock.Real{}
	var drivers []device.Driver
	ow := &Owner{store: st}
	if e.scenario != nil {
		clk = clock.NewScaled(clock.Real{}, time.Now(), e.scenario.Speed())
		ow.sim = sim.New(e.scenario, clk)
		// Scripted HID devices play through the real HID host and protocols.
		ow.sim.Protocols = e.hidProtocols(nil, clk)
		if ow.sim.WrapBus, err = e.hidWrap(clk); err != nil {
			st.Close()
			return nil, err
		}
		drivers = append(drivers, ow.sim)
	} else {
		if ow.hid, err = e.hidHost(clk, micuse.Default(e.log)); err != nil {
			st.Close()
			return nil, err
		}
		drivers = append(drivers, ow.hid)
	}
	ow.clock = clk
	if ow.analytics, err = e.buildAnalytics(st, clk); err != nil {
		st.Close()
		return nil, err
	}
	mgr := device.NewManager(device.ManagerParams{Drivers: drivers, Logger: e.log})
	ow.calls = calls.NewService(calls.ServiceParams{Store: st, Clock: clk, Logger: e.log,
		Retention: time.Duration(e.cfg.CallHistoryRetentionDays) * 24 * time.Hour,
		Report:    calls.AnalyticsReport(ow.analytics.reporter)})
	ow.settings = settings.New(settings.Params{Catalog: e.loadCatalog(), Devices: mgr, Store: st, Clock: clk, Logger: e.log})
	ow.dm, err = e.buildDeviceManagement(deviceManagementParams{Manager: mgr, Store: st, Clock: clk,
		Settings: ow.settings, Catalog: ow.settings.Catalog(), OneShot: e.oneShot, Events: ow.analytics.reporter})
	if err != nil {
		st.Close()
		return nil, err
	}
	ow.presence = e.buildPresence(mgr, clk)
	if ow.sim != nil {
		svc := ow.presence.service
		ow.sim.OnPresence = func(application, event string) { _, _ = svc.Post(application, event) }
	}
	ow.core = app.NewCore(app.CoreParams{Manager: mgr, Store: st, Clock: clk, Logger: e.log,
		Services: append([]app.Service{ow.analytics.service, ow.calls, ow.presence.service}, ow.dm.services()...)})
	ow.status = localapi.Status{Version: Version, PID: os.Getpid(), Source: e.source}
	ow.api, err = localapi.Listen(localapi.SocketPath(e.o.data), ow.core, ow.status, e.log)
	if err != nil {
		st.Close()
		return nil, err
	}
	ow.api.ServeCalls(ow.calls)
	ow.api.ServeSettings(ow.settings, ow.core)
	ow.api.ServeFirmware(ow.dm.updater, ow.core)
	ow.api.ServeOutbox(ow.analytics.uploader)
	ow.api.ServePresence(ow.presence.service, ow.presence.runner, mgr, ow.core)
	e.log.Info("started", "version", Version, "source", e.source, "data", e.o.data)
	return ow, nil
}

// checkDataFolder refuses to own a data folder that other users can
// write to or that is not the user's: another user could replace the
// socket and feed the command line fake devices.
func (e *env) checkDataFolder() error {
	err := localapi.CheckDataFolder(e.o.data)
	var unsafe *localapi.UnsafeFolderError
	switch {
	case errors.As(err, &unsafe) && unsafe.Owner != unsafe.User:
		return errors.New(e.t.T("cli.dataFolder.notOwned", "Dir", unsafe.Dir, "Owner", unsafe.Owner, "User", unsafe.User))
	case errors.As(err, &unsafe):
		return errors.New(e.t.T("cli.dataFolder.writable", "Dir", unsafe.Dir, "Mode", fmt.Sprintf("%04o", unsafe.Mode.Perm())))
	}
	return err
}

// start runs the core, the local API and the analytics uploader until ctx is
// done; the returned channel closes when all have stopped and the store is
// closed.
func (ow *Owner) start(ctx context.Context, log *slog.Logger) <-chan struct{} {
	done := make(chan struct{})
	apiDone := make(chan struct{})
	go func() { ow.api.Serve(ctx); close(apiDone) }()
	uploaderDone := ow.analytics.start(ctx)
	ow.presence.runner.Start(ctx)
	go func() {
		defer close(done)
		if err := ow.core.Run(ctx); err != nil {
			log.Error("core stopped", "err", err)
		}
		<-apiDone
		<-uploaderDone
		ow.presence.runner.Stop()
		if err := ow.store.Close(); err != nil {
			log.Error("close store", "err", err)
		}
	}()
	return done
}
