package views

import (
	"errors"
	"fmt"
	"image/color"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/calls"
	"github.com/earshot-app/earshot/translations"
)

// HistorySource is what the Call history page reads (calls.Service in the
// app). Its methods are called from background goroutines.
type HistorySource interface {
	// Devices returns the devices that have history.
	Devices() ([]calls.Device, error)
	// Calls and Sessions return what f selects, newest first.
	Calls(f calls.Filter) ([]calls.Record, error)
	// EachCall hands over the calls f selects one at a time, newest first,
	// reading the history a page at a time (the CSV export of a long
	// history).
	EachCall(f calls.Filter, fn func(calls.Record) error) error
	Sessions(f calls.Filter) ([]calls.Session, error)
	// Days returns call totals per day, newest first.
	Days(f calls.Filter) ([]calls.DayTotal, error)
	// Now is the app's clock (the scenario's in simulation); its location is
	// where days begin.
	Now() time.Time
	// Subscribe calls onChange, from any goroutine, when history changed.
	Subscribe(onChange func()) (cancel func())
}

// HistoryPageParams are the dependencies of the Call history page.
type HistoryPageParams struct {
	Source HistorySource
	T      *translations.Translator
	// Window returns the window for the page's dialogs; nil means the
	// window that shows the page.
	Window func() fyne.Window

	// ui runs UI work handed over from background goroutines; nil means
	// fyne.Do. Tests run it on the test goroutine.
	ui func(func())
	// onLoaded is called on the UI side after each load that reached the
	// page (tests wait on it).
	onLoaded func()
}

// detailsWidth is the width of the details column.
const detailsWidth = 280

// historyListLimit is how many calls and sessions the list shows when no day
// is picked; a day shows all of its own. Totals, the chart and the export
// always cover everything the filter selects.
const historyListLimit = 500

// HistoryPage is the Call history page: calls and camera sessions newest
// first, filtered by device and day, with totals per day, a bar chart of
// talk time over the last two weeks, the details of the selected entry, and
// a CSV export.
//
// Everything it reads is loaded in the background; results enter the UI
// through one boundary, ui (fyne.Do).
type HistoryPage struct {
	p  HistoryPageParams
	t  *translations.Translator
	ui func(func()) // the one boundary where background results enter the UI

	mu     sync.Mutex // guards filter and gen, which loads read in the background
	filter calls.Filter
	gen    int
	// unsubscribe stops following the source (Close).
	unsubscribe func()

	// The Fyne goroutine's state.
	data     historyData
	rows     []historyRow
	selected string // CallId or SessionId shown in the details
	devKeys  []string
	days     []time.Time // the day filter's choices after "All days"

	head      *widget.RichText
	deviceSel *widget.Select
	daySel    *widget.Select
	exportBtn *iconButton
	chart     *talkChart
	list      *widget.List
	empty     *widget.RichText
	details   *fyne.Container
	root      fyne.CanvasObject

	// saveFile asks where to save a file; tests replace the dialog.
	saveFile func(name string, done func(fyne.URIWriteCloser, error))
	// updating is set while the page itself sets the selects.
	updating bool
	// entryHeight and headingHeight are the list's row heights.
	entryHeight, headingHeight float32
}

// historyData is one load's result.
type historyData struct {
	now      time.Time
	devices  []calls.Device
	days     []calls.DayTotal
	calls    []calls.Record
	sessions []calls.Session
	err      error
}

// historyRow is a line of the list: a day heading, a call or a session.
type historyRow struct {
	day     *calls.DayTotal
	call    *calls.Record
	session *calls.Session
}

func (r historyRow) id() string {
	switch {
	case r.call != nil:
		return r.call.CallID
	case r.session != nil:
		return r.session.SessionID
	}
	return ""
}

