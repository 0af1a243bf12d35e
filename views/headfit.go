package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// headFit lays a tab out again when its head — a title bar with notices or
// progress under it, above a scrolled body in a border layout — changes
// height. Fyne re-lays a container out after a child's minimum size changed
// only when nothing deeper in a later sibling changed size in the same
// frame; the body usually changes with the head (the staged file's state
// with the progress, the form with Apply's notice), so the head kept its
// old height and its new lines drew over the cards below it.
type headFit struct {
	root *fyne.Container // border layout: head on top, body in the centre
	head fyne.CanvasObject
	size fyne.Size // head's minimum size at the last layout
}

func newHeadFit(root *fyne.Container, head fyne.CanvasObject) *headFit {
	return &headFit{root: root, head: head, size: head.MinSize()}
}

// fit lays root out again when head's minimum size changed (Fyne
// goroutine).
func (h *headFit) fit() {
	if m := h.head.MinSize(); m != h.size {
		h.size = m
		if h.root.Layout != nil && !h.root.Size().IsZero() {
			h.root.Layout.Layout(h.root.Objects, h.root.Size())
			canvas.Refresh(h.root)
		}
	}
}
