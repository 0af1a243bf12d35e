//go:build ci

package views

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/analytics"
	"github.com/earshot-app/earshot/translations"
)

var oNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// fakeOutbox is an OutboxSource in memory.
type fakeOutbox struct {
	mu        sync.Mutex
	endpoints []analytics.EndpointStatus
	parked    map[string][]analytics.ParkedEvent
	err       error
	retried   []string
	discarded []string
	storage   analytics.Storage
}

func (f *fakeOutbox) Status() ([]analytics.EndpointStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]analytics.EndpointStatus(nil), f.endpoints...), f.err
}

func (f *fakeOutbox) Parked(id string, max int) ([]analytics.ParkedEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ps := f.parked[id]
	return ps[:min(max, len(ps))], nil
}

func (f *fakeOutbox) RetryNow(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retried = append(f.retried, id)
}

func (f *fakeOutbox) DiscardParked(_ context.Context, id string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.discarded = append(f.discarded, id)
	n := len(f.parked[id])
	delete(f.parked, id)
	for i := range f.endpoints {
		if f.endpoints[i].ID == id {
			f.endpoints[i].Parked = 0
		}
	}
	return n, nil
}

func (f *fakeOutbox) DiscardRetired(_ context.Context, id string) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.discarded = append(f.discarded, "retired:"+id)
	for i, e := range f.endpoints {
		if e.ID == id {
			f.endpoints = append(f.endpoints[:i:i], f.endpoints[i+1:]...)
			return e.Queued + e.Parked, nil
		}
	}
	return 0, errors.New("no such endpoint")
}

func (f *fakeOutbox) Storage() (analytics.Storage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.storage, nil
}

func sampleOutbox() *fakeOutbox {
	msg := "503 Service Unavailable: down for maintenance"
	errAt, retry := oNow.Add(-3*time.Second), oNow.Add(12*time.Second)
	return &fakeOutbox{
		endpoints: []analytics.EndpointStatus{
			{ID: "sha256:a", Endpoint: "https://a.example/ev?Token=xxxxx", Configured: true, Queued: 42, Delivered: 1200, Dropped: 3,
				LastError: &msg, LastErrorAt: &errAt, NextRetry: &retry},
			{ID: "sha256:b", Endpoint: "https://b.example/in", Configured: true, Queued: 0, Delivered: 1240, Parked: 2},
		},
		parked: map[string][]analytics.ParkedEvent{"sha256:b": {
			{EventID: "3f2a7c1e-8d4b-4e6f-9a1b-2c3d4e5f6a7b", EventType: "PeopleCount", Reason: "400 Bad Request: unknown event type", At: oNow},
			{EventID: "8e1b0c2d-1111-4e6f-9a1b-2c3d4e5f6a7c", EventType: "PeopleCount", Reason: "400 Bad Request: unknown event type", At: oNow},
		}},
	}
}

type outboxHarness struct {
	t     *testing.T
	page  *OutboxPage
	win   fyne.Window
	queue chan func()
	loads int
}

func newOutboxHarness(t *testing.T, src *fakeOutbox) *outboxHarness {
	t.Helper()
	return newOutboxHarnessWithLosses(t, src, nil)
}

func newOutboxHarnessWithLosses(t *testing.T, src *fakeOutbox, losses func() Losses) *outboxHarness {
	t.Helper()
	a := test.NewTempApp(t)
	h := &outboxHarness{t: t, queue: make(chan func(), 64)}
	h.win = a.NewWindow("outbox")
	h.page = NewOutboxPage(OutboxPageParams{Source: src, Losses: losses, T: translations.New("en"), Window: func() fyne.Window { return h.win },
		Interval: -1, Now: func() time.Time { return oNow }, ui: func(f func()) { h.queue <- f }, onLoaded: func() { h.loads++ }})
	h.win.SetContent(h.page.Content())
	h.win.Resize(fyne.NewSize(900, 700))
	h.page.Shown()
	h.wait()
	return h
}

// wait runs queued UI work until the next load has reached the page.
func (h *outboxHarness) wait() {
	h.t.Helper()
	n := h.loads
	timeout := time.After(5 * time.Second)
	for h.loads <= n {
		select {
		case f := <-h.queue:
			f()
		case <-timeout:
			h.t.Fatal("the page did not load within 5 s")
		}
	}
}

// text is every visible text of the page, one per line.
func (h *outboxHarness) text() string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *widget.Button:
			b.WriteString("[" + x.Text + "]\n")
		case *widget.Card:
			b.WriteString("# " + x.Title + "\n")
			walk(x.Content)
		case *widget.Accordion:
			for _, it := range x.Items {
				b.WriteString("> " + it.Title + "\n")
				walk(it.Detail)
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(h.page.Content())
	return b.String()
}

