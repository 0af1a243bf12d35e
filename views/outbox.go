package views

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/analytics"
	"github.com/earshot-app/earshot/translations"
)

// OutboxSource is what the Outbox page reads and does (analytics.Uploader
// in the app). Its methods are called from background goroutines.
type OutboxSource interface {
	// Status returns every endpoint's figures, in configuration order.
	Status() ([]analytics.EndpointStatus, error)
	// Parked returns up to max events the endpoint refused, oldest first.
	Parked(id string, max int) ([]analytics.ParkedEvent, error)
	// RetryNow makes the endpoint try again at once and resend its parked
	// events.
	RetryNow(id string)
	// DiscardParked deletes the endpoint's parked events.
	DiscardParked(ctx context.Context, id string) (int, error)
	// DiscardRetired deletes the queue and parked events of an endpoint
	// no longer configured: a person's explicit act.
	DiscardRetired(ctx context.Context, id string) (uint64, error)
	// Storage returns the outbox-wide state: events the disk refused,
	// repairs of a damaged database.
	Storage() (analytics.Storage, error)
}

// Losses count what never reached the outbox since Earshot started: an
// administrator reads them beside what the disk refused.
type Losses struct {
	// RejectedTelemetry: telemetry values a driver reported out of the
	// plausible range, dropped before they became events.
	RejectedTelemetry uint64
	// UnrecordedCalls: call and camera-session changes the store refused,
	// with their events.
	UnrecordedCalls uint64
}

// OutboxPageParams are the dependencies of the Outbox page.
type OutboxPageParams struct {
	Source OutboxSource
	// Losses returns what never reached the outbox (called from a
	// background goroutine); nil: nothing is shown of it.
	Losses func() Losses
	T      *translations.Translator
	// Window returns the window for the page's dialogs; nil means the
	// window that shows the page.
	Window func() fyne.Window
	// Interval is how often the page reads the outbox again once it has
	// been shown; 0 means every second, < 0 never (tests call Refresh).
	Interval time.Duration
	// Now is the wall clock, for "next retry in 12 s"; nil means time.Now.
	Now func() time.Time

	// ui runs UI work handed over from background goroutines; nil means
	// fyne.Do. Tests run it on the test goroutine.
	ui func(func())
	// onLoaded is called on the UI side after each load (tests wait on it).
	onLoaded func()
}

// outboxParkedShown is how many parked events each endpoint lists.
const outboxParkedShown = 50

// OutboxPage shows, per analytics endpoint, the events queued, delivered,
// parked (with the reasons) and dropped, the last error and the next
// retry, with "Retry now" and "Discard parked".
//
// It reads the outbox in the background; results enter the UI through one
// boundary, ui (fyne.Do).
type OutboxPage struct {
	p  OutboxPageParams
	t  *translations.Translator
	ui func(func())

	mu      sync.Mutex // guards loading, started and closed
	loading bool
	again   bool // a load was asked for while one ran
	started bool
	closed  bool
	// stop ends the ticker's goroutine, which closes stopped as it ends
	// (nil while none runs).
	stop, stopped chan struct{}

	// The Fyne goroutine's state.
	last    outboxData
	summary *widget.Label
	storage *widget.Label // events the disk refused, repairs; hidden when none
	box     *fyne.Container
	cards   []*outboxCard
	root    fyne.CanvasObject
}

// outboxData is one load's result.
type outboxData struct {
	endpoints []analytics.EndpointStatus
	parked    map[string][]analytics.ParkedEvent
	storage   analytics.Storage
	losses    Losses
	err       error
}

// outboxCard is one endpoint's card.
type outboxCard struct {
	id       string
	endpoint string
	card     *widget.Card
	title    *widget.Label    // the masked URL
	figures  [4]*widget.Label // queued, delivered, parked, dropped
	lastErr  *widget.Label
	retryAt  *widget.Label
	retired  *widget.Label // "endpoint no longer configured: N queued"; hidden while configured
	retry    *widget.Button
	discard  *widget.Button
	parked   *widget.Accordion
	list     *fyne.Container
	shown    string // what the list shows now, to rebuild it only on change
}

