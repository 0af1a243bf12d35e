package calls

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"

	"github.com/earshot-app/earshot/store"
)

// Record is one ended call of the history, in the shape of `earshot calls
// --json` (docs/command-line.md): CallId, ESN, DeviceName, Start, End and the call fields
// of docs/analytics.md (null when not observed), plus Earshot's CallEndReason. The
// views, the local API, the CLI and the CSV export all use it.
type Record struct {
	CallID                                 string                 `json:"CallId"`
	ESN                                    string                 `json:"ESN"`
	DeviceName                             string                 `json:"DeviceName"`
	Start                                  time.Time              `json:"Start"` // UTC
	End                                    time.Time              `json:"End"`   // UTC
	CallDurationMinutes                    float64                `json:"CallDurationMinutes"`
	TimesMuteButtonPressedDuringCall       *int                   `json:"TimesMuteButtonPressedDuringCall"`
	TimesVolumeUpButtonPressedDuringCall   *int                   `json:"TimesVolumeUpButtonPressedDuringCall"`
	TimesVolumeDownButtonPressedDuringCall *int                   `json:"TimesVolumeDownButtonPressedDuringCall"`
	AverageAudioExposureDb                 *float64               `json:"AverageAudioExposureDb"`
	MaximumAudioExposureDb                 *float64               `json:"MaximumAudioExposureDb"`
	AverageBackgroundNoiseDb               *float64               `json:"AverageBackgroundNoiseDb"`
	MaximumBackgroundNoiseDb               *float64               `json:"MaximumBackgroundNoiseDb"`
	TimesBoomArmBadlyPositioned            *int                   `json:"TimesBoomArmBadlyPositioned"`
	MicrophoneMalfunctionDetected          *bool                  `json:"MicrophoneMalfunctionDetected"`
	LinkQualityDistribution                map[string]float64     `json:"LinkQualityDistribution"`
	LinkQualityIndicators                  *LinkQualityIndicators `json:"LinkQualityIndicators"`
	// CallEndReason is why the call ended: Ended, DeviceRemoved,
	// EarshotStopped or Interrupted (Earshot stopped without closing it; the
	// end is its last checkpoint).
	CallEndReason string `json:"CallEndReason"`

	// Kind is what the entry is: KindCall, or KindCameraSession for a
	// camera's streaming session, which `earshot calls` lists beside the
	// calls as the window's Call history does. A session's CallId is the
	// session's id, CallDurationMinutes how long it streamed, CallEndReason
	// why it ended; the call-only fields are null. ("" from an older owner
	// means a call.)
	Kind string `json:"Kind"`
	// The people counts of a camera session (docs/analytics.md); null for
	// a call.
	PeopleCountAtStart *int     `json:"PeopleCountAtStart"`
	PeopleCountAtEnd   *int     `json:"PeopleCountAtEnd"`
	PeopleCountMin     *int     `json:"PeopleCountMin"`
	PeopleCountMax     *int     `json:"PeopleCountMax"`
	PeopleCountAverage *float64 `json:"PeopleCountAverage"`

	DeviceKey  string `json:"-"` // the device's Key, for filtering
	DeviceKind string `json:"-"` // the device's kind
}

// What an entry of the history is (Record.Kind): the stable tokens of
// `earshot calls --json` and --csv (docs/command-line.md).
const (
	KindCall          = "Call"
	KindCameraSession = "CameraSession"
)

// IsSession tells whether r is a camera session rather than a call.
func (r Record) IsSession() bool { return r.Kind == KindCameraSession }

// kind is r.Kind, KindCall when it is empty (a record from an older owner).
func (r Record) kind() string {
	if r.Kind == "" {
		return KindCall
	}
	return r.Kind
}

// LinkQualityIndicators are the call-quality indicators of docs/analytics.md
// ({"Dect": {"Handovers": 3}}).
type LinkQualityIndicators struct {
	Dect *DectIndicators `json:"Dect"`
}

// DectIndicators are the DECT indicators.
type DectIndicators struct {
	Handovers int `json:"Handovers"`
}

// Duration is how long the call lasted.
func (r Record) Duration() time.Duration { return r.End.Sub(r.Start) }

// Mutes is the number of mute presses (0 when none).
func (r Record) Mutes() int {
	if r.TimesMuteButtonPressedDuringCall == nil {
		return 0
	}
	return *r.TimesMuteButtonPressedDuringCall
}

