package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/app/localapi"
)

// runService is `earshot service`: the same core as the GUI, headless.
func runService(e *env, args []string) error {
	if err := e.noArgs(args); err != nil {
		return err
	}
	if e.o.exitWhenDone && e.scenario != nil && e.scenario.Loops() {
		return misuse{e.t.T("cli.service.neverEnds")}
	}
	ow, err := e.becomeOwner()
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "earshot: "+e.t.T("cli.service.started", "Dir", e.o.data, "Devices", e.drivesText(),
		"Endpoints", e.endpointsText()))
	defer fmt.Fprintln(e.stderr, "earshot: "+e.t.T("cli.service.stopped"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := ow.start(ctx, e.log)
	go settleMemory(ctx)
	// The pass's result comes over a channel: the owner stopping after the
	// pass's cancel does not order the write before the read for the race
	// detector.
	result := make(chan error, 1)
	if e.o.exitWhenDone {
		go func() {
			err := ow.onePass(ctx, e)
			result <- err
			cancel()
		}()
	} else {
		result <- nil
	}
	<-done
	e.log.Info("stopped")
	select {
	case err := <-result:
		return err
	default:
		return nil // stopped by a signal before the pass ended
	}
}

// settleMemory keeps the all-day service small: once start-up's garbage
// (catalog, scenario, first device reads) is collected, the freed pages go
// back to the OS instead of waiting for the scavenger, and the program
// pages start-up ran leave the resident set (releaseProgramPages). Go's
// default GC target stays: the idle service allocates next to nothing, so
// its heap stays at what start-up left, and a tighter target only made
// the owner collect several times as often while it streams a long call
// history (about a quarter of its CPU time on `calls --json`).
func settleMemory(ctx context.Context) {
	select {
	case <-time.After(5 * time.Second):
		debug.FreeOSMemory()
		releaseProgramPages()
	case <-ctx.Done():
	}
}

// onePass is `service --exit-when-done`: it waits until the scenario (if
// any) has played, the devices present have been handled (device
// management and firmware included), and the outbox is drained or parked.
// An endpoint that does not take the queued events within --wait ends the
// pass with an error naming it and what stays queued for the next start; a
// signal ends it quietly.
func (ow *Owner) onePass(ctx context.Context, e *env) error {
	if ow.sim != nil {
		select {
		case <-ow.sim.Done():
		case <-ctx.Done():
			return nil
		}
	}
	ow.waitSettled(ctx)
	wctx, cancel := context.WithTimeout(ctx, e.o.drainWait)
	defer cancel()
	ow.analytics.waitDrained(wctx, ow.core)
	if ctx.Err() != nil {
		return nil
	}
	if ok, err := ow.analytics.uploader.Drained(); err != nil {
		return err
	} else if !ok {
		return ow.analytics.undrained(e, e.o.drainWait)
	}
	e.log.Info("one pass done; exiting as asked")
	return nil
}

// drivesText says what the service drives: the demo, a scenario file, or
// the hardware.
func (e *env) drivesText() string {
	switch {
	case e.o.demo:
		return e.t.T("cli.service.demo")
	case e.o.simFile != "":
		return e.t.T("cli.service.sim", "File", e.o.simFile)
	}
	return e.t.T("cli.service.hardware")
}

// endpointsText says which endpoints are on, without their secrets.
func (e *env) endpointsText() string {
	var on []string
	if n := len(e.cfg.AnalyticsEndpoints); n > 0 {
		on = append(on, e.t.N("cli.service.analytics", n, "Count", n))
	}
	if e.cfg.ManagementEndpoint != "" {
		on = append(on, e.t.T("cli.service.management", "URL", config.Redact(e.cfg.ManagementEndpoint)))
	}
	if len(on) == 0 {
		return e.t.T("cli.service.noEndpoints")
	}
	return strings.Join(on, ", ")
}

// runDevices is `earshot devices`: the owner's devices, or, when no owner
// runs, the devices this process finds itself (a scenario at its time zero).
func runDevices(e *env, args []string) error {
	if err := e.noArgs(args); err != nil {
		return err
	}
	devs, err := e.devices()
	if err != nil {
		return err
	}
	if e.o.json {
		if devs == nil {
			devs = []app.DeviceSummary{}
		}
		// What writeJSON would print, without encoding/json's reflection.
		_, err := e.stdout.Write(app.AppendSummariesJSON(nil, devs))
		return err
	}
	if len(devs) == 0 {
		fmt.Fprintln(e.stdout, e.t.T("views.list.empty"))
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{
		e.t.T("cli.col.name"), e.t.T("cli.col.kind"), e.t.T("cli.col.connection"),
		e.t.T("cli.col.battery"), e.t.T("cli.col.firmware"), e.t.T("cli.col.esn"), e.t.T("cli.col.ids"),
	}, "\t"))
	for _, d := range devs {
		name := d.DeviceName
		if d.Parent != "" {
			name = "  " + name
		}
		conn := e.t.T("connection." + strings.ToLower(d.ConnectionType))
		if d.Parent != "" {
			conn = e.t.T("cli.via", "Connection", conn, "Parent", d.Parent)
		}
		fmt.Fprintln(tw, strings.Join([]string{
			name, e.t.T("kind." + d.Kind), conn, batteryText(e, d), dash(d.FirmwareVersion), dash(d.ESN),
			d.VendorID + ":" + d.ProductID,
		}, "\t"))
	}
	return tw.Flush()
}