// NewOutboxPage builds the Outbox page; it reads the outbox when shown.
func NewOutboxPage(p OutboxPageParams) *OutboxPage {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Interval == 0 {
		p.Interval = time.Second
	}
	pg := &OutboxPage{p: p, t: p.T, ui: p.ui}
	if pg.ui == nil {
		pg.ui = fyne.Do
	}
	title := widget.NewLabelWithStyle(p.T.T("outbox.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	pg.summary = widget.NewLabel("")
	pg.summary.Wrapping = fyne.TextWrapWord
	pg.storage = widget.NewLabel("")
	pg.storage.Wrapping = fyne.TextWrapWord
	pg.storage.Importance = widget.WarningImportance
	pg.storage.Hide()
	pg.box = container.NewVBox()
	head := container.NewVBox(title, pg.summary, pg.storage)
	pg.root = container.NewBorder(head, nil, nil, nil, container.NewVScroll(container.NewPadded(pg.box)))
	return pg
}

// Title is "Outbox".
func (pg *OutboxPage) Title() string { return pg.t.T("outbox.title") }

// Icon is the upload icon.
func (pg *OutboxPage) Icon() fyne.Resource { return theme.UploadIcon() }

// Content is the page.
func (pg *OutboxPage) Content() fyne.CanvasObject { return pg.root }

// Shown reads the outbox now and, from the first time on, every Interval.
func (pg *OutboxPage) Shown() {
	pg.Refresh()
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.started || pg.closed || pg.p.Interval <= 0 {
		return
	}
	pg.started = true
	pg.stop, pg.stopped = make(chan struct{}), make(chan struct{})
	outboxTickers.Add(1)
	go func(stop, stopped chan struct{}) {
		defer close(stopped)
		defer outboxTickers.Add(-1)
		tick := time.NewTicker(pg.p.Interval)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				pg.Refresh()
			}
		}
	}(pg.stop, pg.stopped)
}

// outboxTickers counts the Outbox pages' ticker goroutines that run: the
// tests prove that rebuilding the window leaves none behind.
var outboxTickers atomic.Int64

// Close stops reading the outbox every Interval, and waits until the
// ticker's goroutine has ended; the result of a load under way is dropped
// (Closer).
func (pg *OutboxPage) Close() {
	pg.mu.Lock()
	pg.closed = true
	stop, stopped := pg.stop, pg.stopped
	pg.stop = nil
	pg.mu.Unlock()
	if stop != nil {
		close(stop)
		<-stopped
	}
}

// Refresh reads the outbox in the background and shows what it finds.
func (pg *OutboxPage) Refresh() {
	pg.mu.Lock()
	if pg.loading {
		pg.again = true
		pg.mu.Unlock()
		return
	}
	pg.loading = true
	pg.mu.Unlock()
	go pg.load()
}

func (pg *OutboxPage) load() {
	for {
		d := outboxData{parked: map[string][]analytics.ParkedEvent{}}
		d.endpoints, d.err = pg.p.Source.Status()
		if d.err == nil {
			d.storage, d.err = pg.p.Source.Storage()
		}
		if pg.p.Losses != nil {
			d.losses = pg.p.Losses()
		}
		for _, e := range d.endpoints {
			if e.Parked > 0 && d.err == nil {
				d.parked[e.ID], d.err = pg.p.Source.Parked(e.ID, outboxParkedShown)
			}
		}
		pg.ui(func() {
			pg.mu.Lock()
			closed := pg.closed
			pg.mu.Unlock()
			if !closed { // a closed page's widgets are shown nowhere
				pg.show(d)
			}
		})
		pg.mu.Lock()
		if !pg.again {
			pg.loading = false
			pg.mu.Unlock()
			return
		}
		pg.again = false
		pg.mu.Unlock()
	}
}

// show puts a load's result on the page (Fyne goroutine).
func (pg *OutboxPage) show(d outboxData) {
	defer func() {
		if pg.p.onLoaded != nil {
			pg.p.onLoaded()
		}
	}()
	switch {
	case d.err != nil:
		pg.setText(pg.summary, pg.t.T("outbox.readError", "Err", d.err))
		return
	case len(d.endpoints) == 0:
		pg.setText(pg.summary, pg.t.T("outbox.off"))
	case configured(d.endpoints) == 0:
		pg.setText(pg.summary, pg.t.T("outbox.offButQueued"))
	default:
		pg.setText(pg.summary, pg.t.N("outbox.summary", configured(d.endpoints)))
	}
	pg.showStorage(d.storage, d.losses)
	ids := func(es []analytics.EndpointStatus) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID+"\x00"+e.Endpoint)
		}
		return out
	}
	if !slices.Equal(ids(d.endpoints), ids(pg.last.endpoints)) || len(pg.cards) != len(d.endpoints) {
		pg.cards = nil
		pg.box.RemoveAll()
		for _, e := range d.endpoints {
			c := pg.newCard(e)
			pg.cards = append(pg.cards, c)
			pg.box.Add(c.card)
		}
	}
	for i, e := range d.endpoints {
		pg.fill(pg.cards[i], e, d.parked[e.ID])
	}
	pg.last = d
}

