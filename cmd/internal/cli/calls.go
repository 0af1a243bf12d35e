package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/earshot-app/earshot/app/calls"
)

func callsFlags(fs *flag.FlagSet, o *options) {
	jsonFlag(fs, o)
	csvFlag(fs, o)
}

func csvFlag(fs *flag.FlagSet, o *options) { fs.BoolVar(&o.csv, "csv", o.csv, "") }

// runCalls is `earshot calls`: the call history, newest first, as a table,
// CSV (--csv) or the JSON of SPEC §10 (--json), from the running owner or,
// when none runs, from the database.
func runCalls(e *env, args []string) error {
	if err := e.noArgs(args); err != nil {
		return err
	}
	if e.o.csv && e.o.json {
		return misuse{e.t.T("cli.calls.csvAndJSON")}
	}
	recs, err := e.callHistory()
	if err != nil {
		return err
	}
	switch {
	case e.o.json:
		if recs == nil {
			recs = []calls.Record{}
		}
		return writeJSON(e, recs)
	case e.o.csv:
		return calls.WriteCSV(e.stdout, recs)
	}
	if len(recs) == 0 {
		fmt.Fprintln(e.stdout, e.t.T("cli.calls.none"))
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{
		e.t.T("cli.calls.col.start"), e.t.T("cli.col.name"), e.t.T("cli.calls.col.minutes"),
		e.t.T("cli.calls.col.mute"), e.t.T("cli.calls.col.volume"), e.t.T("cli.calls.col.ended"),
	}, "\t"))
	for _, r := range recs {
		fmt.Fprintln(tw, strings.Join([]string{
			r.Start.Local().Format("2006-01-02 15:04"), r.DeviceName,
			strconv.FormatFloat(r.CallDurationMinutes, 'f', 2, 64),
			count(r.TimesMuteButtonPressedDuringCall),
			count(r.TimesVolumeUpButtonPressedDuringCall) + " / " + count(r.TimesVolumeDownButtonPressedDuringCall),
			e.t.T("cli.calls.reason." + r.CallEndReason),
		}, "\t"))
	}
	return tw.Flush()
}

func count(p *int) string {
	if p == nil {
		return "—"
	}
	return strconv.Itoa(*p)
}

// callHistory asks the running owner, or reads the database itself.
func (e *env) callHistory() ([]calls.Record, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if c, err := e.dialOwner(ctx); err != nil {
		return nil, err
	} else if c != nil {
		return c.Calls(ctx)
	}
	st, err := e.openStore(time.Second)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return calls.NewHistory(st, nil).Calls(calls.Filter{})
}
