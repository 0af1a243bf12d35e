//go:build ci

package views

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/firmware"
)

// rect is where an object is drawn on its canvas.
type rect struct {
	pos  fyne.Position
	size fyne.Size
}

func rectOf(o fyne.CanvasObject) rect {
	return rect{fyne.CurrentApp().Driver().AbsolutePositionForObject(o), o.Size()}
}

func (r rect) overlaps(o rect) bool {
	return r.pos.X < o.pos.X+o.size.Width && o.pos.X < r.pos.X+r.size.Width &&
		r.pos.Y < o.pos.Y+o.size.Height && o.pos.Y < r.pos.Y+r.size.Height
}

func (r rect) String() string {
	return fmt.Sprintf("(%.0f,%.0f %.0f×%.0f)", r.pos.X, r.pos.Y, r.size.Width, r.size.Height)
}

// walkVisible calls fn for o and every visible object under it.
func walkVisible(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walkVisible(c, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walkVisible(c, fn)
		}
	}
}

// cardsUnder are the visible cards under o.
func cardsUnder(o fyne.CanvasObject) []*widget.Card {
	var out []*widget.Card
	walkVisible(o, func(c fyne.CanvasObject) {
		if card, ok := c.(*widget.Card); ok {
			out = append(out, card)
		}
	})
	return out
}

// TestFirmwareProgressDoesNotCoverTheCards: while a download or an update
// runs, the phase line, the bar and the notice sit above the cards, at
// every width from a small screen up, and the cards move back up after.
func TestFirmwareProgressDoesNotCoverTheCards(t *testing.T) {
	for _, tt := range []struct {
		name string
		size fyne.Size
		live func() (live bool, pct int)
	}{
		{"wide, updating", fyne.NewSize(1000, 800), func() (bool, int) { return true, 45 }},
		{"small, updating", fyne.NewSize(600, 500), func() (bool, int) { return true, 45 }},
		{"wide, download of unknown size", fyne.NewSize(1000, 800), func() (bool, int) { return false, -1 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newFirmwareHarness(t, stagedStatus)
			h.win.Resize(tt.size)
			before := cardsUnder(h.tab.Content())
			if len(before) < 2 {
				t.Fatalf("%d cards", len(before))
			}
			top := rectOf(before[0])
			s := stagedStatus
			st := *s.Staged
			updating, pct := tt.live()
			s.Live = firmware.Live{Phase: firmware.PhaseDownloading, Percent: pct}
			if updating {
				st.State = "updating" // the staged rows change in the same refresh
				s.Live.Phase = firmware.PhaseUpdating
			}
			s.Staged = &st
			h.src.set(s)
			bar := rectOf(h.tab.progress)
			if !h.tab.progress.Visible() {
				bar = rectOf(h.tab.infinite)
			}
			working := []struct {
				name string
				r    rect
			}{{"phase", rectOf(h.tab.phase)}, {"bar", bar}}
			for _, card := range cardsUnder(h.tab.Content()) {
				c := rectOf(card)
				for _, w := range working {
					if w.r.overlaps(c) {
						t.Errorf("the %s %v draws over a card %v", w.name, w.r, c)
					}
				}
			}
			if rectOf(h.tab.phase).size.Height == 0 || bar.size.Height == 0 {
				t.Errorf("the progress has no height: phase %v, bar %v", rectOf(h.tab.phase), bar)
			}
			h.src.set(stagedStatus)
			if got := rectOf(cardsUnder(h.tab.Content())[0]); got.pos != top.pos {
				t.Errorf("after the work the first card is at %v, was %v", got, top)
			}
		})
	}
}

// panelsUnder are the visible panels (newPanel) and cards under o.
func panelsUnder(o fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	walkVisible(o, func(c fyne.CanvasObject) {
		switch x := c.(type) {
		case *widget.Card:
			out = append(out, x)
		case *fyne.Container:
			if len(x.Objects) > 0 {
				if _, ok := x.Objects[0].(*panelBackground); ok {
					out = append(out, x)
				}
			}
		}
	})
	return out
}

// TestSettingsNoticesDoNotCoverTheForm: the pending line, Apply's notice and
// the restart banner push the form down instead of drawing over it.
func TestSettingsNoticesDoNotCoverTheForm(t *testing.T) {
	h := newSettingsHarness(t)
	h.win.Resize(fyne.NewSize(800, 600))
	h.row("WIRELESS_RANGE").sel.SetSelected("Short")
	check := func(when string, lines ...fyne.CanvasObject) {
		t.Helper()
		for _, l := range lines {
			if !l.Visible() {
				t.Fatalf("%s: a line is hidden", when)
			}
			r := rectOf(l)
			if r.size.Height == 0 {
				t.Errorf("%s: a line has no height %v", when, r)
			}
			for _, p := range panelsUnder(h.tab.scroll) {
				if c := rectOf(p); r.overlaps(c) {
					t.Errorf("%s: the line %v draws over a card %v", when, r, c)
				}
			}
		}
	}
	check("with an edit", h.tab.pending)
	test.Tap(h.tab.apply)
	check("after Apply", h.tab.notice.root, h.tab.restart.root)
}