func (h *outboxHarness) shows(want ...string) {
	h.t.Helper()
	got := h.text()
	for _, s := range want {
		if !strings.Contains(got, s) {
			h.t.Errorf("the page does not show %q; it shows:\n%s", s, got)
		}
	}
}

func TestOutboxPageShowsEveryEndpoint(t *testing.T) {
	h := newOutboxHarness(t, sampleOutbox())
	if h.page.Title() != "Outbox" || h.page.Icon() == nil {
		t.Errorf("title %q", h.page.Title())
	}
	h.shows(
		"Events go to 2 analytics endpoints",
		"https://a.example/ev?Token=xxxxx", "Queued", "42", "Delivered", "1200", "Dropped", "3",
		"503 Service Unavailable: down for maintenance (at ", "Next retry", "in 12s (",
		"https://b.example/in", "1240", "2 parked events", "None", "Not waiting",
	)
	// The parked list opens to show each event and why it was refused.
	h.page.cards[1].parked.Open(0)
	h.shows("PeopleCount · 3f2a7c1e-8d4b-4e6f-9a1b-2c3d4e5f6a7b\n400 Bad Request: unknown event type")
	a, b := h.page.cards[0], h.page.cards[1]
	if a.retry.Disabled() || !a.discard.Disabled() {
		t.Error("A: Retry now should be on (42 queued), Discard parked off (none parked)")
	}
	if b.retry.Disabled() || b.discard.Disabled() {
		t.Error("B: both buttons should be on (2 parked)")
	}
	if a.parked.Visible() {
		t.Error("A lists parked events it has none of")
	}
}

func TestOutboxPageRetryAndDiscard(t *testing.T) {
	src := sampleOutbox()
	h := newOutboxHarness(t, src)
	test.Tap(h.page.cards[0].retry)
	h.wait() // the reload after the retry
	src.mu.Lock()
	retried := append([]string(nil), src.retried...)
	src.mu.Unlock()
	if len(retried) != 1 || retried[0] != "sha256:a" {
		t.Errorf("retried %v", retried)
	}

	test.Tap(h.page.cards[1].discard)
	// The confirmation dialog names the count and the endpoint.
	overlay := h.win.Canvas().Overlays().Top()
	if overlay == nil {
		t.Fatal("no confirmation dialog")
	}
	var confirm *widget.Button
	var texts []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == "Yes" {
				confirm = x
			}
		case *widget.Label:
			texts = append(texts, x.Text)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(overlay)
	if !strings.Contains(strings.Join(texts, "\n"), "2 events refused by https://b.example/in will be deleted and never sent.") || confirm == nil {
		t.Fatalf("dialog texts %q, confirm button %v", texts, confirm)
	}
	test.Tap(confirm)
	h.wait()
	src.mu.Lock()
	discarded := append([]string(nil), src.discarded...)
	src.mu.Unlock()
	if len(discarded) != 1 || discarded[0] != "sha256:b" {
		t.Fatalf("discarded %v", discarded)
	}
	if b := h.page.cards[1]; !b.discard.Disabled() || b.parked.Visible() {
		t.Error("after discarding, B still offers parked events")
	}
}

func TestOutboxPageOffAndErrors(t *testing.T) {
	src := &fakeOutbox{}
	h := newOutboxHarness(t, src)
	h.shows("Analytics is off: no analytics endpoint is configured (ANALYTICSENDPOINT).")
	if len(h.page.cards) != 0 {
		t.Errorf("%d cards", len(h.page.cards))
	}
	src.mu.Lock()
	src.err = errors.New("database locked")
	src.mu.Unlock()
	h.page.Refresh()
	h.wait()
	h.shows("Cannot read the outbox: database locked")
}

// TestOutboxPageFollowsChanges: figures update in place; a changed set of
// endpoints rebuilds the cards.
func TestOutboxPageFollowsChanges(t *testing.T) {
	src := sampleOutbox()
	h := newOutboxHarness(t, src)
	first := h.page.cards[0]
	src.mu.Lock()
	src.endpoints[0].Queued, src.endpoints[0].Delivered = 0, 1242
	src.endpoints[0].LastError, src.endpoints[0].NextRetry = nil, nil
	src.mu.Unlock()
	h.page.Refresh()
	h.wait()
	if h.page.cards[0] != first {
		t.Error("the card was rebuilt for a change of figures")
	}
	h.shows("1242")
	if !first.retry.Disabled() {
		t.Error("Retry now is on with nothing queued or parked")
	}
	src.mu.Lock()
	src.endpoints = src.endpoints[1:]
	src.mu.Unlock()
	h.page.Refresh()
	h.wait()
	if len(h.page.cards) != 1 || h.page.cards[0].id != "sha256:b" {
		t.Errorf("cards after an endpoint left: %d", len(h.page.cards))
	}
	if strings.Contains(h.text(), "a.example") {
		t.Error("the removed endpoint is still shown")
	}
}

