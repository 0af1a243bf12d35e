package calls

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/store"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// The devices of the tracker tests: a headset behind a dongle, a DECT
// headset on a base, a speakerphone, a second headset on the same base, a
// camera.
var deskDevices = []device.Device{
	{Info: device.Info{ID: "dg", Kind: device.KindDongle, Name: "Jabra Link 380", ESN: "DG0001", Connection: device.ConnUSB}},
	{Info: device.Info{ID: "hs", Kind: device.KindHeadset, Name: "Jabra Evolve2 85", ESN: "HS0001", Connection: device.ConnBluetooth, Parent: "dg"}},
	{Info: device.Info{ID: "base", Kind: device.KindBase, Name: "Jabra Engage 75 Base", ESN: "BS0001", Connection: device.ConnUSB}},
	{Info: device.Info{ID: "dect", Kind: device.KindHeadset, Name: "Jabra Engage 75", ESN: "DE0001", Connection: device.ConnDECT, Parent: "base"}},
	{Info: device.Info{ID: "dect2", Kind: device.KindHeadset, Name: "Jabra Engage 75 (2)", ESN: "DE0002", Connection: device.ConnDECT, Parent: "base"}},
	{Info: device.Info{ID: "sp", Kind: device.KindSpeakerphone, Name: "Jabra Speak2 75", ESN: "SP0001", Connection: device.ConnUSB}},
	{Info: device.Info{ID: "cam", Kind: device.KindCamera, Name: "Jabra PanaCast 50", ESN: "CA0001", Connection: device.ConnUSB}},
}

// desk keeps the snapshots of the test devices so that steps emit whole
// snapshots, as the Manager does.
type desk struct{ devs map[string]device.Device }

func newDesk() *desk {
	d := &desk{devs: map[string]device.Device{}}
	for _, dev := range deskDevices {
		d.devs[dev.ID] = dev.Clone()
	}
	return d
}

// step is one line of a test scenario: at an offset from t0, some events.
type step struct {
	at   time.Duration
	emit func(k *desk) []device.Event
}

func ev(k *desk, typ device.EventType, id string) device.Event {
	return device.Event{Type: typ, Device: k.devs[id].Clone()}
}

func attach(at time.Duration, id string) step {
	return step{at, func(k *desk) []device.Event { return []device.Event{ev(k, device.Arrived, id)} }}
}

func detach(at time.Duration, id string) step {
	return step{at, func(k *desk) []device.Event {
		e := ev(k, device.Removed, id)
		d := k.devs[id]
		d.InCall, d.Streaming = false, false
		k.devs[id] = d
		return []device.Event{e}
	}}
}

func change(at time.Duration, id string, f func(d *device.Device)) step {
	return step{at, func(k *desk) []device.Event {
		d := k.devs[id]
		f(&d)
		k.devs[id] = d
		return []device.Event{ev(k, device.Changed, id)}
	}}
}

func callStart(at time.Duration, id string) step {
	return change(at, id, func(d *device.Device) { d.InCall = true })
}

func callEnd(at time.Duration, id string) step {
	return change(at, id, func(d *device.Device) { d.InCall = false })
}

func press(at time.Duration, id string, b device.Button) step {
	return step{at, func(k *desk) []device.Event {
		e := ev(k, device.ButtonPressed, id)
		e.Button = b
		return []device.Event{e}
	}}
}

func tele(at time.Duration, id string, s device.Telemetry) step {
	return step{at, func(k *desk) []device.Event {
		e := ev(k, device.TelemetrySample, id)
		e.Telemetry = s
		return []device.Event{e}
	}}
}

func link(at time.Duration, id string, l device.LinkQuality) step {
	return step{at, func(k *desk) []device.Event {
		e := ev(k, device.LinkQualitySample, id)
		e.LinkQuality = l
		return []device.Event{e}
	}}
}

