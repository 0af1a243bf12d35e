package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/busylight"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hidhost"
	"github.com/earshot-app/earshot/device/hidtel"
	"github.com/earshot-app/earshot/device/jabra"
	"github.com/earshot-app/earshot/device/micuse"
	"github.com/earshot-app/earshot/device/sim"
)

// hidSettle bounds how long a one-shot command waits for the HID drivers
// to read the interfaces present (`earshot devices`, `earshot hid list`).
const hidSettle = 10 * time.Second

// hidProtocols are the HID protocol drivers, strongest claim first; the
// busylight driver joins them here. mic is the
// microphone-in-use signal (nil for scripted devices and one-shot lists).
func (e *env) hidProtocols(mic micuse.Source, clk clock.Clock) []hid.Protocol {
	return []hid.Protocol{
		busylight.New(clk), // claims its lights by vendor and product id, above any usage-page claim
		jabra.New(jabra.Options{Clock: clk}),
		hidtel.New(hidtel.Options{LEDs: e.cfg.HIDTelLEDs, Mic: mic, Clock: clk}),
	}
}

// hidTraceEnv names the environment variable of --hid-trace.
const hidTraceEnv = "EARSHOT_HIDTRACE"

// hidWrap returns the wrapper that writes the HID trace (--hid-trace FILE,
// EARSHOT_HIDTRACE), or nil when none is asked for. The file is appended to
// and closed with the env.
func (e *env) hidWrap(clk clock.Clock) (func(hid.Bus) hid.Bus, error) {
	if e.o.hidTrace == "" {
		return nil, nil
	}
	f, err := e.fs.OpenFile(e.o.hidTrace, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, errors.New(e.t.T("cli.hidTrace.open", "File", e.o.hidTrace, "Err", err))
	}
	e.closers = append(e.closers, f)
	return func(b hid.Bus) hid.Bus {
		tr := hid.NewTrace(b, f, clk.Now)
		// Closed before the file (closers close last first): the trace
		// writes what it still holds.
		e.closers = append(e.closers, closerFunc(func() error {
			if err := tr.Close(); err != nil {
				e.log.Error("hid trace incomplete", "file", e.o.hidTrace, "err", err)
			}
			return nil
		}))
		return tr
	}, nil
}

// hidHost builds the HID host on the system's bus for the owner.
func (e *env) hidHost(clk clock.Clock, mic micuse.Source) (*hidhost.Host, error) {
	wrap, err := e.hidWrap(clk)
	if err != nil {
		return nil, err
	}
	bus := hid.System()
	if wrap != nil {
		bus = wrap(bus)
	}
	return hidhost.New(hidhost.Params{Bus: bus, Protocols: e.hidProtocols(mic, clk), Clock: clk, Logger: e.log}), nil
}

// hidOnce runs the HID host on the system's bus until it has read the
// interfaces present (bounded by hidSettle) and returns the devices and
// the interfaces it found: the one-shot `earshot devices` and `earshot hid
// list` without an owner.
func (e *env) hidOnce(ctx context.Context) ([]device.Device, []hidhost.Interface, error) {
	if e.scenario != nil {
		if !e.scenario.HasHID() {
			return e.scenario.AtZero(), nil, nil
		}
		devs, ifaces, err := sim.PlayAtZero(ctx, e.scenario, e.hidProtocols(nil, nil), hidSettle, e.log)
		if err != nil {
			e.log.Warn("hid: listing the scripted devices", "err", err)
		}
		return devs, ifaces, nil
	}
	host, err := e.hidHost(clock.Real{}, nil)
	if err != nil {
		return nil, nil, err
	}
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{host}, Logger: e.log})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = mgr.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	wait, stop := context.WithTimeout(ctx, hidSettle)
	defer stop()
	if err := host.Settled(wait); err != nil {
		e.log.Warn("hid: the drivers did not finish reading every interface in time", "err", err)
	}
	return mgr.Devices(), host.List(), nil
}

// runUdevRules is `earshot udev-rules`: the rules that let the user at the
// seat use the hidraw nodes of the devices Earshot drives.
func runUdevRules(e *env, args []string) error {
	if err := e.noArgs(args); err != nil {
		return err
	}
	_, err := fmt.Fprint(e.stdout, hid.UdevRules(hid.UdevVendors))
	return err
}

// runHID is `earshot hid list [--json]` and `earshot hid record DEVICE
// [--seconds N] --out FILE`.
func runHID(e *env, args []string) error {
	if len(args) == 0 {
		return misuse{e.t.T("cli.hid.usage")}
	}
	switch args[0] {
	case "list":
		if err := e.noArgs(args[1:]); err != nil {
			return err
		}
		return runHIDList(e)
	case "record":
		if len(args) != 2 {
			return misuse{e.t.T("cli.hid.usage")}
		}
		return runHIDRecord(e, args[1])
	}
	return misuse{e.t.T("cli.hid.usage")}
}

// hidInterfaceJSON is one line of `earshot hid list --json`.
type hidInterfaceJSON struct {
	Path         string
	VendorId     string //nolint:revive // the JSON names of the other commands
	ProductId    string //nolint:revive
	Product      string
	Manufacturer string
	Serial       string
	Interface    int
	UsagePage    string
	Usage        string
	Driver       string // the protocol that drives it; "other" when listed as an other device; "" when neither
	Openable     bool
	Reason       string // why it is not driven or not openable, for support
	Hint         string // what to do, in the user's language, when it cannot be opened
}

