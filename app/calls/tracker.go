// Package calls turns the device event stream into calls and camera
// streaming sessions (docs/analytics.md and docs/calls-and-presence.md): Tracker is the state machine, Service runs
// it against the store (history, checkpoints, recovery after a crash,
// retention) and reports each transition as an analytics event in the same
// transaction as its record.
package calls

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/store"
)

// Kind says what a Transition is.
type Kind int

// The transitions a Tracker reports.
const (
	CallStarted Kind = iota + 1
	CallEnded
	StreamingStarted
	StreamingEnded
)

func (k Kind) String() string {
	switch k {
	case CallStarted:
		return "CallStarted"
	case CallEnded:
		return "CallEnded"
	case StreamingStarted:
		return "CameraStreamingStarted"
	case StreamingEnded:
		return "CameraStreamingEnded"
	}
	return "unknown"
}

// Transition is a call or a camera session starting or ending.
type Transition struct {
	Kind    Kind
	Call    store.CallRecord    // CallStarted, CallEnded
	Session store.SessionRecord // StreamingStarted, StreamingEnded
	// Device is the call's or session's device as last seen (for an event
	// recovered at start-up, rebuilt from the stored record).
	Device device.Device
}

// Tracker follows calls and camera sessions per device. It is a plain state
// machine: feed it every event of the device stream, in order, from one
// goroutine; it reads time only from the events (and the times it is given).
//
// The rules:
//   - A call is the span from a device's idle → in-call transition to its
//     return to idle (docs/calls-and-presence.md). A dongle or base that goes in call for the
//     one headset behind it (or for the one child that is in call) is the
//     same call as the headset's: the call belongs to the headset, and it
//     lasts while either of them is in call.
//   - Presses, telemetry, link-quality samples and DECT handovers count for
//     the call of the device that reports them; a dongle's or base's samples
//     count for the call of the headset behind it. Outside a call they are
//     not counted.
//   - A device removed mid-call ends its call (EndReason DeviceRemoved); a
//     dongle still in call afterwards starts no new call until it goes idle.
//   - Link quality is weighted by time: each level holds from its sample
//     until the next sample or the call's end; a level reported before the
//     call holds from the call's start.
//   - A camera session is the span from streaming start to stop, with the
//     people count at start and end, its minimum, maximum and time-weighted
//     average (over the time a count was known).
type Tracker struct {
	newID    func() string
	devices  map[string]*tracked
	calls    map[string]*callState    // by the ID of the call's device
	sessions map[string]*sessionState // by camera ID
}

// tracked is what the tracker knows of one attached device.
type tracked struct {
	dev        device.Device
	suppressed bool               // in call, but its call ended by a removal: ignored until idle
	level      device.LinkQuality // last link-quality sample; "" = none yet
}

// NewTracker returns an empty tracker. newID makes CallIds and session ids;
// nil means random UUIDs.
func NewTracker(newID func() string) *Tracker {
	if newID == nil {
		newID = NewUUID
	}
	return &Tracker{
		newID:    newID,
		devices:  map[string]*tracked{},
		calls:    map[string]*callState{},
		sessions: map[string]*sessionState{},
	}
}

// NewUUID returns a random (version 4) UUID.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Handle applies e and returns the calls and sessions it started or ended,
// in order.
func (t *Tracker) Handle(e device.Event) []Transition {
	var out []Transition
	switch e.Type {
	case device.Arrived, device.Changed:
		out = t.update(e.Device, e.At)
	case device.Removed:
		out = t.remove(e.Device, e.At)
	case device.ButtonPressed:
		if c := t.callFor(e.Device.ID); c != nil {
			c.press(e.Button)
		}
	case device.TelemetrySample:
		if c := t.callFor(e.Device.ID); c != nil {
			c.telemetry(e.Telemetry)
		}
	case device.LinkQualitySample:
		if d := t.devices[e.Device.ID]; d != nil {
			d.level = e.LinkQuality
		}
		if c := t.callFor(e.Device.ID); c != nil {
			c.linkSample(e.LinkQuality, e.At)
		}
	case device.DectHandover:
		if c := t.callFor(e.Device.ID); c != nil {
			c.handovers++
		}
	}
	return out
}