func handover(at time.Duration, id string) step {
	return step{at, func(k *desk) []device.Event { return []device.Event{ev(k, device.DectHandover, id)} }}
}

func people(at time.Duration, id string, n int) step {
	return change(at, id, func(d *device.Device) { d.PeopleCount = ptr(n) })
}

func stream(at time.Duration, id string, on bool) step {
	return change(at, id, func(d *device.Device) { d.Streaming = on })
}

// got is what a test compares of a Transition: the kind, the device, and the
// record with its device reduced to key and parent key.
type got struct {
	Kind    Kind
	Call    store.CallRecord
	Session store.SessionRecord
}

func (g got) String() string {
	if g.Kind == StreamingStarted || g.Kind == StreamingEnded {
		return fmt.Sprintf("%v %+v", g.Kind, g.Session)
	}
	return fmt.Sprintf("%v %+v", g.Kind, g.Call)
}

func reduce(t Transition) got {
	g := got{Kind: t.Kind, Call: t.Call, Session: t.Session}
	g.Call.Device = store.HistoryDevice{Key: t.Call.Device.Key, ParentKey: t.Call.Device.ParentKey}
	g.Session.Device = store.HistoryDevice{Key: t.Session.Device.Key}
	return g
}

func started(id, key string, at time.Duration) got {
	return got{Kind: CallStarted, Call: store.CallRecord{CallID: id, Device: store.HistoryDevice{Key: key},
		Start: t0.Add(at), End: t0.Add(at)}}
}

func ended(id, key string, from, to time.Duration, reason string, fields ...func(r *store.CallRecord)) got {
	g := got{Kind: CallEnded, Call: store.CallRecord{CallID: id, Device: store.HistoryDevice{Key: key},
		Start: t0.Add(from), End: t0.Add(to), EndReason: reason}}
	for _, f := range fields {
		f(&g.Call)
	}
	return g
}

func behind(parentKey string) func(*store.CallRecord) {
	return func(r *store.CallRecord) { r.Device.ParentKey = parentKey }
}

func withParent(g got, parentKey string) got {
	g.Call.Device.ParentKey = parentKey
	return g
}

func sessionStarted(id, key string, at time.Duration, count *int) got {
	return got{Kind: StreamingStarted, Session: store.SessionRecord{SessionID: id, Device: store.HistoryDevice{Key: key},
		Start: t0.Add(at), End: t0.Add(at), PeopleCountAtStart: count}}
}

func sessionEnded(id, key string, from, to time.Duration, reason string, f func(r *store.SessionRecord)) got {
	g := got{Kind: StreamingEnded, Session: store.SessionRecord{SessionID: id, Device: store.HistoryDevice{Key: key},
		Start: t0.Add(from), End: t0.Add(to), EndReason: reason}}
	if f != nil {
		f(&g.Session)
	}
	return g
}

// play runs steps through a fresh tracker with CallIds c1, c2, …
func play(steps []step) (*Tracker, []got) {
	n := 0
	tr := NewTracker(func() string { n++; return fmt.Sprintf("c%d", n) })
	k := newDesk()
	var out []got
	for _, s := range steps {
		for _, e := range s.emit(k) {
			e.At = t0.Add(s.at)
			for _, t := range tr.Handle(e) {
				out = append(out, reduce(t))
			}
		}
	}
	return tr, out
}

const m = time.Minute

