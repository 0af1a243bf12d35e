package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/localapi"
	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/catalog"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/sim"
)

// settingsAPI is what the settings subcommands need: the running owner's
// settings over the local API, or this process's own.
type settingsAPI interface {
	// Target is how the API names the device d.
	Target(d app.DeviceSummary) string
	Form(ctx context.Context, id string) (settings.Form, error)
	Apply(ctx context.Context, id string, values map[string]string, o settings.ApplyOptions) (settings.ApplyResult, error)
	Import(ctx context.Context, id string, data []byte) (settings.ImportResult, error)
	Export(ctx context.Context, id string) (settings.ManagementConfig, error)
	History(ctx context.Context, id string, limit int) ([]settings.HistoryEntry, error)
}

// ownerSettings asks the running owner.
type ownerSettings struct{ c *localapi.Client }

// Target names d by its ESN, else its whole name: IDs stay in the owner.
func (o ownerSettings) Target(d app.DeviceSummary) string { return cmp.Or(d.ESN, d.DeviceName) }

func (o ownerSettings) Form(ctx context.Context, id string) (settings.Form, error) {
	return o.c.SettingsForm(ctx, id)
}

func (o ownerSettings) Apply(ctx context.Context, id string, v map[string]string, opts settings.ApplyOptions) (settings.ApplyResult, error) {
	return o.c.ApplySettings(ctx, id, v, opts)
}

func (o ownerSettings) Import(ctx context.Context, id string, data []byte) (settings.ImportResult, error) {
	return o.c.ImportSettings(ctx, id, data)
}

func (o ownerSettings) Export(ctx context.Context, id string) (settings.ManagementConfig, error) {
	return o.c.ExportSettings(ctx, id)
}

func (o ownerSettings) History(ctx context.Context, id string, limit int) ([]settings.HistoryEntry, error) {
	return o.c.SettingsHistory(ctx, id, limit)
}

// localSettings is this process's own settings service (no owner runs).
type localSettings struct{ s *settings.Service }

func (l localSettings) Target(d app.DeviceSummary) string { return d.ID }

func (l localSettings) Form(_ context.Context, id string) (settings.Form, error) {
	return l.s.Form(id)
}

func (l localSettings) Apply(ctx context.Context, id string, v map[string]string, o settings.ApplyOptions) (settings.ApplyResult, error) {
	return l.s.Apply(ctx, id, v, o)
}

func (l localSettings) Import(ctx context.Context, id string, data []byte) (settings.ImportResult, error) {
	return l.s.Import(ctx, id, data)
}

func (l localSettings) Export(_ context.Context, id string) (settings.ManagementConfig, error) {
	return l.s.Export(id)
}

func (l localSettings) History(_ context.Context, id string, limit int) ([]settings.HistoryEntry, error) {
	return l.s.History(id, limit)
}

// simDevices gives settings.Service the simulated devices of a one-shot command,
// as they stand at time zero.
type simDevices struct{ d *sim.Driver }

func (s simDevices) Device(id string) (device.Device, bool) { return s.d.Device(id) }

func (s simDevices) WriteSettings(ctx context.Context, id string, v map[string]string) map[string]error {
	return s.d.WriteSettings(ctx, id, v)
}

func (s simDevices) CanWriteSetting(id, name string) error { return s.d.CanWrite(id, name) }

// noDevices is the hardware of a one-shot command until hardware drivers
// exist: nothing is attached.
type noDevices struct{}

func (noDevices) Device(string) (device.Device, bool) { return device.Device{}, false }

func (noDevices) WriteSettings(_ context.Context, _ string, v map[string]string) map[string]error {
	errs := map[string]error{}
	for name := range v {
		errs[name] = settings.ErrNoDevice
	}
	return errs
}

func (noDevices) CanWriteSetting(string, string) error { return device.ErrNotWritable }