// update records a new snapshot of d and reconciles its call and session.
func (t *Tracker) update(d device.Device, at time.Time) []Transition {
	tr := t.devices[d.ID]
	if tr == nil {
		tr = &tracked{}
		t.devices[d.ID] = tr
	}
	tr.dev = d.Clone()
	if !d.InCall {
		tr.suppressed = false
	}
	var out []Transition
	// The call this device drives, if any.
	if c := t.drivenBy(d.ID); c != nil && !d.InCall {
		delete(c.drivers, d.ID)
		if len(c.drivers) == 0 {
			out = append(out, t.endCall(c, at, store.EndNormal))
		}
	}
	if c := t.calls[d.ID]; c != nil {
		c.dev = d.Clone()
		c.rec.Device = t.historyDevice(d)
	}
	if d.InCall && !tr.suppressed && t.drivenBy(d.ID) == nil {
		owner := t.resolve(d.ID)
		if c := t.callOf(owner); c != nil {
			c.drivers[d.ID] = true
		} else {
			out = append(out, t.startCall(owner, d.ID, at))
		}
	}
	out = append(out, t.updateSession(d, at)...)
	return out
}

// remove ends what d's departure ends and forgets d.
func (t *Tracker) remove(d device.Device, at time.Time) []Transition {
	var out []Transition
	if c := t.calls[d.ID]; c != nil {
		for id := range c.drivers {
			if other := t.devices[id]; other != nil && id != d.ID {
				other.suppressed = true
			}
		}
		out = append(out, t.endCall(c, at, store.EndDeviceRemoved))
	}
	if c := t.drivenBy(d.ID); c != nil {
		delete(c.drivers, d.ID)
		if len(c.drivers) == 0 {
			out = append(out, t.endCall(c, at, store.EndDeviceRemoved))
		}
	}
	if s := t.sessions[d.ID]; s != nil {
		out = append(out, t.endSession(s, at, store.EndDeviceRemoved))
	}
	delete(t.devices, d.ID)
	return out
}

// resolve is the device whose call an in-call signal from id belongs to:
// down through the only child, or the only child in call, as far as it goes.
func (t *Tracker) resolve(id string) string {
	for range len(t.devices) {
		kids := t.children(id)
		var next string
		switch {
		case len(kids) == 1:
			next = kids[0]
		case len(kids) > 1:
			var busy []string
			for _, k := range kids {
				if t.devices[k].dev.InCall || t.calls[k] != nil {
					busy = append(busy, k)
				}
			}
			if len(busy) == 1 {
				next = busy[0]
			}
		}
		if next == "" {
			break
		}
		id = next
	}
	return id
}

// children returns the IDs of the attached devices whose parent is id, sorted.
func (t *Tracker) children(id string) []string {
	var kids []string
	for kid, tr := range t.devices {
		if tr.dev.Parent == id && kid != id {
			kids = append(kids, kid)
		}
	}
	slices.Sort(kids)
	return kids
}

// ancestors returns id's parent, grandparent, … among the attached devices.
func (t *Tracker) ancestors(id string) []string {
	var out []string
	for tr := t.devices[id]; tr != nil && tr.dev.Parent != "" && len(out) <= len(t.devices); tr = t.devices[tr.dev.Parent] {
		out = append(out, tr.dev.Parent)
	}
	return out
}

// callOf returns the open call of owner, or of an ancestor of it.
func (t *Tracker) callOf(owner string) *callState {
	if c := t.calls[owner]; c != nil {
		return c
	}
	for _, a := range t.ancestors(owner) {
		if c := t.calls[a]; c != nil {
			return c
		}
	}
	return nil
}

// drivenBy returns the open call whose in-call signals include id's.
func (t *Tracker) drivenBy(id string) *callState {
	for _, c := range t.calls {
		if c.drivers[id] {
			return c
		}
	}
	return nil
}