// configured counts the endpoints still configured.
func configured(es []analytics.EndpointStatus) int {
	n := 0
	for _, e := range es {
		if e.Configured {
			n++
		}
	}
	return n
}

// showStorage says what the disk refused, what repairs did and what never
// reached the outbox, or hides when all is well.
func (pg *OutboxPage) showStorage(st analytics.Storage, lost Losses) {
	var lines []string
	if st.Failing {
		lines = append(lines, pg.t.T("outbox.storageFailing", "Time", st.FailingSince.Local().Format(time.DateTime), "Err", st.LastError))
	}
	if st.NotStored > 0 {
		lines = append(lines, pg.t.N("outbox.notStored", int(st.NotStored)))
	}
	for _, r := range st.Repairs {
		lines = append(lines, pg.t.T("outbox.repaired", "Time", r.At.Local().Format(time.DateTime),
			"Kept", r.Kept, "Lost", r.Lost, "Path", r.DamagedPath))
	}
	if n := lost.UnrecordedCalls; n > 0 {
		lines = append(lines, pg.t.N("outbox.unrecordedCalls", int(n)))
	}
	if n := lost.RejectedTelemetry; n > 0 {
		lines = append(lines, pg.t.N("outbox.rejectedTelemetry", int(n)))
	}
	text := strings.Join(lines, "\n")
	pg.setText(pg.storage, text)
	if text == "" {
		pg.storage.Hide()
	} else {
		pg.storage.Show()
	}
}

func (pg *OutboxPage) setText(l *widget.Label, s string) {
	if l.Text != s {
		l.SetText(s)
	}
}

