package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/earshot-app/earshot/app/calls"
)

func callsFlags(fs *flag.FlagSet, o *options) {
	jsonFlag(fs, o)
	csvFlag(fs, o)
	fs.StringVar(&o.since, "since", o.since, "")
	fs.StringVar(&o.until, "until", o.until, "")
	fs.IntVar(&o.limit, "limit", o.limit, "")
}

func csvFlag(fs *flag.FlagSet, o *options) { fs.BoolVar(&o.csv, "csv", o.csv, "") }

// tableFlushEvery is how many rows the table holds before it is flushed:
// columns are aligned within each block, so memory stays flat.
const tableFlushEvery = 500

// runCalls is `earshot calls`: the call history with the camera sessions
// (each marked by its kind, as the window lists them), newest first, as a table,
// CSV (--csv) or the JSON of docs/command-line.md (--json), from the running owner or,
// when none runs, from the database; --since, --until (a date or an RFC 3339
// time) and --limit choose. Every format is written as the history is read,
// so memory stays flat in its size.
func runCalls(e *env, args []string) error {
	if err := e.noArgs(args); err != nil {
		return err
	}
	if e.o.csv && e.o.json {
		return misuse{e.t.T("cli.calls.csvAndJSON")}
	}
	f, err := e.callsFilter()
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	defer out.Flush()
	switch {
	case e.o.json:
		if err := e.copyCallsJSON(f, out); err != nil {
			return err
		}
		return out.Flush()
	case e.o.csv:
		cw := calls.NewCSVWriter(out)
		if err := e.eachCall(f, cw.Write); err != nil {
			return err
		}
		if err := cw.Flush(); err != nil {
			return err
		}
		return out.Flush()
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	n := 0
	err = e.eachCall(f, func(r calls.Record) error {
		if n%tableFlushEvery == 0 {
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(tw, strings.Join([]string{
				e.t.T("cli.calls.col.start"), e.t.T("cli.col.name"), e.t.T("cli.calls.col.kind"), e.t.T("cli.calls.col.minutes"),
				e.t.T("cli.calls.col.mute"), e.t.T("cli.calls.col.volume"), e.t.T("cli.calls.col.ended"),
			}, "\t"))
		}
		n++
		_, err := fmt.Fprintln(tw, strings.Join([]string{
			r.Start.Local().Format("2006-01-02 15:04"), r.DeviceName, calls.KindText(e.t, r.Kind),
			strconv.FormatFloat(r.CallDurationMinutes, 'f', 2, 64),
			count(r.TimesMuteButtonPressedDuringCall),
			count(r.TimesVolumeUpButtonPressedDuringCall) + " / " + count(r.TimesVolumeDownButtonPressedDuringCall),
			calls.EndReasonText(e.t, r.CallEndReason),
		}, "\t"))
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(out, e.t.T("cli.calls.none"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return out.Flush()
}

func count(p *int) string {
	if p == nil {
		return "—"
	}
	return strconv.Itoa(*p)
}

// callsFilter reads --since, --until and --limit.
func (e *env) callsFilter() (calls.Filter, error) {
	var f calls.Filter
	for _, p := range []struct {
		flag, value string
		into        *time.Time
	}{{"--since", e.o.since, &f.Since}, {"--until", e.o.until, &f.Until}} {
		if p.value == "" {
			continue
		}
		t, err := parseWhen(p.value)
		if err != nil {
			return f, misuse{e.t.T("cli.calls.badTime", "Flag", p.flag, "Value", p.value)}
		}
		*p.into = t
	}
	if e.o.limit < 0 {
		return f, misuse{e.t.T("cli.calls.badLimit", "Value", e.o.limit)}
	}
	f.Limit = e.o.limit
	return f, nil
}

// parseWhen reads a date (2026-11-30, midnight local time) or an RFC 3339
// time.
func parseWhen(s string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// copyCallsJSON writes the JSON array of the calls f selects, one call a
// line: passed through as the running owner writes it, or written here from
// the database.
func (e *env) copyCallsJSON(f calls.Filter, w io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if c, err := e.dialOwner(ctx); err != nil {
		return err
	} else if c != nil {
		return c.CopyCalls(ctx, f, w)
	}
	jw := calls.NewJSONWriter(w)
	if err := e.eachCall(f, jw.Write); err != nil {
		return err
	}
	return jw.Close()
}

// eachCall asks the running owner, or reads the database itself, and calls
// fn with each call as it comes.
func (e *env) eachCall(f calls.Filter, fn func(calls.Record) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if c, err := e.dialOwner(ctx); err != nil {
		return err
	} else if c != nil {
		return c.EachCall(ctx, f, fn)
	}
	st, err := e.openStore(time.Second)
	if err != nil {
		return err
	}
	defer st.Close()
	return calls.NewHistory(st, nil).EachCall(f, fn)
}