// callFor returns the call that a press or sample from id counts for: id's
// own call, the call it drives, the call of a device behind it, or the call
// of a device it is behind; nil outside a call.
func (t *Tracker) callFor(id string) *callState {
	if c := t.calls[id]; c != nil {
		return c
	}
	if c := t.drivenBy(id); c != nil {
		return c
	}
	owners := slices.Sorted(maps.Keys(t.calls))
	for _, owner := range owners {
		if slices.Contains(t.ancestors(owner), id) {
			return t.calls[owner]
		}
	}
	for _, a := range t.ancestors(id) {
		if c := t.calls[a]; c != nil {
			return c
		}
	}
	return nil
}

func (t *Tracker) historyDevice(d device.Device) store.HistoryDevice {
	h := store.HistoryDevice{
		Key: d.Key(), Name: d.Name, Kind: string(d.Kind), VendorID: d.VendorID, ProductID: d.ProductID,
		Variant: d.Variant, ESN: d.ESN, Firmware: d.Firmware, Connection: string(d.Connection),
	}
	if p := t.devices[d.Parent]; p != nil && d.Parent != "" {
		h.ParentKey = p.dev.Key()
	}
	return h
}

func (t *Tracker) startCall(owner, driver string, at time.Time) Transition {
	dev := t.devices[owner].dev
	c := &callState{
		dev:     dev.Clone(),
		drivers: map[string]bool{driver: true},
		link:    map[device.LinkQuality]time.Duration{},
		dect:    dev.Connection == device.ConnDECT,
	}
	c.rec = store.CallRecord{CallID: t.newID(), Device: t.historyDevice(dev), Start: at}
	// A level reported before the call holds from its start: the device's
	// own, else the adapter's it is reached through.
	for _, id := range append([]string{owner}, t.ancestors(owner)...) {
		if lvl := t.devices[id].level; lvl != "" {
			c.level, c.levelAt = lvl, at
			break
		}
	}
	for _, a := range t.ancestors(owner) {
		if t.devices[a].dev.Connection == device.ConnDECT {
			c.dect = true
		}
	}
	t.calls[owner] = c
	rec := c.rec
	rec.End = at
	return Transition{Kind: CallStarted, Call: rec, Device: dev.Clone()}
}

func (t *Tracker) endCall(c *callState, at time.Time, reason string) Transition {
	delete(t.calls, c.dev.ID)
	return Transition{Kind: CallEnded, Call: c.record(at, reason), Device: c.dev.Clone()}
}

// updateSession starts, follows or ends the streaming session of camera d.
func (t *Tracker) updateSession(d device.Device, at time.Time) []Transition {
	s := t.sessions[d.ID]
	switch {
	case s == nil && d.Streaming:
		s = &sessionState{dev: d.Clone()}
		s.rec = store.SessionRecord{SessionID: t.newID(), Device: t.historyDevice(d), Start: at}
		s.rec.PeopleCountAtStart = copyInt(d.PeopleCount)
		s.count(d.PeopleCount, at)
		t.sessions[d.ID] = s
		rec := s.rec
		rec.End = at
		return []Transition{{Kind: StreamingStarted, Session: rec, Device: d.Clone()}}
	case s != nil && !d.Streaming:
		s.dev = d.Clone()
		s.count(d.PeopleCount, at)
		return []Transition{t.endSession(s, at, store.EndNormal)}
	case s != nil:
		s.dev = d.Clone()
		s.rec.Device = t.historyDevice(d)
		s.count(d.PeopleCount, at)
	}
	return nil
}

func (t *Tracker) endSession(s *sessionState, at time.Time, reason string) Transition {
	delete(t.sessions, s.dev.ID)
	return Transition{Kind: StreamingEnded, Session: s.record(at, reason), Device: s.dev.Clone()}
}

// Open returns the open calls and sessions as they would end at now, for a
// checkpoint (EndReason stays "").
func (t *Tracker) Open(now time.Time) ([]store.CallRecord, []store.SessionRecord) {
	var calls []store.CallRecord
	for _, owner := range slices.Sorted(maps.Keys(t.calls)) {
		calls = append(calls, t.calls[owner].record(now, ""))
	}
	var sessions []store.SessionRecord
	for _, id := range slices.Sorted(maps.Keys(t.sessions)) {
		sessions = append(sessions, t.sessions[id].record(now, ""))
	}
	return calls, sessions
}