// settings returns the settings API and the attached devices: the owner's
// when one runs, else this process's (opening the database and, with --demo
// or --sim, the scenario at time zero). close releases what it opened.
func (e *env) settings(ctx context.Context) (api settingsAPI, devs []app.DeviceSummary, close func(), err error) {
	c, err := e.dialOwner(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if c != nil {
		devs, err := c.Devices(ctx)
		return ownerSettings{c}, devs, func() {}, err
	}
	st, err := e.openStore(time.Second)
	if err != nil {
		return nil, nil, nil, err
	}
	var devices settings.Devices = noDevices{}
	var attached []device.Device
	release := func() { st.Close() }
	switch {
	case e.scenario != nil && e.scenario.HasHID():
		mgr, stop, err := e.simHIDOnce(ctx)
		if err != nil {
			st.Close()
			return nil, nil, nil, err
		}
		devices, attached = mgr, mgr.Devices()
		release = func() { stop(); st.Close() }
	case e.scenario != nil:
		drv := sim.New(e.scenario, clock.Real{})
		drv.Settle()
		devices, attached = simDevices{drv}, e.scenario.AtZero()
	}
	s := settings.New(settings.Params{Catalog: e.loadCatalog(), Devices: devices, Store: st, Logger: e.log})
	return localSettings{s}, app.Summaries(attached), release, nil
}

// simHIDOnce plays a scenario with scripted HID devices at time zero, through
// the HID host and its protocol drivers (with the HID trace when asked for),
// until they have read the devices (bounded by hidSettle), and keeps it
// playing so that a one-shot command can write to them; stop ends it.
func (e *env) simHIDOnce(ctx context.Context) (*device.Manager, func(), error) {
	clk := clock.NewFake(time.Now())
	wrap, err := e.hidWrap(clk)
	if err != nil {
		return nil, nil, err
	}
	drv := sim.New(e.scenario, clk)
	drv.Protocols, drv.WrapBus, drv.Logger = e.hidProtocols(nil, nil), wrap, e.log
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{drv}, Logger: e.log})
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { _ = mgr.Run(runCtx); close(done) }()
	wait, stopWait := context.WithTimeout(ctx, hidSettle)
	defer stopWait()
	if err := drv.Settled(wait); err != nil {
		e.log.Warn("hid: the drivers did not finish reading the scripted devices in time", "err", err)
	}
	return mgr, func() { cancel(); <-done }, nil
}

// runSettings is `earshot settings show|set|export|import|history DEVICE …`
// (docs/command-line.md).
func runSettings(e *env, args []string) error {
	if len(args) < 2 {
		return misuse{e.t.T("cli.settings.usage")}
	}
	sub, ref, rest := args[0], args[1], args[2:]
	arity := map[string][2]int{"show": {0, 0}, "set": {1, -1}, "export": {0, 0}, "import": {1, 1}, "history": {0, 0}}
	n, ok := arity[sub]
	switch {
	case !ok:
		return misuse{e.t.T("cli.settings.unknown", "Name", sub)}
	case len(rest) < n[0] || (n[1] >= 0 && len(rest) > n[1]):
		return misuse{e.t.T("cli.settings.usage")}
	}
	var values map[string]string
	if sub == "set" {
		var err error
		if values, err = parsePairs(e, rest); err != nil {
			return err
		}
	}
	var data []byte
	if sub == "import" {
		var err error
		if data, err = afero.ReadFile(e.fs, rest[0]); err != nil {
			return errors.New(e.t.T("cli.settings.readFile", "File", rest[0], "Err", err))
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	api, devs, closeAPI, err := e.settings(ctx)
	if err != nil {
		return err
	}
	defer closeAPI()
	d, err := app.FindDevice(devs, ref)
	if err != nil {
		return err
	}
	id := api.Target(d)
	switch sub {
	case "show":
		return showSettings(ctx, e, api, id, d)
	case "set":
		res, err := api.Apply(ctx, id, values, settings.ApplyOptions{Source: settings.SourceUser, AllOrNothing: true})
		if err != nil {
			return err
		}
		return reportApply(e, d, res)
	case "export":
		c, err := api.Export(ctx, id)
		if err != nil {
			return err
		}
		out, err := c.Marshal()
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(out)
		return err
	case "import":
		res, err := api.Import(ctx, id, data)
		if err != nil {
			return errors.New(e.t.T("cli.settings.importFailed", "File", rest[0], "Err", err))
		}
		if err := reportApply(e, d, res.ApplyResult); err != nil {
			return err
		}
		if res.FirmwareIgnored {
			fmt.Fprintln(e.stdout, e.t.T("cli.settings.firmwareIgnored"))
		}
		return nil
	}
	return showHistory(ctx, e, api, id)
}

// parsePairs reads NAME=VALUE arguments; a name twice or a pair without =
// is misuse.
func parsePairs(e *env, pairs []string) (map[string]string, error) {
	values := map[string]string{}
	for _, p := range pairs {
		name, value, ok := strings.Cut(p, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, misuse{e.t.T("cli.settings.badPair", "Arg", p)}
		}
		if _, dup := values[name]; dup {
			return nil, misuse{e.t.T("cli.settings.twice", "Name", name)}
		}
		values[name] = value
	}
	return values, nil
}

// refusals words refusals in one line: "NAME: why; NAME: why".
func refusals(e *env, refused map[string]*settings.Refusal) string {
	parts := make([]string, 0, len(refused))
	for _, n := range slices.Sorted(maps.Keys(refused)) {
		parts = append(parts, n+": "+settings.RefusalText(e.t, refused[n]))
	}
	return strings.Join(parts, "; ")
}

// reportApply prints what an all-or-nothing Apply did; refusals are the
// error (exit 1).
func reportApply(e *env, d app.DeviceSummary, res settings.ApplyResult) error {
	if len(res.Refused) > 0 && len(res.Applied) == 0 {
		return errors.New(e.t.T("cli.settings.refused", "Name", d.DeviceName, "Reasons", refusals(e, res.Refused)))
	}
	if len(res.Applied) == 0 {
		fmt.Fprintln(e.stdout, e.t.T("settings.notice.nothing", "Name", d.DeviceName))
		return nil
	}
	fmt.Fprintln(e.stdout, e.t.N("cli.settings.applied", len(res.Applied), "Count", len(res.Applied),
		"Name", d.DeviceName, "Settings", strings.Join(res.Applied, ", ")))
	if res.RestartNeeded {
		fmt.Fprintln(e.stdout, e.t.T("settings.notice.restart", "Name", d.DeviceName))
	}
	if len(res.Refused) > 0 { // validated, but the driver failed
		return errors.New(e.t.T("cli.settings.partly", "Name", d.DeviceName, "Reasons", refusals(e, res.Refused)))
	}
	return nil
}

// settingsJSON is what `earshot settings show --json` prints
// (docs/command-line.md): the device as `earshot devices` names it — never the
// id the owner or the simulator gives it inside — and its form.
type settingsJSON struct {
	DeviceName string
	ESN        string
	Model      string
	Fields     []settings.Field
}

func shownForm(form settings.Form, d app.DeviceSummary) settingsJSON {
	out := settingsJSON{DeviceName: form.DeviceName, ESN: d.ESN, Model: form.Model, Fields: form.Fields}
	if out.Fields == nil {
		out.Fields = []settings.Field{}
	}
	return out
}

func showSettings(ctx context.Context, e *env, api settingsAPI, id string, d app.DeviceSummary) error {
	form, err := api.Form(ctx, id)
	if err != nil {
		return err
	}
	if e.o.json {
		return writeJSON(e, shownForm(form, d))
	}
	if len(form.Fields) == 0 {
		fmt.Fprintln(e.stdout, e.t.T("cli.settings.none", "Name", d.DeviceName))
		return nil
	}
	form = settings.Localize(e.t, form) // the JSON above keeps the catalog's own words
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{e.t.T("cli.settings.col.setting"), e.t.T("cli.settings.col.value"),
		e.t.T("cli.settings.col.default"), e.t.T("cli.settings.col.allowed"), e.t.T("cli.settings.col.notes")}, "\t"))
	for _, f := range form.Fields {
		fmt.Fprintln(tw, strings.Join([]string{f.Name, valueText(e, f, f.Value), valueText(e, f, f.Default),
			allowedText(e, f), notesText(e, f)}, "\t"))
	}
	return tw.Flush()
}

