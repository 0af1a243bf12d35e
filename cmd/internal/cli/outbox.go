package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/analytics"
	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// analyticsOwner is the owner's analytics (docs/analytics.md): the service that
// reports devices and people counts, the reporter the other services queue
// their events through, and the uploader that drains the outbox.
type analyticsOwner struct {
	service  *analytics.Service
	reporter *analytics.Reporter
	uploader *analytics.Uploader
}

// buildAnalytics registers the configured endpoints with the outbox and
// builds the analytics services. Events are stamped with clk (the scenario's
// in simulation); the uploader's backoff runs on real time.
func (e *env) buildAnalytics(st *store.Store, clk clock.Clock) (*analyticsOwner, error) {
	b := analytics.NewBuilder(analytics.BuilderParams{
		ClientVersion: Version,
		System:        analytics.CachedSystem(clock.Real{}, time.Minute, analytics.DetectSystem),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	up, err := analytics.NewUploader(ctx, analytics.UploaderParams{
		Store: st, Endpoints: e.cfg.AnalyticsEndpoints, Username: e.cfg.Username, Password: e.cfg.Password,
		Clock: clock.Real{}, Logger: e.log,
	})
	if err != nil {
		return nil, err
	}
	if up.Enabled() {
		masked := make([]string, len(e.cfg.AnalyticsEndpoints))
		for i, u := range e.cfg.AnalyticsEndpoints {
			masked[i] = config.Redact(u)
		}
		e.log.Info("analytics on", "endpoints", masked, "basicAuth", e.cfg.Username != "",
			"peopleCountHeartbeatMinutes", e.cfg.PeopleCountHeartbeatMinutes)
	} else {
		e.log.Info("analytics off: ANALYTICSENDPOINT is empty")
	}
	return &analyticsOwner{
		service: analytics.NewService(analytics.ServiceParams{Store: st, Builder: b, Clock: clk, Logger: e.log,
			HeartbeatMinutes: e.cfg.PeopleCountHeartbeatMinutes}),
		reporter: analytics.NewReporter(b),
		uploader: up,
	}, nil
}

// start runs the uploader until ctx is done; the channel closes once it has
// written its last cursors, before the store may close.
func (a *analyticsOwner) start(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.uploader.Run(ctx)
	}()
	return done
}

// waitDrained waits until the core has handled every event published so far
// and every endpoint has had every queued event (delivered or parked), or
// until ctx is done: `service --exit-when-done` (docs/simulator.md). With no endpoint
// the outbox is always drained. A dead endpoint keeps it waiting, as it
// should: leaving would strand the events until the next start.
func (a *analyticsOwner) waitDrained(ctx context.Context, core *app.Core) {
	for {
		if core.CaughtUp() {
			if ok, err := a.uploader.Drained(); ok || err != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// undrained is the error of a one-shot pass whose endpoints did not take
// the queued events within wait: one sentence naming each endpoint and how
// many events stay queued (kept for the next start).
func (a *analyticsOwner) undrained(e *env, wait time.Duration) error {
	st, err := a.uploader.Status()
	if err != nil {
		return err
	}
	var parts []string
	for _, s := range st {
		if s.Queued > 0 {
			parts = append(parts, e.t.N("cli.service.undrainedEndpoint", int(s.Queued), "Endpoint", s.Endpoint))
		}
	}
	return errors.New(e.t.T("cli.service.undrained", "Wait", wait.String(), "Endpoints", strings.Join(parts, "; ")))
}

// runOutbox is `earshot outbox`: per endpoint, the events queued,
// delivered, parked and dropped, from the running owner or, when none runs,
// from the database and the configuration; endpoints no longer configured
// that still hold events are listed too, and `earshot outbox discard
// ENDPOINT` discards such a queue (a person's explicit act).
func runOutbox(e *env, args []string) error {
	if len(args) > 0 && args[0] == "discard" {
		return runOutboxDiscard(e, args[1:])
	}
	if err := e.noArgs(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var sts []analytics.EndpointStatus
	c, err := e.dialOwner(ctx)
	if err != nil {
		return err
	}
	if c != nil {
		if sts, err = c.Outbox(ctx); err != nil {
			return err
		}
	} else {
		st, err := e.openStore(time.Second)
		if err != nil {
			return err
		}
		defer st.Close()
		if sts, err = analytics.StatusFromStore(st, e.cfg.AnalyticsEndpoints); err != nil {
			return err
		}
	}
	if e.o.json {
		if sts == nil {
			sts = []analytics.EndpointStatus{}
		}
		return writeJSON(e, sts)
	}
	if len(sts) == 0 {
		fmt.Fprintln(e.stdout, e.t.T("outbox.off"))
		return nil
	}
	configured := 0
	for _, s := range sts {
		if s.Configured {
			configured++
		}
	}
	if configured == 0 {
		fmt.Fprintln(e.stdout, e.t.T("outbox.offButQueued"))
	}
	if s := sts[0]; s.StorageError != nil {
		fmt.Fprintln(e.stdout, e.t.T("cli.outbox.storageFailing", "Err", *s.StorageError))
	}
	if s := sts[0]; s.NotStored > 0 {
		fmt.Fprintln(e.stdout, e.t.N("outbox.notStored", int(s.NotStored)))
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{
		e.t.T("cli.outbox.col.endpoint"), e.t.T("cli.outbox.col.queued"), e.t.T("cli.outbox.col.delivered"),
		e.t.T("cli.outbox.col.parked"), e.t.T("cli.outbox.col.dropped"), e.t.T("cli.outbox.col.lastError"),
	}, "\t"))
	for _, s := range sts {
		lastErr := "—"
		if !s.Configured {
			lastErr = e.t.N("outbox.retired", int(s.Queued))
			if s.DiscardAfter != nil {
				lastErr += " " + e.t.T("outbox.retiredUntil", "Time", s.DiscardAfter.Local().Format(time.DateTime))
			}
		} else if s.LastError != nil {
			lastErr = *s.LastError
			if s.NextRetry != nil {
				lastErr = e.t.T("cli.outbox.retryAt", "Error", lastErr, "Time", s.NextRetry.Local().Format(time.TimeOnly))
			}
		}
		fmt.Fprintln(tw, strings.Join([]string{
			s.Endpoint, strconv.FormatUint(s.Queued, 10), strconv.FormatUint(s.Delivered, 10),
			strconv.FormatUint(s.Parked, 10), strconv.FormatUint(s.Dropped, 10), lastErr,
		}, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if configured < len(sts) {
		fmt.Fprintln(e.stdout, e.t.T("cli.outbox.discardHint"))
	}
	return nil
}

// runOutboxDiscard is `earshot outbox discard ENDPOINT`: it deletes the
// queue and parked events of an endpoint no longer configured, named as
// `earshot outbox` shows it. It needs the database: with Earshot running,
// discard on its Outbox page.
func runOutboxDiscard(e *env, args []string) error {
	if len(args) != 1 {
		return misuse{e.t.T("cli.outbox.discardUsage")}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := e.dialOwner(ctx)
	if err != nil {
		return err
	}
	if c != nil {
		return errors.New(e.t.T("cli.outbox.discardRunning"))
	}
	st, err := e.openStore(time.Second)
	if err != nil {
		return err
	}
	defer st.Close()
	ob, err := st.OutboxStatus()
	if err != nil {
		return err
	}
	for _, r := range ob.Retired {
		if r.Name == args[0] || r.ID == args[0] {
			q, p, err := st.DiscardRetired(ctx, r.ID)
			if err != nil {
				return err
			}
			e.log.Info("queue of an endpoint no longer configured discarded by a person", "endpoint", r.Name, "queued", q, "parked", p)
			fmt.Fprintln(e.stdout, e.t.N("cli.outbox.discarded", int(q+p), "Endpoint", r.Name))
			return nil
		}
	}
	return errors.New(e.t.T("cli.outbox.notRetired", "Endpoint", args[0]))
}