func TestTracker(t *testing.T) {
	mute, up, down := device.ButtonMute, device.ButtonVolumeUp, device.ButtonVolumeDown
	f := func(v float64) *float64 { return &v }
	b := func(v bool) *bool { return &v }
	tests := []struct {
		name  string
		steps []step
		want  []got
	}{
		{
			name:  "idle, in call, idle: one call with one CallId from start to end",
			steps: []step{attach(0, "sp"), callStart(1*m, "sp"), callEnd(3*m, "sp")},
			want:  []got{started("c1", "SP0001", 1*m), ended("c1", "SP0001", 1*m, 3*m, store.EndNormal)},
		},
		{
			name:  "a call with no presses and no samples has every counter and aggregate null",
			steps: []step{attach(0, "sp"), callStart(0, "sp"), callEnd(2*m, "sp")},
			want:  []got{started("c1", "SP0001", 0), ended("c1", "SP0001", 0, 2*m, store.EndNormal)},
		},
		{
			name: "presses count during the call only",
			steps: []step{
				attach(0, "sp"), press(10*time.Second, "sp", mute), press(20*time.Second, "sp", up),
				callStart(1*m, "sp"),
				press(70*time.Second, "sp", mute), press(80*time.Second, "sp", mute),
				press(90*time.Second, "sp", up), press(91*time.Second, "sp", down),
				press(92*time.Second, "sp", down), press(93*time.Second, "sp", down),
				callEnd(2*m, "sp"),
				press(3*m, "sp", mute), press(3*m, "sp", down),
			},
			want: []got{started("c1", "SP0001", 1*m), ended("c1", "SP0001", 1*m, 2*m, store.EndNormal, func(r *store.CallRecord) {
				r.MutePresses, r.VolumeUpPresses, r.VolumeDownPresses = ptr(2), ptr(1), ptr(3)
			})},
		},
		{
			name:  "a press of one button leaves the others null",
			steps: []step{attach(0, "sp"), callStart(0, "sp"), press(m, "sp", up), callEnd(2*m, "sp")},
			want: []got{started("c1", "SP0001", 0), ended("c1", "SP0001", 0, 2*m, store.EndNormal, func(r *store.CallRecord) {
				r.VolumeUpPresses = ptr(1)
			})},
		},
		{
			name: "telemetry: means and maxima over the samples that carry each value, boom arm and microphone counted",
			steps: []step{
				attach(0, "sp"),
				tele(0, "sp", device.Telemetry{AudioExposureDb: f(99), BoomArmBadlyPositioned: b(true)}), // before the call
				callStart(0, "sp"),
				tele(10*time.Second, "sp", device.Telemetry{AudioExposureDb: f(70), BackgroundNoiseDb: f(40), BoomArmBadlyPositioned: b(true), MicrophoneMalfunction: b(false)}),
				tele(20*time.Second, "sp", device.Telemetry{AudioExposureDb: f(72.5), BoomArmBadlyPositioned: b(false)}),
				tele(30*time.Second, "sp", device.Telemetry{AudioExposureDb: f(68), BackgroundNoiseDb: f(50), BoomArmBadlyPositioned: b(true)}),
				tele(40*time.Second, "sp", device.Telemetry{MicrophoneMalfunction: b(true)}),
				tele(50*time.Second, "sp", device.Telemetry{MicrophoneMalfunction: b(false)}),
				callEnd(m, "sp"),
				tele(2*m, "sp", device.Telemetry{AudioExposureDb: f(99), BackgroundNoiseDb: f(99)}), // after it
			},
			want: []got{started("c1", "SP0001", 0), ended("c1", "SP0001", 0, m, store.EndNormal, func(r *store.CallRecord) {
				r.AudioExposureAvgDb, r.AudioExposureMaxDb = f(70.17), f(72.5) // (70 + 72.5 + 68) / 3 = 70.1666…
				r.BackgroundNoiseAvgDb, r.BackgroundNoiseMaxDb = f(45), f(50)
				r.BoomArmBadlyPositioned = ptr(2)
				r.MicrophoneMalfunction = b(true)
			})},
		},
		{
			name: "boom arm and microphone sampled but fine: 0 and false, not null",
			steps: []step{
				attach(0, "sp"), callStart(0, "sp"),
				tele(10*time.Second, "sp", device.Telemetry{BoomArmBadlyPositioned: b(false), MicrophoneMalfunction: b(false)}),
				callEnd(m, "sp"),
			},
			want: []got{started("c1", "SP0001", 0), ended("c1", "SP0001", 0, m, store.EndNormal, func(r *store.CallRecord) {
				r.BoomArmBadlyPositioned, r.MicrophoneMalfunction = ptr(0), b(false)
			})},
		},
		{
			name: "link quality is weighted by time, a level reported before the call holds from its start",
			steps: []step{
				attach(0, "dg"), attach(0, "hs"), link(0, "hs", device.LinkHigh),
				callStart(m, "hs"), link(2*m, "hs", device.LinkLow), link(150*time.Second, "hs", device.LinkHigh),
				callEnd(5*m, "hs"),
			},
			// High 1 m + 2.5 m = 3.5 m, Low 0.5 m of 4 m: 87.5 % and 12.5 %,
			// whole percents by largest remainder (a tie goes to High).
			want: []got{withParent(started("c1", "HS0001", m), "DG0001"), ended("c1", "HS0001", m, 5*m, store.EndNormal, behind("DG0001"), func(r *store.CallRecord) {
				r.LinkQuality = map[string]float64{"High": 88, "Low": 12}
			})},
		},
		{
			name: "link quality unknown until the first sample in the call counts from that sample",
			steps: []step{
				attach(0, "dg"), attach(0, "hs"), callStart(0, "hs"),
				link(m, "hs", device.LinkLow), link(2*m, "hs", device.LinkLow), callEnd(3*m, "hs"),
			},
			want: []got{withParent(started("c1", "HS0001", 0), "DG0001"), ended("c1", "HS0001", 0, 3*m, store.EndNormal, behind("DG0001"), func(r *store.CallRecord) {
				r.LinkQuality = map[string]float64{"High": 0, "Low": 100}
			})},
		},
		{
			name: "link quality reported by the dongle counts for the headset's call",
			steps: []step{
				attach(0, "dg"), attach(0, "hs"), callStart(0, "hs"),
				link(0, "dg", device.LinkHigh), link(3*m, "dg", device.LinkLow), callEnd(4*m, "hs"),
			},
			want: []got{withParent(started("c1", "HS0001", 0), "DG0001"), ended("c1", "HS0001", 0, 4*m, store.EndNormal, behind("DG0001"), func(r *store.CallRecord) {
				r.LinkQuality = map[string]float64{"High": 75, "Low": 25}
			})},
		},
		{
			name: "DECT handovers are counted during the call; a DECT call without any reports 0",
			steps: []step{
				attach(0, "base"), attach(0, "dect"), handover(0, "dect"),
				callStart(m, "dect"), handover(2*m, "dect"), handover(3*m, "base"), handover(4*m, "dect"), callEnd(5*m, "dect"),
				callStart(6*m, "dect"), callEnd(7*m, "dect"),
			},
			want: []got{
				withParent(started("c1", "DE0001", m), "BS0001"),
				ended("c1", "DE0001", m, 5*m, store.EndNormal, behind("BS0001"), func(r *store.CallRecord) { r.DectHandovers = ptr(3) }),
				withParent(started("c2", "DE0001", 6*m), "BS0001"),
				ended("c2", "DE0001", 6*m, 7*m, store.EndNormal, behind("BS0001"), func(r *store.CallRecord) { r.DectHandovers = ptr(0) }),
			},
		},
		{
			name: "a dongle in call is the call of the headset behind it, however the two signal",
			steps: []step{
				attach(0, "dg"), attach(0, "hs"),
				callStart(m, "dg"), press(90*time.Second, "hs", mute), press(100*time.Second, "dg", up),
				callStart(2*m, "hs"), callEnd(3*m, "dg"), press(200*time.Second, "hs", mute), callEnd(4*m, "hs"),
			},
			want: []got{withParent(started("c1", "HS0001", m), "DG0001"), ended("c1", "HS0001", m, 4*m, store.EndNormal, behind("DG0001"), func(r *store.CallRecord) {
				r.MutePresses, r.VolumeUpPresses = ptr(2), ptr(1)
			})},
		},
		{
			name: "a headset in call and then its dongle: still one call, until both are idle",
			steps: []step{
				attach(0, "dg"), attach(0, "hs"),
				callStart(m, "hs"), callStart(m+time.Second, "dg"), callEnd(3*m, "hs"), callEnd(3*m+time.Second, "dg"),
			},
			want: []got{withParent(started("c1", "HS0001", m), "DG0001"), ended("c1", "HS0001", m, 3*m+time.Second, store.EndNormal, behind("DG0001"))},
		},
		{
			name: "a base with two headsets goes in call for the one that is in call",
			steps: []step{
				attach(0, "base"), attach(0, "dect"), attach(0, "dect2"),
				callStart(m, "dect2"), callStart(m, "base"), handover(90*time.Second, "base"), callEnd(2*m, "dect2"), callEnd(2*m, "base"),
			},
			want: []got{withParent(started("c1", "DE0002", m), "BS0001"), ended("c1", "DE0002", m, 2*m, store.EndNormal, behind("BS0001"), func(r *store.CallRecord) {
				r.DectHandovers = ptr(1)
			})},
		},
		{
			name: "two devices in calls at once keep their own counts",
			steps: []step{
				attach(0, "sp"), attach(0, "dg"), attach(0, "hs"),
				callStart(m, "sp"), callStart(2*m, "hs"),
				press(150*time.Second, "sp", mute), press(160*time.Second, "hs", up), press(170*time.Second, "hs", up),
				callEnd(3*m, "sp"), press(200*time.Second, "hs", down), callEnd(4*m, "hs"),
			},
			want: []got{
				started("c1", "SP0001", m), withParent(started("c2", "HS0001", 2*m), "DG0001"),
				ended("c1", "SP0001", m, 3*m, store.EndNormal, func(r *store.CallRecord) { r.MutePresses = ptr(1) }),
				ended("c2", "HS0001", 2*m, 4*m, store.EndNormal, behind("DG0001"), func(r *store.CallRecord) {
					r.VolumeUpPresses, r.VolumeDownPresses = ptr(2), ptr(1)
				}),
			},
		},
		{
			name: "a device removed mid-call ends the call and says so",
			steps: []step{
				attach(0, "sp"), callStart(m, "sp"), press(90*time.Second, "sp", mute), detach(2*m, "sp"),
				attach(3*m, "sp"), press(4*m, "sp", mute),
			},
			want: []got{started("c1", "SP0001", m), ended("c1", "SP0001", m, 2*m, store.EndDeviceRemoved, func(r *store.CallRecord) { r.MutePresses = ptr(1) })},
		},
		{
			name: "a dongle unplugged with its headset mid-call ends the call once",
			steps: []step{
				attach(0, "dg"), attach(0, "hs"), callStart(m, "dg"), callStart(m, "hs"),
				detach(2*m, "hs"), detach(2*m, "dg"),
			},
			want: []got{withParent(started("c1", "HS0001", m), "DG0001"), ended("c1", "HS0001", m, 2*m, store.EndDeviceRemoved, behind("DG0001"))},
		},
		{
			name: "a dongle still in call after its headset left starts no call until it is idle",
			steps: []step{
				attach(0, "dg"), attach(0, "hs"), callStart(m, "dg"), detach(2*m, "hs"),
				change(3*m, "dg", func(d *device.Device) { d.Muted = true }), callEnd(4*m, "dg"), callStart(5*m, "dg"), callEnd(6*m, "dg"),
			},
			want: []got{
				withParent(started("c1", "HS0001", m), "DG0001"), ended("c1", "HS0001", m, 2*m, store.EndDeviceRemoved, behind("DG0001")),
				started("c2", "DG0001", 5*m), ended("c2", "DG0001", 5*m, 6*m, store.EndNormal),
			},
		},
		{
			name:  "a device already in call when it arrives starts a call",
			steps: []step{callStartArrived(0, "sp"), callEnd(2*m, "sp")},
			want:  []got{started("c1", "SP0001", 0), ended("c1", "SP0001", 0, 2*m, store.EndNormal)},
		},
		{
			name: "camera session: people count at start and end, min, max, time-weighted average",
			steps: []step{
				attach(0, "cam"), people(0, "cam", 3), stream(m, "cam", true),
				people(2*m, "cam", 5), people(4*m, "cam", 2), people(4*m, "cam", 2), stream(5*m, "cam", false),
				people(6*m, "cam", 9),
			},
			want: []got{
				sessionStarted("c1", "CA0001", m, ptr(3)),
				// (3×1 + 5×2 + 2×1) / 4 minutes = 3.75
				sessionEnded("c1", "CA0001", m, 5*m, store.EndNormal, func(r *store.SessionRecord) {
					r.PeopleCountAtStart, r.PeopleCountAtEnd, r.PeopleCountMin, r.PeopleCountMax = ptr(3), ptr(2), ptr(2), ptr(5)
					r.PeopleCountAverage = f(3.75)
				}),
			},
		},
		{
			name: "camera session with no count until midway averages over the known time",
			steps: []step{
				attach(0, "cam"), stream(0, "cam", true), people(2*m, "cam", 4), people(3*m, "cam", 6), stream(4*m, "cam", false),
			},
			want: []got{
				sessionStarted("c1", "CA0001", 0, nil),
				sessionEnded("c1", "CA0001", 0, 4*m, store.EndNormal, func(r *store.SessionRecord) {
					r.PeopleCountAtEnd, r.PeopleCountMin, r.PeopleCountMax, r.PeopleCountAverage = ptr(6), ptr(4), ptr(6), f(5)
				}),
			},
		},
		{
			name:  "camera session without any count has null aggregates",
			steps: []step{attach(0, "cam"), stream(0, "cam", true), stream(2*m, "cam", false)},
			want:  []got{sessionStarted("c1", "CA0001", 0, nil), sessionEnded("c1", "CA0001", 0, 2*m, store.EndNormal, nil)},
		},
		{
			name:  "camera removed mid-stream ends the session and says so",
			steps: []step{attach(0, "cam"), people(0, "cam", 2), stream(0, "cam", true), people(m, "cam", 4), detach(3*m, "cam")},
			want: []got{
				sessionStarted("c1", "CA0001", 0, ptr(2)),
				sessionEnded("c1", "CA0001", 0, 3*m, store.EndDeviceRemoved, func(r *store.SessionRecord) {
					r.PeopleCountAtStart, r.PeopleCountAtEnd, r.PeopleCountMin, r.PeopleCountMax = ptr(2), ptr(4), ptr(2), ptr(4)
					r.PeopleCountAverage = f(3.33) // (2×1 + 4×2) / 3
				}),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out := play(tt.steps)
			if !reflect.DeepEqual(out, tt.want) {
				t.Errorf("transitions:\n%s\nwant:\n%s", lines(out), lines(tt.want))
			}
		})
	}
}