func runHIDList(e *env) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*hidSettle)
	defer cancel()
	_, ifaces, err := e.hidOnce(ctx)
	if err != nil {
		return err
	}
	return printHIDList(e, ifaces)
}

// printHIDList prints the interfaces as a table (or JSON), followed by what
// to do about each one Earshot may not open.
func printHIDList(e *env, ifaces []hidhost.Interface) error {
	rows := make([]hidInterfaceJSON, 0, len(ifaces))
	for _, it := range ifaces {
		in := it.Info
		r := hidInterfaceJSON{Path: in.Path, VendorId: fmt.Sprintf("%04X", in.VendorID), ProductId: fmt.Sprintf("%04X", in.ProductID),
			Product: in.Product, Manufacturer: in.Manufacturer, Serial: in.Serial, Interface: in.Interface,
			UsagePage: fmt.Sprintf("%04X", in.UsagePage), Usage: fmt.Sprintf("%04X", in.Usage),
			Driver: it.Protocol, Openable: it.Openable, Reason: it.Reason}
		if r.Driver == "" && it.Listed {
			r.Driver = "other"
		}
		if it.Hint != nil {
			r.Hint = e.t.T(it.Hint.Key, it.Hint.Args...)
		}
		rows = append(rows, r)
	}
	if e.o.json {
		return writeJSON(e, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.stdout, e.t.T("cli.hid.none"))
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{e.t.T("cli.hid.col.path"), e.t.T("cli.col.ids"), e.t.T("cli.hid.col.product"),
		e.t.T("cli.hid.col.interface"), e.t.T("cli.hid.col.usage"), e.t.T("cli.hid.col.driver"), e.t.T("cli.hid.col.open")}, "\t"))
	var hints []string
	for _, r := range rows {
		driver := r.Driver
		switch driver {
		case "":
			driver = "—"
		case "other":
			driver = e.t.T("cli.hid.otherDevice")
		}
		open := e.t.T("cli.hid.yes")
		if !r.Openable {
			open = e.t.T("cli.hid.no")
			if r.Hint != "" {
				hints = append(hints, r.Hint)
			}
		}
		fmt.Fprintln(tw, strings.Join([]string{r.Path, r.VendorId + ":" + r.ProductId, dash(r.Product),
			strconv.Itoa(r.Interface), r.UsagePage + ":" + r.Usage, driver, open}, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, h := range hints {
		fmt.Fprintln(e.stdout, h)
	}
	return nil
}

// maxRecordSeconds bounds `hid record --seconds`.
const maxRecordSeconds = 3600

func runHIDRecord(e *env, name string) error {
	if e.o.out == "" {
		return misuse{e.t.T("cli.hid.record.needsOut")}
	}
	if e.o.seconds < 1 || e.o.seconds > maxRecordSeconds {
		return misuse{e.t.T("cli.hid.record.badSeconds", "Value", e.o.seconds, "Max", maxRecordSeconds)}
	}
	if e.scenario != nil {
		return misuse{e.t.T("cli.hid.record.noSim")}
	}
	wrap, err := e.hidWrap(clock.Real{})
	if err != nil {
		return err
	}
	bus := hid.System()
	if wrap != nil {
		bus = wrap(bus)
	}
	infos, err := bus.Enumerate()
	if err != nil {
		return fmt.Errorf("%s: %w", e.t.T("cli.hid.record.enumerate"), err)
	}
	path, err := findInterface(e, infos, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, e.t.T("cli.hid.record.recording", "Path", path, "Seconds", e.o.seconds))
	rec, err := hidhost.Record(context.Background(), bus, path, time.Duration(e.o.seconds)*time.Second, clock.Real{})
	if errors.Is(err, hid.ErrPermission) {
		for _, in := range infos {
			if in.Path == path {
				h := hid.PermissionHint(in)
				return errors.New(e.t.T(h.Key, h.Args...))
			}
		}
	}
	if err != nil {
		return err
	}
	if err := afero.WriteFile(e.fs, e.o.out, rec.Scenario(), 0o644); err != nil {
		return err
	}
	abs, _ := filepath.Abs(e.o.out)
	fmt.Fprintln(e.stdout, e.t.T("cli.hid.record.done", "Count", len(rec.Reports), "Path", path, "File", abs))
	return nil
}

// findInterface resolves DEVICE: an interface path, or vvvv:pppp when it
// names one interface.
func findInterface(e *env, infos []hid.Info, name string) (string, error) {
	var paths []string
	for _, in := range infos {
		ids := fmt.Sprintf("%04x:%04x", in.VendorID, in.ProductID)
		if in.Path == name {
			return name, nil
		}
		if strings.EqualFold(ids, name) {
			paths = append(paths, in.Path)
		}
	}
	switch len(paths) {
	case 0:
		return "", errors.New(e.t.T("cli.hid.record.notFound", "Device", name))
	case 1:
		return paths[0], nil
	}
	return "", errors.New(e.t.T("cli.hid.record.ambiguous", "Device", name, "Paths", strings.Join(paths, ", ")))
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }
