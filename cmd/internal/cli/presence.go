package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/earshot-app/earshot/app/localapi"
	"github.com/earshot-app/earshot/app/presence"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
)

// presenceOwner is the owner's presence (docs/calls-and-presence.md): the service that
// resolves the state and drives the lights, and the runner of the local
// presence HTTP API.
type presenceOwner struct {
	service *presence.Service
	runner  *presence.Runner
	tokens  *presence.Tokens
}

// buildPresence builds the presence service on the Manager's lights, with
// the configured colours and the choices kept in the data folder.
func (e *env) buildPresence(lights presence.Lights, clk clock.Clock) *presenceOwner {
	colours := presence.Colours{}
	for name, l := range e.cfg.PresenceColours {
		colours[presence.State(name)] = l
	}
	svc := presence.NewService(presence.ServiceParams{Lights: lights, Clock: clk, Logger: e.log, Colours: colours,
		Prefs: e.presencePrefs()})
	tokens := e.presenceTokens()
	api := presence.NewAPI(presence.APIParams{Service: svc, Tokens: tokens, Logger: e.log})
	// The switch and address chosen on the Presence page win over
	// PRESENCEAPI and PRESENCEAPIADDRESS once the user has used them.
	enabled, address := e.cfg.PresenceAPI, e.cfg.PresenceAPIAddress
	prefs := e.presencePrefs()
	if c, ok := prefs.LoadAPI(e.log); ok {
		enabled, address = c.Enabled, c.Address
	}
	runner := presence.NewRunner(presence.RunnerParams{API: api, Tokens: tokens, Logger: e.log,
		Enabled: enabled, Address: address, Save: prefs.SaveAPI})
	return &presenceOwner{service: svc, runner: runner, tokens: tokens}
}

func (e *env) presencePrefs() *presence.Prefs { return &presence.Prefs{Fs: e.fs, Dir: e.o.data} }

func (e *env) presenceTokens() *presence.Tokens { return &presence.Tokens{Fs: e.fs, Dir: e.o.data} }

// runPresence is `earshot presence [--json] | set STATE|auto | token [--new]`.
func runPresence(e *env, args []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := e.dialOwner(ctx)
	if err != nil {
		return err
	}
	switch {
	case len(args) == 0:
		if e.o.renew {
			return misuse{e.t.T("cli.flagNotFor", "Flag", "--new", "Command", "earshot presence")}
		}
		var v presence.View
		if c != nil {
			if v, err = c.Presence(ctx); err != nil {
				return err
			}
		} else {
			// No owner: nothing follows calls or applications now; the
			// state is the one kept by hand, else free.
			v = presence.NewView(presence.NewService(presence.ServiceParams{Prefs: e.presencePrefs(), Logger: e.log}).Status())
		}
		return printPresence(e, v)
	case args[0] == "set" && len(args) == 2:
		var st presence.State
		if !strings.EqualFold(args[1], "auto") {
			if st, err = presence.ParseState(args[1]); err != nil {
				return misuse{e.t.T("cli.presence.badState", "Value", args[1])}
			}
		}
		var v presence.View
		if c != nil {
			if v, err = c.SetPresence(ctx, st); err != nil {
				return err
			}
		} else {
			svc := presence.NewService(presence.ServiceParams{Prefs: e.presencePrefs(), Logger: e.log})
			if err := svc.SetManual(st); err != nil {
				return err
			}
			v = presence.NewView(svc.Status())
		}
		return printPresence(e, v)
	case args[0] == "token" && len(args) == 1:
		var tok string
		switch {
		case c != nil:
			tok, err = c.PresenceToken(ctx, e.o.renew)
		case e.o.renew:
			tok, err = e.presenceTokens().NewToken()
		default:
			tok, err = e.presenceTokens().Token()
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, tok)
		return nil
	}
	return misuse{e.t.T("cli.presence.usage")}
}

func printPresence(e *env, v presence.View) error {
	if e.o.json {
		return writeJSON(e, v)
	}
	state := e.t.T("views.presence.state." + string(v.State))
	if v.Ringing {
		state = e.t.T("views.presence.state.ringing")
	}
	why := e.t.T("views.presence.why.default")
	switch v.Rule {
	case presence.RuleCall:
		why = e.t.T("views.presence.why.call", "Source", v.DecidedBy)
	case presence.RuleManual:
		why = e.t.T("views.presence.why.manual")
	case presence.RulePriority:
		why = e.t.T("views.presence.why.priority", "Source", v.DecidedBy)
	}
	fmt.Fprintln(e.stdout, state+" — "+why)
	if len(v.Sources) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{e.t.T("cli.presence.col.application"), e.t.T("cli.presence.col.event"),
		e.t.T("cli.presence.col.state"), e.t.T("cli.presence.col.updated")}, "\t"))
	for _, s := range v.Sources {
		updated := s.Updated.Local().Format(time.TimeOnly)
		if s.Expired {
			updated = e.t.T("cli.presence.expired", "Time", updated)
		}
		fmt.Fprintln(tw, strings.Join([]string{s.Application, s.Event, string(s.State), updated}, "\t"))
	}
	return tw.Flush()
}

// runLight is `earshot light DEVICE|all COLOUR|off [--blink]`, through the
// running owner: a light keeps a colour only while Earshot runs (a kuando
// light goes dark 15 s after its last keep-alive), so without an owner the
// command says so instead of lighting it for an instant.
func runLight(e *env, args []string) error {
	if len(args) != 2 {
		return misuse{e.t.T("cli.light.usage")}
	}
	light := args[1]
	if e.o.blink {
		light += " blink"
	}
	if _, err := device.ParseLightState(light); err != nil {
		return misuse{e.t.T("cli.light.badColour", "Value", args[1])}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := e.dialOwner(ctx)
	if err != nil {
		return err
	}
	if c == nil {
		return errors.New(e.t.T("cli.light.noOwner"))
	}
	results, err := c.SetLights(ctx, localapi.LightRequest{Device: args[0], Light: light})
	if err != nil {
		return err
	}
	var failed []string
	for _, r := range results {
		if r.Error != "" {
			failed = append(failed, r.DeviceName+": "+r.Error)
			continue
		}
		fmt.Fprintln(e.stdout, e.t.T("cli.light.set", "Device", r.DeviceName, "Light", light))
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}
