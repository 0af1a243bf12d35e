package presence

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func src(app string, st State, ringing bool, age time.Duration) Source {
	return Source{Application: app, Event: "e", State: st, Ringing: ringing, At: t0.Add(-age)}
}

func TestResolve(t *testing.T) {
	headset := DeviceCall{ID: "h1", Name: "Jabra Evolve2 65"}
	ringingHeadset := DeviceCall{ID: "h2", Name: "Jabra Speak 750", Ringing: true}
	cases := []struct {
		name string
		in   Input
		want Decision
	}{
		{"nothing says anything: free by default", Input{}, Decision{State: Free, Rule: RuleDefault}},
		// Rule 1.
		{"rule 1: a call on a device", Input{Calls: []DeviceCall{headset}},
			Decision{OnThePhone, false, RuleCall, "Jabra Evolve2 65"}},
		{"rule 1: a call reported by an application", Input{Apps: []Source{src("Zoom", OnThePhone, false, 0)}},
			Decision{OnThePhone, false, RuleCall, "Zoom"}},
		{"rule 1: a ringing call is its own sub-state", Input{Apps: []Source{src("MS Teams", OnThePhone, true, 0)}},
			Decision{OnThePhone, true, RuleCall, "MS Teams"}},
		{"rule 1: a ringing device", Input{Calls: []DeviceCall{ringingHeadset}},
			Decision{OnThePhone, true, RuleCall, "Jabra Speak 750"}},
		// Rule 2.
		{"rule 2: the manual state", Input{Manual: Lunch}, Decision{Lunch, false, RuleManual, ManualSource}},
		// Rule 3.
		{"rule 3: the only application", Input{Apps: []Source{src("Manual Changer", Busy, false, 0)}},
			Decision{Busy, false, RulePriority, "Manual Changer"}},
		// Conflicts.
		{"conflict: a device call overrides a manual dnd", Input{Calls: []DeviceCall{headset}, Manual: DND},
			Decision{OnThePhone, false, RuleCall, "Jabra Evolve2 65"}},
		{"conflict: an application's call overrides a manual state", Input{Manual: Away, Apps: []Source{src("Webex", OnThePhone, false, 0)}},
			Decision{OnThePhone, false, RuleCall, "Webex"}},
		{"conflict: a call overrides another application's free", Input{Calls: []DeviceCall{headset}, Apps: []Source{src("Manual Changer", Free, false, 0)}},
			Decision{OnThePhone, false, RuleCall, "Jabra Evolve2 65"}},
		{"conflict: an answered call beats a ringing one", Input{Calls: []DeviceCall{ringingHeadset}, Apps: []Source{src("Slack", OnThePhone, false, 0)}},
			Decision{OnThePhone, false, RuleCall, "Slack"}},
		{"conflict: a device call beats an application's call", Input{Calls: []DeviceCall{headset}, Apps: []Source{src("Slack", OnThePhone, false, 0)}},
			Decision{OnThePhone, false, RuleCall, "Jabra Evolve2 65"}},
		{"conflict: a manual dnd overrides an application's available", Input{Manual: DND, Apps: []Source{src("Manual Changer", Free, false, 0)}},
			Decision{DND, false, RuleManual, ManualSource}},
		{"conflict: the higher priority wins", Input{
			Apps:     []Source{src("Manual Changer", Away, false, 0), src("Cisco Jabber", OnThePhone, false, 0), src("Zoom", Free, false, 0)},
			Priority: []string{"Zoom", "Manual Changer"}}, Decision{OnThePhone, false, RuleCall, "Cisco Jabber"}},
		{"conflict: priority orders presence sources", Input{
			Apps:     []Source{src("Manual Changer", Away, false, 0), src("Other", Busy, false, 0)},
			Priority: []string{"Other", "Manual Changer"}}, Decision{Busy, false, RulePriority, "Other"}},
		{"conflict: reordered priority", Input{
			Apps:     []Source{src("Manual Changer", Away, false, 0), src("Other", Busy, false, 0)},
			Priority: []string{"Manual Changer", "Other"}}, Decision{Away, false, RulePriority, "Manual Changer"}},
		{"conflict: unranked applications come after ranked ones, alphabetically", Input{
			Apps:     []Source{src("Zed", Busy, false, 0), src("Bee", DND, false, 0), src("Ranked", Away, false, 0)},
			Priority: []string{"Ranked"}}, Decision{Away, false, RulePriority, "Ranked"}},
		{"conflict: unranked applications alphabetically", Input{
			Apps: []Source{src("Zed", Busy, false, 0), src("Bee", DND, false, 0)}}, Decision{DND, false, RulePriority, "Bee"}},
		// Expiry.
		{"expiry: an expired source does not count", Input{
			Apps: []Source{src("Manual Changer", DND, false, 31*time.Minute)}, Lifetime: 30 * time.Minute, Now: t0},
			Decision{Free, false, RuleDefault, ""}},
		{"expiry: an expired call does not count", Input{
			Apps: []Source{src("Zoom", OnThePhone, false, time.Hour), src("Manual Changer", Busy, false, 0)}, Lifetime: 30 * time.Minute, Now: t0},
			Decision{Busy, false, RulePriority, "Manual Changer"}},
		{"expiry: a fresh source counts", Input{
			Apps: []Source{src("Manual Changer", DND, false, 29*time.Minute)}, Lifetime: 30 * time.Minute, Now: t0},
			Decision{DND, false, RulePriority, "Manual Changer"}},
		{"expiry: an expired higher priority gives way", Input{
			Apps:     []Source{src("A", DND, false, time.Hour), src("B", Away, false, 0)},
			Priority: []string{"A", "B"}, Lifetime: 30 * time.Minute, Now: t0}, Decision{Away, false, RulePriority, "B"}},
		{"expiry: the manual state never expires", Input{Manual: Busy, Lifetime: time.Second, Now: t0.Add(24 * time.Hour)},
			Decision{Busy, false, RuleManual, ManualSource}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Resolve(c.in); got != c.want {
				t.Errorf("Resolve = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestParseState(t *testing.T) {
	for _, s := range States {
		if got, err := ParseState(" " + string(s) + " "); err != nil || got != s {
			t.Errorf("ParseState(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := ParseState("sleeping"); err == nil {
		t.Error("ParseState accepted sleeping")
	}
}
