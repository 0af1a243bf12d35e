//go:build ci

package views

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
)

// scrollerOf is the innermost scroller under root that o is inside of, in
// view or not; nil when none.
func scrollerOf(root, o fyne.CanvasObject) *container.Scroll {
	var found *container.Scroll
	var walk func(x fyne.CanvasObject, sc *container.Scroll) bool
	walk = func(x fyne.CanvasObject, sc *container.Scroll) bool {
		if x == nil || !x.Visible() {
			return false
		}
		if x == o {
			found = sc
			return true
		}
		if s, ok := x.(*container.Scroll); ok {
			sc = s
		}
		var kids []fyne.CanvasObject
		switch c := x.(type) {
		case *fyne.Container:
			kids = c.Objects
		case fyne.Widget:
			kids = test.WidgetRenderer(c).Objects()
		}
		for _, k := range kids {
			if walk(k, sc) {
				return true
			}
		}
		return false
	}
	walk(root, nil)
	return found
}

// TestTabScrollsTheFocusIntoView: tabbing through the Settings tab of a
// device page at 800×600, every focused widget that sits in a scroller is
// scrolled into view, and the scroller had to move for some.
func TestTabScrollsTheFocusIntoView(t *testing.T) {
	h := newLeaveHarness(t)
	win := h.w.Window()
	win.Resize(fyne.NewSize(800, 600))
	h.w.ShowTab(h.set)
	c := win.Canvas()
	moved, inScroll := 0, 0
	for i := 0; i < 60; i++ {
		c.FocusNext()
		f, ok := c.Focused().(fyne.CanvasObject)
		if !ok {
			continue
		}
		s := scrollerOf(c.Content(), f)
		before := float32(0)
		if s != nil {
			before = s.Offset.Y
		}
		h.w.followFocus()
		if s == nil {
			continue
		}
		inScroll++
		if s.Offset.Y != before {
			moved++
		}
		view, got := areaOf(s), areaOf(f)
		if got.pos.Y < view.pos.Y || got.end.Y > view.end.Y {
			t.Errorf("step %d: the focused %T at y %.0f–%.0f is outside the scroller's %.0f–%.0f",
				i, f, got.pos.Y, got.end.Y, view.pos.Y, view.end.Y)
		}
	}
	if inScroll == 0 || moved == 0 {
		t.Fatalf("the walk proves nothing: %d focused widgets in a scroller, %d scrolls", inScroll, moved)
	}
}