// CloseAll ends every open call and session at now with reason, as when
// Earshot stops; the devices stay known.
func (t *Tracker) CloseAll(now time.Time, reason string) []Transition {
	var out []Transition
	for _, owner := range slices.Sorted(maps.Keys(t.calls)) {
		c := t.calls[owner]
		for id := range c.drivers {
			if d := t.devices[id]; d != nil {
				d.suppressed = true
			}
		}
		out = append(out, t.endCall(c, now, reason))
	}
	for _, id := range slices.Sorted(maps.Keys(t.sessions)) {
		out = append(out, t.endSession(t.sessions[id], now, reason))
	}
	return out
}

// callState is one open call and its running aggregates.
type callState struct {
	rec     store.CallRecord // identity and start
	dev     device.Device
	drivers map[string]bool // devices whose in-call state keeps the call open

	mute, up, down int
	audio, noise   stat
	boomSeen       bool
	boom           int
	micSeen, mic   bool
	link           map[device.LinkQuality]time.Duration
	level          device.LinkQuality // the level in force; "" = unknown
	levelAt        time.Time
	handovers      int
	dect           bool // a DECT call: handovers are reported even when 0
}

// stat is a running mean and maximum.
type stat struct {
	n        int
	sum, max float64
}

// add counts v; a value that is not a finite number is left out (the
// device.Manager drops such samples already; this keeps a mean finite
// whatever feeds the tracker).
func (s *stat) add(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.IsInf(s.sum+v, 0) {
		return
	}
	if s.n == 0 || v > s.max {
		s.max = v
	}
	s.n++
	s.sum += v
}

func (s stat) mean() *float64 {
	if s.n == 0 {
		return nil
	}
	return ptr(round2(s.sum / float64(s.n)))
}

func (s stat) maximum() *float64 {
	if s.n == 0 {
		return nil
	}
	return ptr(round2(s.max))
}

func (c *callState) press(b device.Button) {
	switch b {
	case device.ButtonMute:
		c.mute++
	case device.ButtonVolumeUp:
		c.up++
	case device.ButtonVolumeDown:
		c.down++
	}
}

func (c *callState) telemetry(s device.Telemetry) {
	if s.AudioExposureDb != nil {
		c.audio.add(*s.AudioExposureDb)
	}
	if s.BackgroundNoiseDb != nil {
		c.noise.add(*s.BackgroundNoiseDb)
	}
	if s.BoomArmBadlyPositioned != nil {
		c.boomSeen = true
		if *s.BoomArmBadlyPositioned {
			c.boom++
		}
	}
	if s.MicrophoneMalfunction != nil {
		c.micSeen = true
		c.mic = c.mic || *s.MicrophoneMalfunction
	}
}

func (c *callState) linkSample(l device.LinkQuality, at time.Time) {
	c.closeLink(at)
	c.level, c.levelAt = l, at
}

// closeLink credits the level in force with the time up to at.
func (c *callState) closeLink(at time.Time) {
	if c.level != "" && at.After(c.levelAt) {
		c.link[c.level] += at.Sub(c.levelAt)
		c.levelAt = at
	}
}

// record is the call as it stands at end.
func (c *callState) record(end time.Time, reason string) store.CallRecord {
	r := c.rec
	if end.Before(r.Start) {
		end = r.Start
	}
	r.End, r.EndReason = end, reason
	r.MutePresses, r.VolumeUpPresses, r.VolumeDownPresses = countOrNil(c.mute), countOrNil(c.up), countOrNil(c.down)
	r.AudioExposureAvgDb, r.AudioExposureMaxDb = c.audio.mean(), c.audio.maximum()
	r.BackgroundNoiseAvgDb, r.BackgroundNoiseMaxDb = c.noise.mean(), c.noise.maximum()
	if c.boomSeen {
		r.BoomArmBadlyPositioned = ptr(c.boom)
	}
	if c.micSeen {
		r.MicrophoneMalfunction = ptr(c.mic)
	}
	link := maps.Clone(c.link)
	if c.level != "" && end.After(c.levelAt) {
		link[c.level] += end.Sub(c.levelAt)
	}
	r.LinkQuality = percentages(link)
	if c.dect || c.handovers > 0 {
		r.DectHandovers = ptr(c.handovers)
	}
	return r
}