// TestOutboxPageShowsARetiredEndpointAndStorage: an endpoint no longer
// configured keeps its queue visibly, with a way to discard it; events the
// disk refused and a repair are said above the endpoints.
func TestOutboxPageShowsARetiredEndpointAndStorage(t *testing.T) {
	retiredAt, until := oNow.Add(-time.Hour), oNow.Add(30*24*time.Hour-time.Hour)
	src := &fakeOutbox{
		endpoints: []analytics.EndpointStatus{{ID: "sha256:old", Endpoint: "https://old.example/ev", Queued: 2273,
			RetiredAt: &retiredAt, DiscardAfter: &until}},
		storage: analytics.Storage{NotStored: 6150, Failing: true, FailingSince: oNow, LastError: "write earshot.db: no space left on device",
			Repairs: []analytics.Repair{{At: oNow, Kept: 2991, Lost: 9, DamagedPath: "/data/earshot.db.damaged-20261122T090000.000Z"}}},
	}
	h := newOutboxHarness(t, src)
	h.shows(
		"Analytics is off: no analytics endpoint is configured (ANALYTICSENDPOINT). Events queued for endpoints no longer configured are kept",
		"Endpoint no longer configured: 2273 queued. Kept until ",
		"[Discard queue]",
		"6150 events could not be stored: the disk refused the write.",
		"no space left on device",
		"2991 entries kept, 9 lost. The damaged file is kept as /data/earshot.db.damaged-20261122T090000.000Z",
	)
	if strings.Contains(h.text(), "Analytics is off: no analytics endpoint is configured (ANALYTICSENDPOINT).\n") {
		t.Error("the page says analytics is off and nothing more while events are queued")
	}
	c := h.page.cards[0]
	if c.discard.Disabled() || c.retry.Visible() {
		t.Error("a retired endpoint must offer Discard queue, not Retry now")
	}
	test.Tap(c.discard)
	overlay := h.win.Canvas().Overlays().Top()
	if overlay == nil {
		t.Fatal("no confirmation dialog")
	}
	var confirm *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == "Yes" {
				confirm = x
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(overlay)
	if confirm == nil {
		t.Fatal("no confirm button")
	}
	test.Tap(confirm)
	h.wait()
	src.mu.Lock()
	defer src.mu.Unlock()
	if len(src.discarded) != 1 || src.discarded[0] != "retired:sha256:old" {
		t.Errorf("discarded %v", src.discarded)
	}
}

// TestOutboxPageShowsLosses: telemetry the drivers reported out of range and
// call changes the store refused are said in the page's status, only when
// there are any.
func TestOutboxPageShowsLosses(t *testing.T) {
	tests := []struct {
		name         string
		losses       Losses
		want, absent []string
	}{
		{name: "none", absent: []string{"telemetry", "call change"}},
		{name: "one of each", losses: Losses{RejectedTelemetry: 1, UnrecordedCalls: 1},
			want: []string{"1 telemetry value from devices was out of range and was dropped since Earshot started.",
				"1 call change could not be recorded since Earshot started: the call history and its events miss it."}},
		{name: "telemetry only", losses: Losses{RejectedTelemetry: 42},
			want:   []string{"42 telemetry values from devices were out of range and were dropped since Earshot started."},
			absent: []string{"call change"}},
		{name: "calls only", losses: Losses{UnrecordedCalls: 7},
			want:   []string{"7 call changes could not be recorded since Earshot started: the call history and its events miss them."},
			absent: []string{"telemetry"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeOutbox{endpoints: []analytics.EndpointStatus{{ID: "sha256:a", Endpoint: "https://a.example/ev", Configured: true}}}
			h := newOutboxHarnessWithLosses(t, src, func() Losses { return tt.losses })
			h.shows(tt.want...)
			text := strings.Join(strings.Fields(h.text()), " ")
			for _, s := range tt.absent {
				if strings.Contains(text, s) {
					t.Errorf("the page shows %q:\n%s", s, text)
				}
			}
			if h.page.storage.Visible() != (len(tt.want) > 0) {
				t.Errorf("the status line is visible %v", h.page.storage.Visible())
			}
		})
	}
}
