package views

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// tooltipDelay is how long the pointer rests on a button before its tooltip
// shows.
const tooltipDelay = 600 * time.Millisecond

// iconButton is a button that shows only an icon, with a tooltip that says
// what it does when the pointer rests on it (Fyne has no tooltips of its
// own). The tooltip is also the button's text for tests and screen readers.
type iconButton struct {
	widget.Button
	tip   string
	popup *widget.PopUp
	timer *time.Timer
	at    fyne.Position
}

func newIconButton(icon fyne.Resource, tip string, tapped func()) *iconButton {
	b := &iconButton{tip: tip}
	b.Icon, b.OnTapped = icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// Tooltip is what the button's tooltip says.
func (b *iconButton) Tooltip() string { return b.tip }

// MouseIn starts the tooltip's delay.
func (b *iconButton) MouseIn(ev *desktop.MouseEvent) {
	b.Button.MouseIn(ev)
	b.at = ev.AbsolutePosition
	b.stopTimer()
	b.timer = time.AfterFunc(tooltipDelay, func() { fyne.Do(b.showTip) })
}

// MouseMoved follows the pointer.
func (b *iconButton) MouseMoved(ev *desktop.MouseEvent) {
	b.Button.MouseMoved(ev)
	b.at = ev.AbsolutePosition
}

// MouseOut hides the tooltip.
func (b *iconButton) MouseOut() {
	b.Button.MouseOut()
	b.hideTip()
}

// Tapped hides the tooltip and taps.
func (b *iconButton) Tapped(ev *fyne.PointEvent) {
	b.hideTip()
	b.Button.Tapped(ev)
}

func (b *iconButton) stopTimer() {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
}

func (b *iconButton) showTip() {
	c := fyne.CurrentApp().Driver().CanvasForObject(b)
	if c == nil || b.tip == "" || !b.Visible() {
		return
	}
	label := widget.NewLabel(b.tip)
	b.popup = widget.NewPopUp(container.NewPadded(label), c)
	size := b.popup.MinSize()
	pos := b.at.Add(fyne.NewPos(0, 24))
	// Keep it inside the window.
	if max := c.Size().Width - size.Width; pos.X > max {
		pos.X = max
	}
	if pos.Y+size.Height > c.Size().Height {
		pos.Y = b.at.Y - size.Height - 8
	}
	b.popup.ShowAtPosition(pos)
}

func (b *iconButton) hideTip() {
	b.stopTimer()
	if b.popup != nil {
		b.popup.Hide()
		b.popup = nil
	}
}
