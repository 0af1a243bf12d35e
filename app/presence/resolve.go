package presence

import (
	"cmp"
	"slices"
	"time"
)

// Rule is the rule that decided a state, in the seed's order.
type Rule string

// The rules, strongest first.
const (
	RuleCall     Rule = "call"     // 1: a call on a device or reported by an application
	RuleManual   Rule = "manual"   // 2: the state set in Earshot
	RulePriority Rule = "priority" // 3: the highest-priority application source
	RuleDefault  Rule = "default"  // nothing says anything: free
)

// DeviceCall is a device in a call, or ringing.
type DeviceCall struct {
	ID, Name string
	Ringing  bool // ringing, not yet answered
}

// Source is the last state one application posted.
type Source struct {
	Application string // the mapping table's spelling
	Event       string // as the application sent it
	State       State
	Ringing     bool
	At          time.Time // when it was posted (refreshed)
}

// Input is everything the resolver looks at.
type Input struct {
	Calls  []DeviceCall
	Manual State // "" when the user chose Automatic
	Apps   []Source
	// Priority orders applications, highest first; applications missing
	// from it come after, alphabetically.
	Priority []string
	// Lifetime is how long an application's state counts without being
	// posted again; ≤ 0 means for ever.
	Lifetime time.Duration
	Now      time.Time
}

// Decision is the resolved state and why.
type Decision struct {
	State   State
	Ringing bool // onthephone because a call is ringing (a light can blink)
	Rule    Rule
	// DecidedBy names what decided: a device's name, "Earshot" for the
	// manual state, an application, or "" for the default.
	DecidedBy string
}

// Expired tells whether a source has outlived lifetime at now.
func (s Source) Expired(lifetime time.Duration, now time.Time) bool {
	return lifetime > 0 && now.Sub(s.At) >= lifetime
}

// Resolve applies the rules of the seed in order: a call (an answered one
// before a ringing one, a device's before an application's) overrides
// everything; then the manual state; then the live application sources by
// the user's priority; else free.
func Resolve(in Input) Decision {
	live := Ordered(in.Apps, in.Priority)
	live = slices.DeleteFunc(live, func(s Source) bool { return s.Expired(in.Lifetime, in.Now) })
	calls := slices.SortedFunc(slices.Values(in.Calls), func(a, b DeviceCall) int { return cmp.Compare(a.ID, b.ID) })
	for _, ringing := range []bool{false, true} {
		for _, c := range calls {
			if c.Ringing == ringing {
				return Decision{State: OnThePhone, Ringing: ringing, Rule: RuleCall, DecidedBy: c.Name}
			}
		}
		for _, s := range live {
			if s.State == OnThePhone && s.Ringing == ringing {
				return Decision{State: OnThePhone, Ringing: ringing, Rule: RuleCall, DecidedBy: s.Application}
			}
		}
	}
	if in.Manual != "" {
		return Decision{State: in.Manual, Rule: RuleManual, DecidedBy: ManualSource}
	}
	if len(live) > 0 {
		return Decision{State: live[0].State, Rule: RulePriority, DecidedBy: live[0].Application}
	}
	return Decision{State: Free, Rule: RuleDefault}
}

// ManualSource is the name the manual state is decided by.
const ManualSource = "Earshot"

// Ordered returns the sources sorted by priority: those named in priority in
// its order, then the rest alphabetically.
func Ordered(apps []Source, priority []string) []Source {
	rank := func(name string) int {
		if i := slices.Index(priority, name); i >= 0 {
			return i
		}
		return len(priority)
	}
	out := slices.Clone(apps)
	slices.SortStableFunc(out, func(a, b Source) int {
		return cmp.Or(cmp.Compare(rank(a.Application), rank(b.Application)), cmp.Compare(a.Application, b.Application))
	})
	return out
}