// RecordOf turns a stored call into a Record.
func RecordOf(c store.CallRecord) Record {
	r := Record{
		CallID: c.CallID, ESN: c.Device.ESN, DeviceName: c.Device.Name,
		Start: c.Start.UTC(), End: c.End.UTC(), CallDurationMinutes: Minutes(c.End.Sub(c.Start)),
		TimesMuteButtonPressedDuringCall:       c.MutePresses,
		TimesVolumeUpButtonPressedDuringCall:   c.VolumeUpPresses,
		TimesVolumeDownButtonPressedDuringCall: c.VolumeDownPresses,
		AverageAudioExposureDb:                 c.AudioExposureAvgDb,
		MaximumAudioExposureDb:                 c.AudioExposureMaxDb,
		AverageBackgroundNoiseDb:               c.BackgroundNoiseAvgDb,
		MaximumBackgroundNoiseDb:               c.BackgroundNoiseMaxDb,
		TimesBoomArmBadlyPositioned:            c.BoomArmBadlyPositioned,
		MicrophoneMalfunctionDetected:          c.MicrophoneMalfunction,
		LinkQualityDistribution:                c.LinkQuality,
		CallEndReason:                          c.EndReason,
		Kind:                                   KindCall,
		DeviceKey:                              c.Device.Key,
		DeviceKind:                             c.Device.Kind,
	}
	if c.DectHandovers != nil {
		r.LinkQualityIndicators = &LinkQualityIndicators{Dect: &DectIndicators{Handovers: *c.DectHandovers}}
	}
	return r
}

// Session is one ended camera streaming session of the history.
type Session struct {
	SessionID                string
	DeviceKey                string
	DeviceName               string
	ESN                      string
	Start, End               time.Time // UTC
	EndReason                string
	StreamingDurationMinutes float64
	PeopleCountAtStart       *int
	PeopleCountAtEnd         *int
	PeopleCountMin           *int
	PeopleCountMax           *int
	PeopleCountAverage       *float64
}

// SessionOf turns a stored session into a Session.
func SessionOf(s store.SessionRecord) Session {
	return Session{
		SessionID: s.SessionID, DeviceKey: s.Device.Key, DeviceName: s.Device.Name, ESN: s.Device.ESN,
		Start: s.Start.UTC(), End: s.End.UTC(), EndReason: s.EndReason,
		StreamingDurationMinutes: Minutes(s.End.Sub(s.Start)),
		PeopleCountAtStart:       s.PeopleCountAtStart, PeopleCountAtEnd: s.PeopleCountAtEnd,
		PeopleCountMin: s.PeopleCountMin, PeopleCountMax: s.PeopleCountMax, PeopleCountAverage: s.PeopleCountAverage,
	}
}

// RecordOfSession turns a stored camera session into a Record of Kind
// KindCameraSession: the session's id as CallId, its length as
// CallDurationMinutes, its end reason as CallEndReason, its people counts;
// the call-only fields null.
func RecordOfSession(s store.SessionRecord) Record {
	return Record{
		CallID: s.SessionID, ESN: s.Device.ESN, DeviceName: s.Device.Name,
		Start: s.Start.UTC(), End: s.End.UTC(), CallDurationMinutes: Minutes(s.End.Sub(s.Start)),
		CallEndReason: s.EndReason, Kind: KindCameraSession,
		PeopleCountAtStart: s.PeopleCountAtStart, PeopleCountAtEnd: s.PeopleCountAtEnd,
		PeopleCountMin: s.PeopleCountMin, PeopleCountMax: s.PeopleCountMax, PeopleCountAverage: s.PeopleCountAverage,
		DeviceKey: s.Device.Key, DeviceKind: s.Device.Kind,
	}
}

// Device is a device that has history.
type Device struct {
	Key  string
	Name string
	Kind string
	ESN  string
}

// Filter selects history: one device or all, one day or all.
type Filter struct {
	DeviceKey string    // "" = every device
	Day       time.Time // any time on the day wanted, in the location days are counted in; zero = every day
	Since     time.Time // with Day zero: calls that started at or after Since; zero = no bound
	Until     time.Time // with Day zero: calls that started before Until; zero = no bound
	Limit     int       // at most this many, newest first; ≤ 0 = all
}