// callStartArrived is an Arrived event for a device already in call.
func callStartArrived(at time.Duration, id string) step {
	return step{at, func(k *desk) []device.Event {
		d := k.devs[id]
		d.InCall = true
		k.devs[id] = d
		return []device.Event{ev(k, device.Arrived, id)}
	}}
}

func lines(gs []got) string {
	var s []string
	for _, g := range gs {
		s = append(s, "  "+g.String())
	}
	return strings.Join(s, "\n")
}

func TestTrackerOpenAndCloseAll(t *testing.T) {
	tests := []struct {
		name         string
		steps        []step
		at           time.Duration
		wantCalls    []string // CallId/end reason of the checkpoint
		wantClosed   []got
		wantAfterNew bool // a new in-call signal after CloseAll starts no call until idle
	}{
		{
			name:       "a call and a session open: both checkpointed open, both closed as stopped",
			steps:      []step{attach(0, "sp"), attach(0, "cam"), callStart(0, "sp"), press(m, "sp", device.ButtonMute), stream(m, "cam", true)},
			at:         3 * m,
			wantCalls:  []string{"c1"},
			wantClosed: []got{ended("c1", "SP0001", 0, 3*m, store.EndStopped, func(r *store.CallRecord) { r.MutePresses = ptr(1) }), sessionEnded("c2", "CA0001", m, 3*m, store.EndStopped, nil)},
		},
		{
			name:  "nothing open",
			steps: []step{attach(0, "sp"), callStart(0, "sp"), callEnd(m, "sp")},
			at:    2 * m,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := play(tt.steps)
			calls, _ := tr.Open(t0.Add(tt.at))
			var ids []string
			for _, c := range calls {
				if !c.Open() || !c.End.Equal(t0.Add(tt.at)) {
					t.Errorf("checkpoint of %s: open %v, end %v", c.CallID, c.Open(), c.End)
				}
				ids = append(ids, c.CallID)
			}
			if !reflect.DeepEqual(ids, tt.wantCalls) {
				t.Errorf("open calls %v, want %v", ids, tt.wantCalls)
			}
			var closed []got
			for _, x := range tr.CloseAll(t0.Add(tt.at), store.EndStopped) {
				closed = append(closed, reduce(x))
			}
			if !reflect.DeepEqual(closed, tt.wantClosed) {
				t.Errorf("closed:\n%s\nwant:\n%s", lines(closed), lines(tt.wantClosed))
			}
			if c, s := tr.Open(t0.Add(tt.at)); len(c)+len(s) != 0 {
				t.Errorf("still open after CloseAll: %v %v", c, s)
			}
		})
	}
}