func (pg *OutboxPage) newCard(e analytics.EndpointStatus) *outboxCard {
	c := &outboxCard{id: e.ID, endpoint: e.Endpoint}
	figure := func(i int, caption string) fyne.CanvasObject {
		c.figures[i] = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		return container.NewHBox(widget.NewLabel(caption), c.figures[i])
	}
	figures := container.NewGridWithColumns(4,
		figure(0, pg.t.T("outbox.queued")), figure(1, pg.t.T("outbox.delivered")),
		figure(2, pg.t.T("outbox.parked")), figure(3, pg.t.T("outbox.dropped")))
	c.lastErr = widget.NewLabel("")
	c.lastErr.Wrapping = fyne.TextWrapWord
	c.retryAt = widget.NewLabel("")
	c.retired = widget.NewLabel("")
	c.retired.Wrapping = fyne.TextWrapWord
	c.retired.Importance = widget.WarningImportance
	c.retired.Hide()
	details := container.New(layout.NewFormLayout(),
		widget.NewLabelWithStyle(pg.t.T("outbox.lastError"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}), c.lastErr,
		widget.NewLabelWithStyle(pg.t.T("outbox.nextRetry"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}), c.retryAt)
	id := e.ID
	c.retry = widget.NewButtonWithIcon(pg.t.T("outbox.retryNow"), theme.ViewRefreshIcon(), func() {
		go func() {
			pg.p.Source.RetryNow(id)
			time.Sleep(200 * time.Millisecond) // let the first try land before reading again
			pg.Refresh()
		}()
	})
	c.discard = widget.NewButtonWithIcon(pg.t.T("outbox.discardParked"), theme.DeleteIcon(), func() { pg.confirmDiscard(c) })
	if !e.Configured {
		c.discard.SetText(pg.t.T("outbox.discardQueue"))
		c.retry.Hide()
	}
	c.list = container.NewVBox()
	c.parked = widget.NewAccordion(widget.NewAccordionItem("", c.list))
	c.parked.Hide()
	c.title = widget.NewLabelWithStyle(e.Endpoint, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.title.SizeName = theme.SizeNameSubHeadingText
	c.title.Truncation = fyne.TextTruncateEllipsis
	c.card = widget.NewCard("", "", container.NewVBox(c.title, c.retired, figures, details,
		container.NewHBox(c.retry, c.discard, layout.NewSpacer()), c.parked))
	return c
}

// fill shows e on its card.
func (pg *OutboxPage) fill(c *outboxCard, e analytics.EndpointStatus, parked []analytics.ParkedEvent) {
	for i, n := range []uint64{e.Queued, e.Delivered, e.Parked, e.Dropped} {
		pg.setText(c.figures[i], fmt.Sprint(n))
	}
	lastErr := pg.t.T("outbox.noError")
	if e.LastError != nil {
		lastErr = *e.LastError
		if e.LastErrorAt != nil {
			lastErr = pg.t.T("outbox.errorAt", "Error", *e.LastError, "Time", e.LastErrorAt.Local().Format(time.TimeOnly))
		}
	}
	pg.setText(c.lastErr, lastErr)
	retryAt := pg.t.T("outbox.notWaiting")
	if e.NextRetry != nil {
		if d := e.NextRetry.Sub(pg.p.Now()).Round(time.Second); d > 0 {
			retryAt = pg.t.T("outbox.retryIn", "Duration", d.String(), "Time", e.NextRetry.Local().Format(time.TimeOnly))
		} else {
			retryAt = pg.t.T("outbox.retryingNow")
		}
	}
	pg.setText(c.retryAt, retryAt)
	enableIf(c.retry, e.Queued > 0 || e.Parked > 0)
	enableIf(c.discard, e.Parked > 0)
	if !e.Configured {
		text := pg.t.N("outbox.retired", int(e.Queued))
		if e.DiscardAfter != nil {
			text += " " + pg.t.T("outbox.retiredUntil", "Time", e.DiscardAfter.Local().Format(time.DateTime))
		}
		pg.setText(c.retired, text)
		c.retired.Show()
		enableIf(c.discard, e.Queued > 0 || e.Parked > 0)
	}
	if e.Parked == 0 {
		c.parked.Hide()
		c.list.RemoveAll()
		c.shown = ""
		return
	}
	key := fmt.Sprint(e.Parked, parked)
	if key == c.shown {
		return
	}
	c.shown = key
	c.parked.Items[0].Title = pg.t.N("outbox.parkedList", int(e.Parked))
	c.list.RemoveAll()
	for _, p := range parked {
		l := widget.NewLabel(pg.t.T("outbox.parkedItem", "Time", p.At.Local().Format(time.DateTime),
			"Type", p.EventType, "Id", p.EventID, "Reason", p.Reason))
		l.Wrapping = fyne.TextWrapWord
		c.list.Add(l)
	}
	if more := int(e.Parked) - len(parked); more > 0 {
		c.list.Add(widget.NewLabel(pg.t.N("outbox.parkedMore", more)))
	}
	c.parked.Show()
	c.parked.Refresh()
}

func enableIf(b *widget.Button, on bool) {
	if on && b.Disabled() {
		b.Enable()
	} else if !on && !b.Disabled() {
		b.Disable()
	}
}

// confirmDiscard asks before deleting an endpoint's parked events.
func (pg *OutboxPage) confirmDiscard(c *outboxCard) {
	var parked, queued uint64
	retired := false
	for _, e := range pg.last.endpoints {
		if e.ID == c.id {
			parked, queued, retired = e.Parked, e.Queued, !e.Configured
		}
	}
	win := pg.window()
	if win == nil {
		return
	}
	if retired {
		showConfirm(win, pg.t.T("outbox.discardQueueTitle"),
			pg.t.N("outbox.discardQueueMessage", int(queued+parked), "Endpoint", c.endpoint), false,
			func(ok bool) {
				if !ok {
					return
				}
				id := c.id
				go func() {
					if _, err := pg.p.Source.DiscardRetired(context.Background(), id); err != nil {
						pg.ui(func() { showErrorDialog(win, err) })
					}
					pg.Refresh()
				}()
			})
		return
	}
	showConfirm(win, pg.t.T("outbox.discardTitle"),
		pg.t.N("outbox.discardMessage", int(parked), "Endpoint", c.endpoint), false,
		func(ok bool) {
			if !ok {
				return
			}
			id := c.id
			go func() {
				if _, err := pg.p.Source.DiscardParked(context.Background(), id); err != nil {
					pg.ui(func() { showErrorDialog(win, err) })
				}
				pg.Refresh()
			}()
		})
}

func (pg *OutboxPage) window() fyne.Window { return windowFor(pg.p.Window, pg.root) }