// DayTotal sums the calls of one day.
type DayTotal struct {
	Day      time.Time // midnight starting the day
	Calls    int
	TalkTime time.Duration
	Mutes    int
}

// History reads the call history of a store. It works on the owner's store
// and on one a command opened itself.
type History struct {
	st  *store.Store
	loc func() *time.Location // where days begin
}

// NewHistory returns the history of st, counting days in the location loc
// returns (nil: time.Local).
func NewHistory(st *store.Store, loc func() *time.Location) *History {
	if loc == nil {
		loc = func() *time.Location { return time.Local }
	}
	return &History{st: st, loc: loc}
}

func (h *History) query(f Filter) store.Query {
	q := store.Query{DeviceKey: f.DeviceKey, Limit: f.Limit, From: f.Since, To: f.Until}
	if !f.Day.IsZero() {
		t := f.Day.In(h.loc())
		q.From = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
		q.To = q.From.AddDate(0, 0, 1)
	}
	return q
}

// Calls returns the ended calls f selects, newest first.
func (h *History) Calls(f Filter) ([]Record, error) {
	recs, err := h.st.Calls(h.query(f))
	out := make([]Record, len(recs))
	for i, c := range recs {
		out[i] = RecordOf(c)
	}
	if err != nil {
		return out, fmt.Errorf("call history: %w", err)
	}
	return out, nil
}