func TestPercentages(t *testing.T) {
	tests := []struct {
		name string
		in   map[device.LinkQuality]time.Duration
		want map[string]float64
	}{
		{"nothing", nil, nil},
		{"all high", map[device.LinkQuality]time.Duration{device.LinkHigh: m}, map[string]float64{"High": 100, "Low": 0}},
		{"thirds add up to 100", map[device.LinkQuality]time.Duration{device.LinkHigh: 2 * m, device.LinkLow: m}, map[string]float64{"High": 67, "Low": 33}},
		{"90/10", map[device.LinkQuality]time.Duration{device.LinkHigh: 9 * m, device.LinkLow: m}, map[string]float64{"High": 90, "Low": 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentages(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("percentages = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewUUID(t *testing.T) {
	a, b := NewUUID(), NewUUID()
	if a == b || len(a) != 36 || a[14] != '4' {
		t.Errorf("NewUUID = %q, %q", a, b)
	}
}

// TestStatStaysFinite: whatever feeds the tracker, a call's mean and
// maximum stay finite numbers that JSON can hold.
func TestStatStaysFinite(t *testing.T) {
	tests := []struct {
		name      string
		in        []float64
		mean, max *float64
	}{
		{name: "two samples of 1.7e308 would overflow the sum", in: []float64{1.7e308, 1.7e308}, mean: ptr(1.7e308), max: ptr(1.7e308)},
		{name: "NaN and infinities left out", in: []float64{70, math.NaN(), math.Inf(1), math.Inf(-1), 80}, mean: ptr(75.0), max: ptr(80.0)},
		{name: "nothing finite: no value", in: []float64{math.NaN()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s stat
			for _, v := range tt.in {
				s.add(v)
			}
			for _, c := range []struct {
				what      string
				got, want *float64
			}{{"mean", s.mean(), tt.mean}, {"max", s.maximum(), tt.max}} {
				if (c.got == nil) != (c.want == nil) || (c.got != nil && *c.got != *c.want) {
					t.Errorf("%s = %v, want %v", c.what, deref(c.got), deref(c.want))
				}
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
