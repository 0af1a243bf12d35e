//go:build ci

package views

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/calls"
	"github.com/earshot-app/earshot/translations"
	"github.com/earshot-app/earshot/translations/translationstest"
)

// hNow is the fake clock's time: Tuesday 24 November 2026, 15:00 UTC.
var hNow = time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)

// fakeHistory is a HistorySource over records in memory; days are UTC days.
type fakeHistory struct {
	mu       sync.Mutex
	calls    []calls.Record
	sessions []calls.Session
	onChange func()
	asked    []calls.Filter // every Calls filter, in order
}

func (f *fakeHistory) match(key string, start time.Time, flt calls.Filter) bool {
	if flt.DeviceKey != "" && key != flt.DeviceKey {
		return false
	}
	return flt.Day.IsZero() || sameDay(flt.Day.In(time.UTC), start)
}

func (f *fakeHistory) Devices() ([]calls.Device, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	var out []calls.Device
	for _, c := range f.calls {
		if !seen[c.DeviceKey] {
			seen[c.DeviceKey] = true
			out = append(out, calls.Device{Key: c.DeviceKey, Name: c.DeviceName, ESN: c.ESN, Kind: c.DeviceKind})
		}
	}
	for _, s := range f.sessions {
		if !seen[s.DeviceKey] {
			seen[s.DeviceKey] = true
			out = append(out, calls.Device{Key: s.DeviceKey, Name: s.DeviceName, ESN: s.ESN, Kind: "camera"})
		}
	}
	slices.SortFunc(out, func(a, b calls.Device) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (f *fakeHistory) Calls(flt calls.Filter) ([]calls.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, flt)
	var out []calls.Record
	for _, c := range f.calls {
		if f.match(c.DeviceKey, c.Start, flt) && (flt.Limit <= 0 || len(out) < flt.Limit) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeHistory) EachCall(flt calls.Filter, fn func(calls.Record) error) error {
	recs, err := f.Calls(flt)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeHistory) Sessions(flt calls.Filter) ([]calls.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []calls.Session
	for _, s := range f.sessions {
		if f.match(s.DeviceKey, s.Start, flt) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *fakeHistory) Days(flt calls.Filter) ([]calls.DayTotal, error) {
	cs, _ := f.Calls(flt)
	var out []calls.DayTotal
	for _, c := range cs {
		day := midnight(c.Start)
		if len(out) == 0 || !out[len(out)-1].Day.Equal(day) {
			out = append(out, calls.DayTotal{Day: day})
		}
		d := &out[len(out)-1]
		d.Calls++
		d.TalkTime += c.Duration()
		d.Mutes += c.Mutes()
	}
	return out, nil
}

func (f *fakeHistory) Now() time.Time { return hNow }

func (f *fakeHistory) Subscribe(onChange func()) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onChange = onChange
	return func() {}
}

// add stores a call and reports the change from another goroutine, as the
// calls service does.
func (f *fakeHistory) add(c calls.Record) {
	f.mu.Lock()
	f.calls = append([]calls.Record{c}, f.calls...)
	fn := f.onChange
	f.mu.Unlock()
	go fn()
}

func hcall(id, key, name string, start time.Time, dur time.Duration, mutes *int) calls.Record {
	return calls.Record{CallID: id, DeviceKey: key, DeviceName: name, ESN: key, DeviceKind: "headset",
		Start: start, End: start.Add(dur), CallDurationMinutes: calls.Minutes(dur),
		TimesMuteButtonPressedDuringCall: mutes, CallEndReason: "Ended"}
}

// sampleHistory: three days, two headsets and a camera session, newest first.
func sampleHistory() *fakeHistory {
	at := func(daysAgo, hour, minute int) time.Time {
		return time.Date(2026, 11, 24-daysAgo, hour, minute, 0, 0, time.UTC)
	}
	quiet := hcall("c5", "HS1", "Jabra Evolve2 85", at(0, 14, 2), 12*time.Minute, nil)
	quiet.LinkQualityDistribution = map[string]float64{"High": 88, "Low": 12}
	quiet.AverageAudioExposureDb, quiet.MaximumAudioExposureDb = ptr(69.35), ptr(72.5)
	return &fakeHistory{
		calls: []calls.Record{
			quiet,
			hcall("c4", "HS2", "Jabra Engage 75", at(0, 9, 30), 5*time.Minute, ptr(3)),
			hcall("c3", "HS1", "Jabra Evolve2 85", at(1, 16, 0), 65*time.Minute, ptr(1)),
			hcall("c2", "HS2", "Jabra Engage 75", at(1, 10, 0), 30*time.Second, nil),
			hcall("c1", "HS1", "Jabra Evolve2 85", at(3, 11, 0), 20*time.Minute, ptr(2)),
		},
		sessions: []calls.Session{{SessionID: "s1", DeviceKey: "CAM1", DeviceName: "Jabra PanaCast 50",
			Start: at(0, 10, 0), End: at(0, 10, 45), EndReason: "Ended",
			PeopleCountAtStart: ptr(2), PeopleCountAtEnd: ptr(3), PeopleCountMin: ptr(2), PeopleCountMax: ptr(6), PeopleCountAverage: ptr(3.75)}},
	}
}

// historyHarness is a page in a test window. The page's UI work from
// background goroutines is queued and run on the test goroutine, as Fyne's
// event loop runs fyne.Do work on its own.
type historyHarness struct {
	t     *testing.T
	page  *HistoryPage
	win   fyne.Window
	src   *fakeHistory
	queue chan func()
	loads int // loads that reached the page
}

func newHistoryHarness(t *testing.T, src *fakeHistory) *historyHarness {
	t.Helper()
	a := test.NewTempApp(t)
	h := &historyHarness{t: t, src: src, queue: make(chan func(), 64)}
	h.win = a.NewWindow("history")
	h.page = NewHistoryPage(HistoryPageParams{Source: src, T: translations.New("en"), Window: func() fyne.Window { return h.win },
		ui: func(f func()) { h.queue <- f }, onLoaded: func() { h.loads++ }})
	h.win.SetContent(h.page.Content())
	h.win.Resize(fyne.NewSize(900, 700))
	h.wait()
	return h
}

// wait runs queued UI work until the next load has reached the page.
func (h *historyHarness) wait() {
	h.t.Helper()
	n := h.loads
	h.runUntil(func() bool { return h.loads > n })
}

// runUntil runs queued UI work until cond holds.
func (h *historyHarness) runUntil(cond func() bool) {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for !cond() {
		select {
		case f := <-h.queue:
			f()
		case <-timeout:
			h.t.Fatal("the page did not get there within 5 s")
		}
	}
}

// rows renders every list row as text: headings as "# <text>", entries as
// "<title> | <subtitle> | <duration>".
func (h *historyHarness) rows() []string {
	var out []string
	for i := range h.page.rows {
		o := h.page.newRow()
		h.page.updateRow(i, o)
		stack := o.(*fyne.Container)
		heading, entry := stack.Objects[0].(*fyne.Container), stack.Objects[1].(*fyne.Container)
		if heading.Visible() {
			line := heading.Objects[1].(*fyne.Container) // Border: the totals (centre), then the date
			out = append(out, "# "+richText(line.Objects[1].(*widget.RichText))+" | "+richText(line.Objects[0].(*widget.RichText)))
			continue
		}
		text := entry.Objects[0].(*widget.RichText)
		right := entry.Objects[2].(*fyne.Container).Objects[0].(*widget.RichText)
		out = append(out, richText(text)+" | "+richText(right))
	}
	return out
}

func richText(r *widget.RichText) string {
	var parts []string
	for _, s := range r.Segments {
		if t, ok := s.(*widget.TextSegment); ok {
			parts = append(parts, strings.TrimSpace(t.Text))
		}
	}
	return strings.Join(parts, " | ")
}

func (h *historyHarness) details() string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *widget.RichText:
			b.WriteString(richText(w) + "\n")
		case *widget.Card:
			walk(w.Content)
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(h.page.details)
	return b.String()
}

func TestHistoryPageListsNewestFirstUnderDayHeadings(t *testing.T) {
	h := newHistoryHarness(t, sampleHistory())
	want := []string{
		"# Tue 24 Nov 2026 | 2 calls · 17 min talk · 3 mutes",
		"14:02  Jabra Evolve2 85 | 0 mutes | 12 min",
		"10:00  Jabra PanaCast 50 | Camera session · up to 6 people | 45 min",
		"09:30  Jabra Engage 75 | 3 mutes | 5 min",
		"# Mon 23 Nov 2026 | 2 calls · 1 h 05 min talk · 1 mute",
		"16:00  Jabra Evolve2 85 | 1 mute | 1 h 05 min",
		"10:00  Jabra Engage 75 | 0 mutes | 30 s",
		"# Sat 21 Nov 2026 | 1 call · 20 min talk · 2 mutes",
		"11:00  Jabra Evolve2 85 | 2 mutes | 20 min",
	}
	if got := h.rows(); !slices.Equal(got, want) {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := richText(h.page.head); got != "Call history | 5 calls · 1 h 42 min talk time" {
		t.Errorf("heading %q", got)
	}
	if h.page.empty.Visible() {
		t.Error("empty state shown beside calls")
	}
}

func TestHistoryPageFilters(t *testing.T) {
	tests := []struct {
		name   string
		act    func(h *historyHarness)
		want   []string // call and session ids listed
		device string   // the device select shows
		day    string   // the day select shows
	}{
		{
			name:   "by device",
			act:    func(h *historyHarness) { h.page.deviceSel.SetSelected("Jabra Engage 75") },
			want:   []string{"c4", "c2"},
			device: "Jabra Engage 75", day: "All days",
		},
		{
			name:   "by day",
			act:    func(h *historyHarness) { h.page.daySel.SetSelected("Mon 23 Nov 2026") },
			want:   []string{"c3", "c2"},
			device: "All devices", day: "Mon 23 Nov 2026",
		},
		{
			name: "by device and day",
			act: func(h *historyHarness) {
				h.page.deviceSel.SetSelected("Jabra Evolve2 85")
				h.wait()
				h.page.daySel.SetSelected("Tue 24 Nov 2026")
			},
			want:   []string{"c5"},
			device: "Jabra Evolve2 85", day: "Tue 24 Nov 2026",
		},
		{
			name: "a camera's sessions",
			act:  func(h *historyHarness) { h.page.deviceSel.SetSelected("Jabra PanaCast 50") },
			want: []string{"s1"}, device: "Jabra PanaCast 50", day: "All days",
		},
		{
			name: "tapping a bar of the chart picks its day",
			act: func(h *historyHarness) {
				w := h.page.chart.Size().Width / chartDays
				// The last bar is today, the one before yesterday.
				h.page.chart.Tapped(&fyne.PointEvent{Position: fyne.NewPos(w*(chartDays-2)+w/2, 10)})
			},
			want:   []string{"c3", "c2"},
			device: "All devices", day: "Mon 23 Nov 2026",
		},
		{
			name: "tapping the picked bar again shows every day",
			act: func(h *historyHarness) {
				h.page.daySel.SetSelected("Sat 21 Nov 2026")
				h.wait()
				w := h.page.chart.Size().Width / chartDays
				h.page.chart.Tapped(&fyne.PointEvent{Position: fyne.NewPos(w*(chartDays-4)+w/2, 10)})
			},
			want:   []string{"c5", "s1", "c4", "c3", "c2", "c1"},
			device: "All devices", day: "All days",
		},
		{
			name: "a day without calls shows the empty hint",
			act: func(h *historyHarness) {
				w := h.page.chart.Size().Width / chartDays
				h.page.chart.Tapped(&fyne.PointEvent{Position: fyne.NewPos(w*(chartDays-3)+w/2, 10)}) // Sunday
			},
			want:   nil,
			device: "All devices", day: "Sun 22 Nov 2026",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHistoryHarness(t, sampleHistory())
			tt.act(h)
			h.wait()
			var got []string
			for _, r := range h.page.rows {
				if r.id() != "" {
					got = append(got, r.id())
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("listed %v, want %v", got, tt.want)
			}
			if h.page.deviceSel.Selected != tt.device || h.page.daySel.Selected != tt.day {
				t.Errorf("selects show %q, %q; want %q, %q", h.page.deviceSel.Selected, h.page.daySel.Selected, tt.device, tt.day)
			}
			if len(tt.want) == 0 && (!h.page.empty.Visible() || !strings.Contains(richText(h.page.empty), "match the filter")) {
				t.Errorf("empty state %q (visible %v)", richText(h.page.empty), h.page.empty.Visible())
			}
		})
	}
}

func TestHistoryPageSelectShowsDetails(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		want    []string // lines the details contain
		notWant []string
	}{
		{
			name: "a call without mute presses says None, and shows its telemetry",
			id:   "c5",
			want: []string{"Jabra Evolve2 85", "Tue 24 Nov 2026, 14:02–14:14", "12 min", "Ended normally",
				"Mute presses", "None", "69.35 dB", "72.5 dB", "High 88 % · Low 12 %", "c5"},
			notWant: []string{"Average background noise", "DECT handovers"},
		},
		{
			name:    "a call without telemetry says so",
			id:      "c4",
			want:    []string{"Jabra Engage 75", "3", "Not reported by this device"},
			notWant: []string{"Average audio exposure"},
		},
		{
			name: "a camera session shows its people counts",
			id:   "s1",
			want: []string{"Jabra PanaCast 50", "45 min", "People at start", "2", "Most people", "6", "3.75"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHistoryHarness(t, sampleHistory())
			if !strings.Contains(h.details(), "Select a call") {
				t.Errorf("details before a selection: %q", h.details())
			}
			i := slices.IndexFunc(h.page.rows, func(r historyRow) bool { return r.id() == tt.id })
			h.page.list.Select(i)
			got := h.details()
			for _, w := range tt.want {
				if !strings.Contains(got, w+"\n") && !strings.Contains(got, w) {
					t.Errorf("details lack %q:\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("details show %q:\n%s", w, got)
				}
			}
			// The selection survives a reload.
			h.src.add(hcall("c6", "HS1", "Jabra Evolve2 85", hNow.Add(-5*time.Minute), time.Minute, nil))
			h.wait()
			if !strings.Contains(h.details(), tt.id) && tt.id != "s1" {
				t.Errorf("selection lost after a reload:\n%s", h.details())
			}
		})
	}
	t.Run("a day heading cannot be selected", func(t *testing.T) {
		h := newHistoryHarness(t, sampleHistory())
		h.page.list.Select(0)
		if !strings.Contains(h.details(), "Select a call") {
			t.Errorf("details after selecting a heading: %q", h.details())
		}
	})
}

// memWriter is a fyne.URIWriteCloser into memory.
type memWriter struct {
	bytes.Buffer
	closed bool
}

func (m *memWriter) Close() error                { m.closed = true; return nil }
func (m *memWriter) URI() fyne.URI               { return storage.NewFileURI("/tmp/calls.csv") }
func (m *memWriter) Write(p []byte) (int, error) { return m.Buffer.Write(p) }

func TestHistoryPageExport(t *testing.T) {
	tests := []struct {
		name    string
		filter  func(h *historyHarness)
		wantIDs []string
	}{
		{"everything", func(*historyHarness) {}, []string{"c5", "c4", "c3", "c2", "c1"}},
		{"what the filter selects", func(h *historyHarness) { h.page.deviceSel.SetSelected("Jabra Evolve2 85"); h.wait() }, []string{"c5", "c3", "c1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHistoryHarness(t, sampleHistory())
			tt.filter(h)
			w := &memWriter{}
			var asked string
			h.page.saveFile = func(name string, done func(fyne.URIWriteCloser, error)) {
				asked = name
				done(w, nil)
			}
			test.Tap(h.page.exportBtn)
			h.runUntil(func() bool { return h.win.Canvas().Overlays().Top() != nil })
			msg := strings.Join(strings.Fields(visibleText(h.win.Canvas().Overlays().Top())), " ")
			if !strings.Contains(msg, "Call history exported") || !strings.Contains(msg, "written to /tmp/calls.csv.") {
				t.Errorf("the message does not name the file written: %s", msg)
			}
			h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
			if h.win.Canvas().Overlays().Top() != nil {
				t.Error("Enter does not close the message")
			}
			if asked != "earshot-calls-2026-11-24.csv" {
				t.Errorf("suggested file name %q", asked)
			}
			if !w.closed {
				t.Error("the file was not closed")
			}
			rows, err := csv.NewReader(bytes.NewReader(w.Bytes())).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rows[0], calls.CSVHeader) {
				t.Errorf("header %v", rows[0])
			}
			var ids []string
			for _, r := range rows[1:] {
				ids = append(ids, r[0])
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("exported %v, want %v", ids, tt.wantIDs)
			}
			// The no-mute call has an empty cell, not 0.
			for _, r := range rows[1:] {
				if r[0] == "c5" && r[6] != "" {
					t.Errorf("mute presses of a call without any: %q", r[6])
				}
			}
		})
	}
	t.Run("the export button opens a save dialog", func(t *testing.T) {
		h := newHistoryHarness(t, sampleHistory())
		test.Tap(h.page.exportBtn)
		if h.win.Canvas().Overlays().Top() == nil {
			t.Error("no dialog after tapping Export")
		}
	})
	t.Run("nothing to export disables the button", func(t *testing.T) {
		h := newHistoryHarness(t, &fakeHistory{})
		if !h.page.exportBtn.Disabled() {
			t.Error("Export enabled on an empty history")
		}
		if !h.page.empty.Visible() || !strings.HasPrefix(richText(h.page.empty), "No calls yet") {
			t.Errorf("empty state %q", richText(h.page.empty))
		}
	})
}

func TestHistoryPageFollowsTheSource(t *testing.T) {
	h := newHistoryHarness(t, sampleHistory())
	h.src.add(hcall("c9", "HS3", "Jabra Speak2 75", hNow.Add(-time.Minute), 40*time.Second, ptr(1)))
	h.wait()
	if got := h.rows(); len(got) < 2 || !strings.Contains(got[1], "Jabra Speak2 75") {
		t.Errorf("rows after a new call: %v", got)
	}
	if !slices.Contains(h.page.deviceSel.Options, "Jabra Speak2 75") {
		t.Errorf("device choices %v lack the new device", h.page.deviceSel.Options)
	}
	// The list shows at most historyListLimit entries without a day filter.
	var asked []calls.Filter
	h.src.mu.Lock()
	asked = append(asked, h.src.asked...)
	h.src.mu.Unlock()
	if last := asked[len(asked)-1]; last.Limit != historyListLimit {
		t.Errorf("list asked for %+v, want a limit of %d", last, historyListLimit)
	}
}

func TestTalkChart(t *testing.T) {
	h := newHistoryHarness(t, sampleHistory())
	bars := h.page.chart.bars
	if len(bars) != chartDays || !bars[chartDays-1].day.Equal(midnight(hNow)) {
		t.Fatalf("bars %+v", bars)
	}
	want := map[int]time.Duration{13: 17 * time.Minute, 12: 65*time.Minute + 30*time.Second, 10: 20 * time.Minute}
	for i, b := range bars {
		if b.talk != want[i] {
			t.Errorf("bar %d (%s): %v, want %v", i, b.day.Format("01-02"), b.talk, want[i])
		}
	}
	r := test.WidgetRenderer(h.page.chart).(*chartRenderer)
	tallest := r.rects[12].Size().Height
	if tallest <= 0 || r.rects[13].Size().Height >= tallest || r.rects[11].Size().Height != 0 {
		t.Errorf("bar heights: today %v, yesterday %v, two days ago %v",
			r.rects[13].Size().Height, tallest, r.rects[11].Size().Height)
	}
	if r.values[12].Text != "1h06" || r.labels[12].Text != "Mon 23" || r.values[11].Text != "" {
		t.Errorf("labels: %q %q %q", r.values[12].Text, r.labels[12].Text, r.values[11].Text)
	}
}

// TestHistoryKeysExist checks the message ids the page builds at run time.
func TestHistoryKeysExist(t *testing.T) {
	var ids []string
	for i := range 7 {
		ids = append(ids, "history.weekday.short."+itoa(i))
	}
	for i := 1; i <= 12; i++ {
		ids = append(ids, "history.month.short."+itoa(i))
	}
	for _, id := range ids {
		if !translations.Has(id) {
			t.Errorf("en.json lacks %s", id)
		}
	}
	translationstest.UsedKeysExist(t, ".", 20, ids...)
}

// BenchmarkHistoryApply is the UI-thread side of one load of the Call
// history page: 500 calls and 180 days of totals handed to the list,
// selects and chart.
func BenchmarkHistoryApply(b *testing.B) {
	test.NewTempApp(b)
	src := &fakeHistory{}
	var d historyData
	d.now = hNow
	for i := range 500 {
		start := hNow.Add(-time.Duration(i) * 20 * time.Minute)
		d.calls = append(d.calls, hcall(fmt.Sprint("c", i), fmt.Sprint("K", i%5), fmt.Sprint("Headset ", i%5), start, 7*time.Minute, ptr(i%3)))
	}
	for i := range 180 {
		d.days = append(d.days, calls.DayTotal{Day: midnight(hNow).AddDate(0, 0, -i), Calls: 5, TalkTime: time.Hour, Mutes: 3})
	}
	for i := range 5 {
		d.devices = append(d.devices, calls.Device{Key: fmt.Sprint("K", i), Name: fmt.Sprint("Headset ", i)})
	}
	queue := make(chan func(), 8)
	p := NewHistoryPage(HistoryPageParams{Source: src, T: translations.New("en"), ui: func(f func()) { queue <- f }})
	(<-queue)() // the first, empty load
	w := test.NewTempWindow(b, p.Content())
	w.Resize(fyne.NewSize(1000, 680))
	for b.Loop() {
		p.apply(d)
	}
}

// TestHistoryWordsAsTheTable: for every end reason, in every language, the
// window's details of a call and of a camera session, and a call's line,
// show the label calls.EndReasonText gives, the one `earshot calls` prints
// (cli.TestCallsTableWordsAsTheWindow); a session's line says what it is
// as the table's kind column does.
func TestHistoryWordsAsTheTable(t *testing.T) {
	test.NewTempApp(t)
	at := time.Date(2026, 11, 24, 14, 2, 0, 0, time.UTC)
	for _, lang := range translations.Languages() {
		tr := translations.New(lang)
		for _, r := range calls.EndReasons {
			t.Run(lang+"/"+r, func(t *testing.T) {
				want := calls.EndReasonText(tr, r)
				if strings.HasPrefix(want, "calls.") {
					t.Fatalf("no label for %s in %s", r, lang)
				}
				c := calls.Record{CallID: "c1", DeviceName: "Jabra Evolve2 85", Start: at, End: at.Add(time.Minute), CallEndReason: r, Kind: calls.KindCall}
				s := calls.Session{SessionID: "s1", DeviceName: "Jabra PanaCast 50", Start: at, End: at.Add(time.Minute), EndReason: r}
				for name, objs := range map[string][]fyne.CanvasObject{
					"call details": callDetails(tr, c, time.UTC), "session details": sessionDetails(tr, s, time.UTC)} {
					if got := visibleText(container.NewVBox(objs...)); !strings.Contains(got, want) {
						t.Errorf("%s lack %q:\n%s", name, want, got)
					}
				}
				if sub := callSubtitle(tr, c); r != calls.EndNormal && !strings.Contains(sub, want) {
					t.Errorf("the call's line %q lacks %q", sub, want)
				}
			})
		}
	}
}