// percentages turns time per level into whole percents of the total that add
// up to 100 (largest remainder), with every level of device.LinkQuality
// present; nil when no time was credited.
func percentages(link map[device.LinkQuality]time.Duration) map[string]float64 {
	var total time.Duration
	for _, d := range link {
		total += d
	}
	if total <= 0 {
		return nil
	}
	levels := []device.LinkQuality{device.LinkHigh, device.LinkLow}
	for l := range link {
		if !slices.Contains(levels, l) {
			levels = append(levels, l)
		}
	}
	type share struct {
		level device.LinkQuality
		whole int
		rest  float64
	}
	shares := make([]share, len(levels))
	left := 100
	for i, l := range levels {
		exact := float64(link[l]) * 100 / float64(total)
		whole := int(math.Floor(exact))
		shares[i] = share{l, whole, exact - float64(whole)}
		left -= whole
	}
	order := slices.Clone(shares)
	slices.SortStableFunc(order, func(a, b share) int { return cmp.Compare(b.rest, a.rest) })
	bonus := map[device.LinkQuality]int{}
	for i := 0; i < left && i < len(order); i++ {
		bonus[order[i].level]++
	}
	out := make(map[string]float64, len(shares))
	for _, s := range shares {
		out[string(s.level)] = float64(s.whole + bonus[s.level])
	}
	return out
}

// sessionState is one open camera streaming session.
type sessionState struct {
	rec      store.SessionRecord // identity, start, count at start
	dev      device.Device
	cur      *int // the count in force; nil = unknown
	curAt    time.Time
	min, max *int
	weighted float64       // count × seconds over the time a count was known
	known    time.Duration // time a count was known
}

// count moves the session to a new count at at.
func (s *sessionState) count(n *int, at time.Time) {
	s.credit(at)
	s.cur, s.curAt = copyInt(n), at
	if n != nil {
		if s.min == nil || *n < *s.min {
			s.min = ptr(*n)
		}
		if s.max == nil || *n > *s.max {
			s.max = ptr(*n)
		}
	}
}

// credit adds the count in force over the time up to at.
func (s *sessionState) credit(at time.Time) {
	if s.cur != nil && at.After(s.curAt) {
		d := at.Sub(s.curAt)
		s.weighted += float64(*s.cur) * d.Seconds()
		s.known += d
	}
	if at.After(s.curAt) {
		s.curAt = at
	}
}

func (s *sessionState) record(end time.Time, reason string) store.SessionRecord {
	r := s.rec
	if end.Before(r.Start) {
		end = r.Start
	}
	r.End, r.EndReason = end, reason
	weighted, known := s.weighted, s.known
	if s.cur != nil && end.After(s.curAt) {
		d := end.Sub(s.curAt)
		weighted += float64(*s.cur) * d.Seconds()
		known += d
	}
	r.PeopleCountAtEnd = copyInt(s.cur)
	r.PeopleCountMin, r.PeopleCountMax = copyInt(s.min), copyInt(s.max)
	switch {
	case known > 0:
		r.PeopleCountAverage = ptr(round2(weighted / known.Seconds()))
	case s.cur != nil:
		// A session too short to weigh: the count itself.
		r.PeopleCountAverage = ptr(float64(*s.cur))
	}
	return r
}

func countOrNil(n int) *int {
	if n == 0 {
		return nil
	}
	return ptr(n)
}

func copyInt(p *int) *int {
	if p == nil {
		return nil
	}
	return ptr(*p)
}

func ptr[T any](v T) *T { return &v }

// round2 rounds to two decimals, so reports carry no float noise.
func round2(v float64) float64 {
	if math.Abs(v) >= 1<<52/100 {
		return v // no fraction to round; v*100 could overflow
	}
	return math.Round(v*100) / 100
}

// Minutes is a duration in minutes, rounded to two decimals, as the
// …DurationMinutes fields of docs/analytics.md carry it.
func Minutes(d time.Duration) float64 { return round2(d.Minutes()) }