// NewHistoryPage builds the page and starts following p.Source.
func NewHistoryPage(p HistoryPageParams) *HistoryPage {
	h := &HistoryPage{p: p, t: p.T, ui: p.ui}
	if h.ui == nil {
		h.ui = fyne.Do
	}
	h.saveFile = h.saveDialog
	t := p.T
	h.head = widget.NewRichText()
	h.deviceSel = widget.NewSelect(nil, func(string) { h.filterChanged() })
	h.daySel = widget.NewSelect(nil, func(string) { h.filterChanged() })
	h.exportBtn = newIconButton(theme.DocumentSaveIcon(), t.T("history.export"), h.export)
	h.chart = newTalkChart(t, h.pickDay)
	h.list = widget.NewList(func() int { return len(h.rows) }, h.newRow, h.updateRow)
	h.list.OnSelected = h.rowSelected
	h.details = container.NewVBox()
	centered := widget.RichTextStyle{Alignment: fyne.TextAlignCenter, ColorName: theme.ColorNamePlaceHolder}
	h.empty = widget.NewRichText(&widget.TextSegment{Style: centered})
	h.empty.Wrapping = fyne.TextWrapWord

	pad := 2 * theme.Padding()
	// The filters and export under the heading, not beside it: in long
	// languages the row would be wider than a small screen.
	tools := container.NewHBox(h.deviceSel, h.daySel, h.exportBtn)
	top := container.New(layout.NewCustomPaddedLayout(pad, 0, pad, pad), container.NewVBox(
		newColumns(h.head, tools),
		widget.NewCard("", "", container.NewVBox(
			widget.NewLabelWithStyle(t.T("history.chart.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			h.chart)),
	))
	listArea := container.NewStack(h.list, container.NewCenter(container.NewGridWrap(fyne.NewSize(240, 100), h.empty)))
	// The details keep a fixed width on the right; the list takes the rest.
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(detailsWidth, 0))
	// Scrolled down only: the details wrap to the pane (detailSection), so
	// they never make the window wider and nothing hides to the right.
	details := container.NewStack(width, container.NewVScroll(
		container.New(layout.NewCustomPaddedLayout(0, pad, pad, pad), h.details)))
	body := container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewSeparator(), details), listArea)
	h.root = container.NewBorder(top, nil, nil, nil, container.New(layout.NewCustomPaddedLayout(pad, 0, pad, 0), body))
	h.showDetails(historyRow{})
	h.unsubscribe = p.Source.Subscribe(h.load)
	h.load()
	return h
}

// Close stops following the history source, and drops the result of a
// load under way, as a newer load would (Closer).
func (h *HistoryPage) Close() {
	h.unsubscribe()
	h.mu.Lock()
	h.gen++
	h.mu.Unlock()
}

// Title is "Call history".
func (h *HistoryPage) Title() string { return h.t.T("history.title") }

// Icon is the history icon.
func (h *HistoryPage) Icon() fyne.Resource { return theme.HistoryIcon() }

// Content is the page.
func (h *HistoryPage) Content() fyne.CanvasObject { return h.root }

// Shown reloads what changed while the page was hidden.
func (h *HistoryPage) Shown() { h.load() }

// load reads the history for the current filter in the background and hands
// the result to the UI. It may be called from any goroutine; a load that a
// newer one overtook is dropped.
func (h *HistoryPage) load() {
	h.mu.Lock()
	h.gen++
	gen, f := h.gen, h.filter
	h.mu.Unlock()
	go func() {
		d := fetchHistory(h.p.Source, f)
		h.ui(func() {
			h.mu.Lock()
			current := gen == h.gen
			h.mu.Unlock()
			if current {
				h.apply(d)
				if h.p.onLoaded != nil {
					h.p.onLoaded()
				}
			}
		})
	}()
}

// fetchHistory runs the queries of one load.
func fetchHistory(src HistorySource, f calls.Filter) historyData {
	d := historyData{now: src.Now()}
	var errs []error
	var err error
	d.devices, err = src.Devices()
	errs = append(errs, err)
	all := f
	all.Day, all.Limit = time.Time{}, 0
	d.days, err = src.Days(all) // every day, for the day filter, the chart and the headings
	errs = append(errs, err)
	if f.Day.IsZero() {
		f.Limit = historyListLimit
	}
	d.calls, err = src.Calls(f)
	errs = append(errs, err)
	d.sessions, err = src.Sessions(f)
	errs = append(errs, err)
	d.err = errors.Join(errs...)
	return d
}

// apply shows a load's result.
func (h *HistoryPage) apply(d historyData) {
	h.data = d
	h.updateFilters()
	h.rows = historyRows(d, h.filterNow().Day.IsZero(), d.now.Location())
	h.list.UnselectAll()
	h.setRowHeights()
	h.list.Refresh()
	for i, r := range h.rows {
		if r.id() != "" && r.id() == h.selected {
			h.list.Select(i)
		}
	}
	if h.selected != "" && h.selectedRow().id() == "" {
		h.showDetails(historyRow{})
	}
	h.updateHead()
	h.updateChart()
	switch {
	case d.err != nil:
		h.setEmpty(h.t.T("history.loadFailed", "Err", d.err.Error()))
	case len(h.rows) > 0:
		h.empty.Hide()
	case len(d.devices) == 0:
		h.setEmpty(h.t.T("history.empty"))
	default:
		h.setEmpty(h.t.T("history.emptyFiltered"))
	}
	h.exportBtn.Enable()
	if len(d.calls) == 0 {
		h.exportBtn.Disable()
	}
}

func (h *HistoryPage) setEmpty(text string) {
	h.empty.Segments[0].(*widget.TextSegment).Text = text
	h.empty.Refresh()
	h.empty.Show()
}

func (h *HistoryPage) filterNow() calls.Filter {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.filter
}

// updateFilters fills the device and day choices, keeping the current ones.
func (h *HistoryPage) updateFilters() {
	f := h.filterNow()
	h.updating = true
	defer func() { h.updating = false }()

	names := map[string]int{}
	for _, d := range h.data.devices {
		names[d.Name]++
	}
	opts := []string{h.t.T("history.filter.allDevices")}
	h.devKeys = []string{""}
	sel := opts[0]
	for _, d := range h.data.devices {
		label := d.Name
		if names[d.Name] > 1 && d.ESN != "" {
			label += " (" + d.ESN + ")"
		}
		opts = append(opts, label)
		h.devKeys = append(h.devKeys, d.Key)
		if d.Key == f.DeviceKey {
			sel = label
		}
	}
	h.deviceSel.SetOptions(opts)
	h.deviceSel.SetSelected(sel)

	dayOpts := []string{h.t.T("history.filter.allDays")}
	h.days = nil
	daySel := dayOpts[0]
	for _, d := range h.data.days {
		label := dateText(h.t, d.Day)
		dayOpts = append(dayOpts, label)
		h.days = append(h.days, d.Day)
		if !f.Day.IsZero() && sameDay(d.Day, f.Day) {
			daySel = label
		}
	}
	if !f.Day.IsZero() && daySel == dayOpts[0] {
		// A picked day without calls (a bar of 0) still shows as picked.
		label := dateText(h.t, f.Day)
		dayOpts = append(dayOpts, label)
		h.days = append(h.days, f.Day)
		daySel = label
	}
	h.daySel.SetOptions(dayOpts)
	h.daySel.SetSelected(daySel)
}

// filterChanged reads the selects into the filter and reloads.
func (h *HistoryPage) filterChanged() {
	if h.updating {
		return
	}
	var f calls.Filter
	if i := h.deviceSel.SelectedIndex(); i > 0 && i < len(h.devKeys) {
		f.DeviceKey = h.devKeys[i]
	}
	if i := h.daySel.SelectedIndex(); i > 0 && i-1 < len(h.days) {
		f.Day = h.days[i-1]
	}
	h.setFilter(f)
}

func (h *HistoryPage) setFilter(f calls.Filter) {
	h.mu.Lock()
	same := h.filter == f
	h.filter = f
	h.mu.Unlock()
	if !same {
		h.load()
	}
}

// pickDay filters by the day of a tapped bar, or drops the day filter when
// that day is already picked.
func (h *HistoryPage) pickDay(day time.Time) {
	f := h.filterNow()
	if !f.Day.IsZero() && sameDay(f.Day, day) {
		f.Day = time.Time{}
	} else {
		f.Day = day
	}
	h.setFilter(f)
}

func (h *HistoryPage) updateHead() {
	var talk time.Duration
	n := 0
	for _, d := range h.data.days {
		talk += d.TalkTime
		n += d.Calls
	}
	h.head.Segments = []widget.RichTextSegment{
		&widget.TextSegment{Text: h.t.T("history.title"), Style: widget.RichTextStyleHeading},
		&widget.TextSegment{Text: h.t.N("history.summary", n, "Talk", longDuration(h.t, talk)),
			Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder}},
	}
	h.head.Refresh()
}