// valueText is a raw value with its friendly name: `1 (Long)`; "—" when
// not set.
func valueText(e *env, f settings.Field, v string) string {
	if v == "" {
		return "—"
	}
	if l := settings.ValueText(e.t, &f, v); l != v {
		return v + " (" + l + ")"
	}
	return v
}

func allowedText(e *env, f settings.Field) string {
	switch f.Kind {
	case settings.KindBool: // "true (On), false (Off)", as the values are shown
		parts := make([]string, 0, len(f.Choices))
		for _, c := range f.Choices {
			parts = append(parts, valueText(e, f, c.Value))
		}
		return strings.Join(parts, ", ")
	case settings.KindChoice:
		return (&settings.Refusal{Allowed: f.Choices}).AllowedText()
	case settings.KindRange:
		if f.Step > 0 {
			return e.t.T("cli.settings.rangeStep", "Min", catalog.FormatNumber(f.Min), "Max", catalog.FormatNumber(f.Max),
				"Step", catalog.FormatNumber(f.Step))
		}
		return e.t.T("cli.settings.range", "Min", catalog.FormatNumber(f.Min), "Max", catalog.FormatNumber(f.Max))
	}
	return e.t.T("cli.settings.text", "Max", f.MaxLength)
}

func notesText(e *env, f settings.Field) string {
	var notes []string
	if f.Disabled != nil {
		notes = append(notes, settings.RefusalText(e.t, f.Disabled))
	}
	if f.RequiresReboot {
		notes = append(notes, e.t.T("cli.settings.note.restart"))
	}
	if f.ClientSide {
		notes = append(notes, e.t.T("settings.clientSide"))
	}
	if f.AllowsNull {
		notes = append(notes, e.t.T("cli.settings.note.null"))
	}
	return strings.Join(notes, "; ")
}

func showHistory(ctx context.Context, e *env, api settingsAPI, id string) error {
	h, err := api.History(ctx, id, 0)
	if err != nil {
		return err
	}
	// The device's form words the values as the window does ("Off → On");
	// without one, the catalog's names the entries carry do.
	var form settings.Form
	if !e.o.json && len(h) > 0 {
		if form, err = api.Form(ctx, id); err != nil {
			e.log.Debug("settings history: no form to word the values by", "err", err)
		}
	}
	if e.o.json {
		if h == nil {
			h = []settings.HistoryEntry{}
		}
		return writeJSON(e, h)
	}
	if len(h) == 0 {
		fmt.Fprintln(e.stdout, e.t.T("settings.history.empty"))
		return nil
	}
	h = settings.LocalizeHistory(e.t, h) // the JSON above keeps the catalog's own words
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{e.t.T("cli.settings.col.time"), e.t.T("cli.settings.col.setting"),
		e.t.T("cli.settings.col.change"), e.t.T("cli.settings.col.source")}, "\t"))
	for _, c := range h {
		var field *settings.Field
		if f, ok := form.Field(c.Name); ok {
			field = &f
		}
		fmt.Fprintln(tw, strings.Join([]string{c.At.Format(time.RFC3339), c.Name,
			settings.ChangeText(e.t, c, field), settings.SourceText(e.t, c.Source)}, "\t"))
	}
	return tw.Flush()
}
