package views

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Keyboard focus follows into view: Fyne moves the focus on Tab without
// telling anyone and does not scroll to it, so a person tabbing through a
// long page at 800×600 lost the focus below the fold. The window looks where
// the focus went a few times a second (followFocus) and scrolls the card
// that holds it into view.

// followFocusEvery starts looking where the focus went every d until the
// window closes; it returns the stop function.
func (w *MainWindow) followFocusEvery(d time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				fyne.Do(w.followFocus)
			}
		}
	}()
	return func() { close(done) }
}

// followFocus scrolls the card that holds the focused widget into view once
// the focus has moved (Fyne goroutine).
func (w *MainWindow) followFocus() {
	f := w.win.Canvas().Focused()
	if f == w.lastFocus {
		return
	}
	w.lastFocus = f
	if o, ok := f.(fyne.CanvasObject); ok {
		scrollIntoView(w.win.Canvas().Content(), o)
	}
}

// area is an object's place on the canvas.
type area struct{ pos, end fyne.Position }

func areaOf(o fyne.CanvasObject) area {
	p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	s := o.Size()
	return area{p, p.Add(fyne.NewPos(s.Width, s.Height))}
}

func (a area) height() float32 { return a.end.Y - a.pos.Y }

// scrollIntoView scrolls the innermost vertical scroller that holds o (found
// through the containers, scrollers, cards and tabs under root) so that
// o's card (a widget.Card or a panel) shows whole, or, when the card is
// taller than the scroller, o itself. An o inside another widget's own
// parts is left alone.
func scrollIntoView(root, o fyne.CanvasObject) {
	var scroll *container.Scroll
	var cardObj fyne.CanvasObject
	var walk func(x fyne.CanvasObject, sc *container.Scroll, card fyne.CanvasObject) bool
	walk = func(x fyne.CanvasObject, sc *container.Scroll, card fyne.CanvasObject) bool {
		if x == nil || !x.Visible() {
			return false
		}
		if x == o {
			scroll, cardObj = sc, card
			return true
		}
		switch c := x.(type) {
		case *container.Scroll:
			if c.Direction == container.ScrollHorizontalOnly {
				return walk(c.Content, sc, card)
			}
			return walk(c.Content, c, nil)
		case *widget.Card:
			return walk(c.Content, sc, c)
		case *container.AppTabs:
			if it := c.Selected(); it != nil {
				return walk(it.Content, sc, card)
			}
		case *fyne.Container:
			if len(c.Objects) > 0 {
				if _, ok := c.Objects[0].(*panelBackground); ok {
					card = c
				}
			}
			for _, k := range c.Objects {
				if walk(k, sc, card) {
					return true
				}
			}
		}
		return false
	}
	if !walk(root, nil, nil) || scroll == nil {
		return
	}
	target, view := areaOf(o), areaOf(scroll)
	cardFound := cardObj != nil
	var card area
	if cardFound {
		card = areaOf(cardObj)
	}
	show := target
	if cardFound && card.height() <= view.height() {
		show = card
	} else {
		pad := 2 * theme.Padding()
		show.pos.Y -= pad
		show.end.Y += pad
	}
	// Content coordinates: the content's top is at view.pos.Y - offset.
	offset := scroll.Offset.Y
	top := show.pos.Y - view.pos.Y + offset
	bottom := show.end.Y - view.pos.Y + offset
	next := offset
	switch {
	case top < offset:
		next = top
	case bottom > offset+view.height():
		next = min(top, bottom-view.height())
	}
	maxOffset := max(0, scroll.Content.Size().Height-view.height())
	next = min(max(next, 0), maxOffset)
	if next != offset {
		scroll.ScrollToOffset(fyne.NewPos(scroll.Offset.X, next))
	}
}