func (h *HistoryPage) updateChart() {
	now := h.data.now
	if now.IsZero() {
		return
	}
	today := midnight(now)
	talk := map[time.Time]time.Duration{}
	for _, d := range h.data.days {
		talk[midnight(d.Day.In(now.Location()))] += d.TalkTime
	}
	bars := make([]chartBar, chartDays)
	for i := range bars {
		day := today.AddDate(0, 0, i-chartDays+1)
		bars[i] = chartBar{day: day, talk: talk[day]}
	}
	var sel time.Time
	if f := h.filterNow(); !f.Day.IsZero() {
		sel = midnight(f.Day.In(now.Location()))
	}
	h.chart.set(bars, sel)
}

func (h *HistoryPage) rowSelected(id widget.ListItemID) {
	if id >= len(h.rows) {
		return
	}
	r := h.rows[id]
	if r.day != nil {
		h.list.Unselect(id)
		return
	}
	h.selected = r.id()
	h.showDetails(r)
}

func (h *HistoryPage) selectedRow() historyRow {
	for _, r := range h.rows {
		if r.id() == h.selected && h.selected != "" {
			return r
		}
	}
	return historyRow{}
}

// showDetails shows the entry r, or a hint when r is empty.
func (h *HistoryPage) showDetails(r historyRow) {
	t := h.t
	loc := time.Local
	if !h.data.now.IsZero() {
		loc = h.data.now.Location()
	}
	switch {
	case r.call != nil:
		h.details.Objects = callDetails(t, *r.call, loc)
	case r.session != nil:
		h.details.Objects = sessionDetails(t, *r.session, loc)
	default:
		h.selected = ""
		hint := newCaption(t.T("history.details.none"))
		hint.Wrapping = fyne.TextWrapWord // the pane is narrow: wrap, never cut
		h.details.Objects = []fyne.CanvasObject{container.NewPadded(hint)}
	}
	h.details.Refresh()
}