func batteryText(e *env, d app.DeviceSummary) string {
	if d.BatteryLevel == nil {
		return "—"
	}
	s := strconv.Itoa(*d.BatteryLevel) + " %"
	if d.BatteryCharging != nil && *d.BatteryCharging {
		s += " " + e.t.T("cli.charging")
	} else if d.BatteryLow != nil && *d.BatteryLow {
		s += " " + e.t.T("cli.low")
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// devices asks the running owner, or opens the devices and the database itself.
func (e *env) devices() ([]app.DeviceSummary, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if c, err := e.dialOwner(ctx); err != nil {
		return nil, err
	} else if c != nil {
		return c.Devices(ctx)
	}
	// No owner: read the devices here. Real devices are held for the
	// length of the listing, through the database's lock, so that no owner
	// starts driving them meanwhile; a scenario's are this process's own.
	if e.scenario == nil {
		st, err := e.openStore(time.Second)
		if err != nil {
			return nil, err
		}
		defer st.Close()
	}
	// Scripted HID devices and real ones are read by the HID drivers, which
	// this waits for (bounded).
	devs, _, err := e.hidOnce(ctx)
	if err != nil {
		return nil, err
	}
	return app.Summaries(devs), nil
}

// dialOwner returns a client of the running owner, nil when none runs, and an
// error when the owner runs on other devices than this command asks for.
func (e *env) dialOwner(ctx context.Context) (*localapi.Client, error) {
	c, err := localapi.Dial(ctx, localapi.SocketPath(e.o.data))
	if errors.Is(err, localapi.ErrNoOwner) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	st, err := c.Status(ctx)
	if err != nil {
		return nil, err
	}
	// A command that names no devices of its own asks whoever owns the folder.
	if e.source != "hardware" && st.Source != e.source {
		return nil, errors.New(e.t.T("cli.ownerOtherSource", "Dir", e.o.data, "Source", st.Source, "PID", st.PID))
	}
	return c, nil
}

// runVersion is `earshot version`.
func runVersion(e *env, args []string) error {
	if err := e.noArgs(args); err != nil {
		return err
	}
	if e.o.json {
		return writeJSON(e, map[string]string{
			"Version": Version, "Commit": Commit, "BuildDate": BuildDate,
			"GoVersion": runtime.Version(), "OS": runtime.GOOS, "Arch": runtime.GOARCH,
		})
	}
	fmt.Fprintf(e.stdout, "earshot %s (commit %s, built %s, %s, %s/%s)\n",
		Version, Commit, BuildDate, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// noArgs is misuse when a command that takes no arguments got some.
func (e *env) noArgs(args []string) error {
	if len(args) > 0 {
		return misuse{e.t.T("cli.extraArgs", "Args", strings.Join(args, " "))}
	}
	return nil
}

func writeJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
