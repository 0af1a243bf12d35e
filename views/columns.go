package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// columns lays its objects out side by side in equal columns when the width
// allows each its minimum, and one above the other when it does not, so a
// page never asks for more width than its widest object: the window fits a
// small screen (800×600) in long languages.
type columns struct{}

// newColumns is a container of objs in adaptive columns.
func newColumns(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(columns{}, objs...)
}

func visibleObjects(objs []fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, o := range objs {
		if o.Visible() {
			out = append(out, o)
		}
	}
	return out
}

// side tells whether objs fit side by side in width w, and each column's width.
func (columns) side(objs []fyne.CanvasObject, w float32) (bool, float32) {
	n := len(objs)
	if n < 2 {
		return false, w
	}
	pad := theme.Padding()
	col := (w - pad*float32(n-1)) / float32(n)
	for _, o := range objs {
		if o.MinSize().Width > col {
			return false, w
		}
	}
	return true, col
}

// MinSize is the widest object's width, and the height of all stacked.
func (columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	vis := visibleObjects(objs)
	for i, o := range vis {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
		if i > 0 {
			s.Height += theme.Padding()
		}
	}
	return s
}

func (c columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	vis := visibleObjects(objs)
	pad := theme.Padding()
	if ok, col := c.side(vis, size.Width); ok {
		for i, o := range vis {
			o.Move(fyne.NewPos(float32(i)*(col+pad), 0))
			o.Resize(fyne.NewSize(col, size.Height))
		}
		return
	}
	y := float32(0)
	for _, o := range vis {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + pad
	}
}