// export asks where to save, then writes every call the filter selects (not
// only those listed) as CSV in the background.
func (h *HistoryPage) export() {
	f := h.filterNow()
	f.Limit = 0
	name := "earshot-calls-" + h.data.now.Format("2006-01-02") + ".csv"
	h.saveFile(name, func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			h.showError(err)
			return
		}
		if w == nil {
			return // cancelled
		}
		go func() {
			cw := calls.NewCSVWriter(w)
			n := 0
			err := h.p.Source.EachCall(f, func(r calls.Record) error { n++; return cw.Write(r) })
			if err == nil {
				err = cw.Flush()
			}
			if cerr := w.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("close %s: %w", w.URI().Name(), cerr)
			}
			h.ui(func() {
				if err != nil {
					h.showError(err)
					return
				}
				showMessage(h.window(), h.t.T("history.exportDone"),
					h.t.N("history.exported", n, "File", uriPath(w.URI())))
			})
		}()
	})
}

// window is the window for the page's dialogs: p.Window's, else the one
// showing the page.
func (h *HistoryPage) window() fyne.Window { return windowFor(h.p.Window, h.root) }

func (h *HistoryPage) saveDialog(name string, done func(fyne.URIWriteCloser, error)) {
	win := h.window()
	if win == nil {
		return
	}
	d := dialog.NewFileSave(done, win)
	d.SetFileName(name)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	showDialog(win, d, nil)
}

func (h *HistoryPage) showError(err error) {
	showErrorDialog(h.window(), errors.New(h.t.T("history.exportFailed", "Err", err.Error())))
}

// Formatting.

func itoa(n int) string { return strconv.Itoa(n) }

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

func sameDay(a, b time.Time) bool {
	b = b.In(a.Location())
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// dateText is "Tue 24 Nov 2026" (the order is the translation's).
func dateText(t *translations.Translator, d time.Time) string {
	return t.T("history.date", "Weekday", t.T("history.weekday.short."+itoa(int(d.Weekday()))),
		"Day", d.Day(), "Month", t.T("history.month.short."+itoa(int(d.Month()))), "Year", d.Year())
}

func clockText(t time.Time) string { return t.Format("15:04") }

// longDuration is "1 h 05 min", "12 min" or "45 s".
func longDuration(t *translations.Translator, d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour:
		return t.T("history.duration.hm", "Hours", int(d.Hours()), "Minutes", fmt.Sprintf("%02d", int(d.Minutes())%60))
	case d >= time.Minute:
		return t.T("history.duration.m", "Minutes", int(d.Round(time.Minute).Minutes()))
	}
	return t.T("history.duration.s", "Seconds", int(d.Seconds()))
}

// shortDuration is the chart's label: "1h05", "12m", "<1m".
func shortDuration(t *translations.Translator, d time.Duration) string {
	m := int(d.Round(time.Minute).Minutes())
	switch {
	case m >= 60:
		return t.T("history.chart.hm", "Hours", m/60, "Minutes", fmt.Sprintf("%02d", m%60))
	case m == 0:
		return t.T("history.chart.underMinute")
	}
	return t.T("history.chart.m", "Minutes", m)
}

func dayTotalsText(t *translations.Translator, d calls.DayTotal) string {
	return t.N("history.day.calls", d.Calls) + " · " + t.T("history.day.talk", "Talk", longDuration(t, d.TalkTime)) +
		" · " + t.N("history.mutes", d.Mutes)
}

func countText(t *translations.Translator, n *int) string {
	if n == nil {
		return t.T("history.value.none")
	}
	return strconv.Itoa(*n)
}

func dbText(t *translations.Translator, v *float64) string {
	if v == nil {
		return ""
	}
	return t.T("history.value.db", "Value", num(*v))
}

var _ Page = (*HistoryPage)(nil)
