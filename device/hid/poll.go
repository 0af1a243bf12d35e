package hid

import (
	"context"
	"time"
)

// Throttled enumeration, the hot-plug of platforms without a notification
// Earshot uses (Windows and macOS through karalabe/hid, which has none).
const (
	// PollInterval is the shortest time between two enumerations.
	PollInterval = 2 * time.Second
	// PollBudget is the share of one core the enumerations may cost: the
	// wait after an enumeration that took d is at least d/PollBudget, so
	// a slow system enumerates less often instead of costing more.
	PollBudget = 0.002
)

// pollWatch enumerates every PollInterval (or longer, see PollBudget) and
// sends the difference to the previous listing, until ctx ends. after is the
// clock's timer (time.After in production). The first listing is the
// baseline: devices present when watching starts are not reported.
func pollWatch(ctx context.Context, enumerate func() ([]Info, error), changes chan<- Change, after func(time.Duration) <-chan time.Time, now func() time.Time) error {
	known := map[string]Info{}
	measure := func() ([]Info, time.Duration, error) {
		start := now()
		infos, err := enumerate()
		return infos, now().Sub(start), err
	}
	infos, took, err := measure()
	if err != nil {
		return err
	}
	for _, i := range infos {
		known[i.Path] = i
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-after(pollWait(took)):
		}
		infos, took, err = measure()
		if err != nil {
			continue // a failed listing changes nothing; try again later
		}
		for _, c := range diffInfos(known, infos) {
			select {
			case changes <- c:
			case <-ctx.Done():
				return nil
			}
			if c.Added {
				known[c.Info.Path] = c.Info
			} else {
				delete(known, c.Info.Path)
			}
		}
	}
}

// pollWait is the wait after an enumeration that took d.
func pollWait(d time.Duration) time.Duration {
	if w := time.Duration(float64(d) / PollBudget); w > PollInterval {
		return w
	}
	return PollInterval
}