// EachCall calls fn with each ended call and camera session f selects
// (Record.Kind tells which), newest first by start, as the window's Call
// history lists them, reading both histories in pages so memory stays flat
// in their size (`earshot calls`, GET /v1/calls, the window's export).
// f.Limit counts both. fn's error stops the listing and is returned.
func (h *History) EachCall(f Filter, fn func(Record) error) error {
	q := h.query(f)
	c := pullRecords(h.st.EachCall, q, RecordOf)
	defer c.stop()
	s := pullRecords(h.st.EachCameraSession, q, RecordOfSession)
	defer s.stop()
	cr, cok := c.pull()
	sr, sok := s.pull()
	for n := 0; cok || sok; n++ {
		if f.Limit > 0 && n == f.Limit {
			return nil
		}
		var r Record
		// At the same start the call comes first, as in the window.
		if cok && (!sok || !sr.Start.After(cr.Start)) {
			r = cr
			cr, cok = c.pull()
		} else {
			r = sr
			sr, sok = s.pull()
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := errors.Join(c.err, s.err); err != nil {
		return fmt.Errorf("call history: %w", err)
	}
	return nil
}

// errPulled ends a listing that the merge no longer reads.
var errPulled = errors.New("listing stopped")

// recordStream pulls the records of one history listing one at a time, so
// two listings can be merged while each reads its own pages.
type recordStream struct {
	next func() (Record, bool)
	stop func()
	err  error // the listing's error, once next said there is no more
}

func pullRecords[T any](each func(store.Query, func(T) error) error, q store.Query, conv func(T) Record) *recordStream {
	rs := &recordStream{}
	rs.next, rs.stop = iter.Pull(func(yield func(Record) bool) {
		err := each(q, func(v T) error {
			if !yield(conv(v)) {
				return errPulled
			}
			return nil
		})
		if err != nil && !errors.Is(err, errPulled) {
			rs.err = err
		}
	})
	return rs
}

// pull returns the next record; false at the end or on an error (in err).
func (rs *recordStream) pull() (Record, bool) { return rs.next() }

// Sessions returns the ended camera sessions f selects, newest first.
func (h *History) Sessions(f Filter) ([]Session, error) {
	recs, err := h.st.CameraSessions(h.query(f))
	out := make([]Session, len(recs))
	for i, s := range recs {
		out[i] = SessionOf(s)
	}
	if err != nil {
		return out, fmt.Errorf("camera session history: %w", err)
	}
	return out, nil
}

// Days returns the call totals per day of the calls f selects (f.Limit is
// ignored), newest day first.
func (h *History) Days(f Filter) ([]DayTotal, error) {
	totals, err := h.st.CallTotals(h.query(f), h.loc())
	if err != nil {
		return nil, fmt.Errorf("call totals: %w", err)
	}
	out := make([]DayTotal, len(totals))
	for i, t := range totals {
		out[i] = DayTotal{Day: t.Day, Calls: t.Count, TalkTime: t.Time, Mutes: t.Mutes}
	}
	return out, nil
}

// Devices returns the devices with calls or camera sessions, by name.
func (h *History) Devices() ([]Device, error) {
	seen := map[string]bool{}
	var out []Device
	for _, list := range []func() ([]store.HistoryDevice, error){h.st.CallDevices, h.st.CameraSessionDevices} {
		devs, err := list()
		if err != nil {
			return out, fmt.Errorf("devices with history: %w", err)
		}
		for _, d := range devs {
			if !seen[d.Key] {
				seen[d.Key] = true
				out = append(out, Device{Key: d.Key, Name: d.Name, Kind: d.Kind, ESN: d.ESN})
			}
		}
	}
	sortDevices(out)
	return out, nil
}

// CSVHeader is the first row of a CSV export: the keys of Record.
var CSVHeader = []string{
	"CallId", "ESN", "DeviceName", "Start", "End", "CallDurationMinutes",
	"TimesMuteButtonPressedDuringCall", "TimesVolumeUpButtonPressedDuringCall", "TimesVolumeDownButtonPressedDuringCall",
	"AverageAudioExposureDb", "MaximumAudioExposureDb", "AverageBackgroundNoiseDb", "MaximumBackgroundNoiseDb",
	"TimesBoomArmBadlyPositioned", "MicrophoneMalfunctionDetected",
	"LinkQualityHighPercent", "LinkQualityLowPercent", "DectHandovers", "CallEndReason",
	"Kind", "PeopleCountAtStart", "PeopleCountAtEnd", "PeopleCountMin", "PeopleCountMax", "PeopleCountAverage",
}

// WriteCSV writes recs as CSV with CSVHeader: times in RFC 3339 UTC, an
// empty cell where the JSON has null.
func WriteCSV(w io.Writer, recs []Record) error {
	cw := NewCSVWriter(w)
	for _, r := range recs {
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// CSVWriter writes calls as CSV one at a time, the header first, so a long
// history is written without holding it.
type CSVWriter struct {
	cw     *csv.Writer
	header bool
}

// NewCSVWriter returns a CSVWriter on w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{cw: csv.NewWriter(w)} }

// Write writes one call (after the header, the first time).
func (c *CSVWriter) Write(r Record) error {
	if !c.header {
		c.header = true
		if err := c.cw.Write(CSVHeader); err != nil {
			return fmt.Errorf("write CSV: %w", err)
		}
	}
	row := []string{
		r.CallID, r.ESN, r.DeviceName, r.Start.UTC().Format(time.RFC3339), r.End.UTC().Format(time.RFC3339),
		num(r.CallDurationMinutes),
		intCell(r.TimesMuteButtonPressedDuringCall), intCell(r.TimesVolumeUpButtonPressedDuringCall),
		intCell(r.TimesVolumeDownButtonPressedDuringCall),
		floatCell(r.AverageAudioExposureDb), floatCell(r.MaximumAudioExposureDb),
		floatCell(r.AverageBackgroundNoiseDb), floatCell(r.MaximumBackgroundNoiseDb),
		intCell(r.TimesBoomArmBadlyPositioned), boolCell(r.MicrophoneMalfunctionDetected),
		levelCell(r.LinkQualityDistribution, "High"), levelCell(r.LinkQualityDistribution, "Low"),
		dectCell(r.LinkQualityIndicators), r.CallEndReason,
		r.kind(), intCell(r.PeopleCountAtStart), intCell(r.PeopleCountAtEnd),
		intCell(r.PeopleCountMin), intCell(r.PeopleCountMax), floatCell(r.PeopleCountAverage),
	}
	if err := c.cw.Write(row); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// Flush writes what is buffered (and the header when no call was written).
func (c *CSVWriter) Flush() error {
	if !c.header {
		c.header = true
		if err := c.cw.Write(CSVHeader); err != nil {
			return fmt.Errorf("write CSV: %w", err)
		}
	}
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func intCell(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func floatCell(p *float64) string {
	if p == nil {
		return ""
	}
	return num(*p)
}

func boolCell(p *bool) string {
	if p == nil {
		return ""
	}
	return strconv.FormatBool(*p)
}

func levelCell(m map[string]float64, level string) string {
	if m == nil {
		return ""
	}
	return num(m[level])
}

func dectCell(l *LinkQualityIndicators) string {
	if l == nil || l.Dect == nil {
		return ""
	}
	return strconv.Itoa(l.Dect.Handovers)
}
