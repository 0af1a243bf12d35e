package views

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/translations"
)

const (
	// childIndent is how far a device reached through another one (a
	// headset behind its dongle) is indented under it.
	childIndent = 32
	// cardGap is the space between two cards in the list.
	cardGap = 8
)

// deviceCard shows one device in the list: kind icon, name, connection,
// firmware, status pills and battery. Tapping it, or Enter or Space while it
// has the keyboard focus, opens the device's page.
type deviceCard struct {
	widget.BaseWidget
	t       *translations.Translator
	onOpen  func(id string)
	dev     app.DeviceSummary
	child   bool // drawn indented under its parent
	hovered bool
	focused bool
}

var (
	_ fyne.Focusable     = (*deviceCard)(nil)
	_ fyne.Tappable      = (*deviceCard)(nil)
	_ desktop.Hoverable  = (*deviceCard)(nil)
	_ desktop.Cursorable = (*deviceCard)(nil)
)

func newDeviceCard(t *translations.Translator, onOpen func(id string)) *deviceCard {
	c := &deviceCard{t: t, onOpen: onOpen}
	c.ExtendBaseWidget(c)
	return c
}

func (c *deviceCard) set(d app.DeviceSummary, child bool) {
	c.dev, c.child = d, child
	c.Refresh()
}

func (c *deviceCard) Tapped(*fyne.PointEvent) { c.onOpen(c.dev.ID) }

func (c *deviceCard) FocusGained() {
	c.focused = true
	c.Refresh()
}

func (c *deviceCard) FocusLost() {
	c.focused = false
	c.Refresh()
}

func (c *deviceCard) TypedRune(rune) {}

func (c *deviceCard) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeySpace:
		c.onOpen(c.dev.ID)
	}
}

func (c *deviceCard) MouseIn(*desktop.MouseEvent) {
	c.hovered = true
	c.Refresh()
}

func (c *deviceCard) MouseMoved(*desktop.MouseEvent) {}

func (c *deviceCard) MouseOut() {
	c.hovered = false
	c.Refresh()
}

func (c *deviceCard) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (c *deviceCard) CreateRenderer() fyne.WidgetRenderer {
	r := &cardRenderer{
		c:     c,
		bg:    canvas.NewRectangle(color.Transparent),
		hover: canvas.NewRectangle(color.Transparent),
		treeV: canvas.NewRectangle(color.Transparent),
		treeH: canvas.NewRectangle(color.Transparent),
		tile:  newKindTile(44),
		info:  widget.NewRichText(),
		right: container.NewHBox(),
		gauge: newBatteryGauge(c.t),
	}
	r.info.Truncation = fyne.TextTruncateEllipsis
	r.content = container.NewBorder(nil, nil, container.NewCenter(r.tile), container.NewCenter(r.right), r.info)
	r.Refresh()
	return r
}

type cardRenderer struct {
	c                       *deviceCard
	bg, hover, treeV, treeH *canvas.Rectangle
	tile                    *kindTile
	info                    *widget.RichText
	right                   *fyne.Container // status pills and the battery gauge
	gauge                   *batteryGauge
	content                 *fyne.Container
}

func (r *cardRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.treeV, r.treeH, r.bg, r.hover, r.content}
}

func (r *cardRenderer) Destroy() {}

func (r *cardRenderer) indent() float32 {
	if r.c.child {
		return childIndent
	}
	return 0
}

func (r *cardRenderer) MinSize() fyne.Size {
	inset := 2 * theme.Padding()
	return r.content.MinSize().AddWidthHeight(r.indent()+inset, inset)
}

func (r *cardRenderer) Layout(size fyne.Size) {
	x := r.indent()
	mid := size.Height / 2
	// An "└" from the parent card above down and into this one.
	r.treeV.Move(fyne.NewPos(x/2-1, -cardGap))
	r.treeV.Resize(fyne.NewSize(2, mid+cardGap+1))
	r.treeH.Move(fyne.NewPos(x/2-1, mid-1))
	r.treeH.Resize(fyne.NewSize(x/2+1, 2))

	r.bg.Move(fyne.NewPos(x, 0))
	r.bg.Resize(fyne.NewSize(size.Width-x, size.Height))
	r.hover.Move(r.bg.Position())
	r.hover.Resize(r.bg.Size())
	inset := theme.Padding()
	r.content.Move(fyne.NewPos(x+inset, inset))
	r.content.Resize(fyne.NewSize(size.Width-x-2*inset, size.Height-2*inset))
}

func (r *cardRenderer) Refresh() {
	d := r.c.dev
	radius := 2 * theme.InputRadiusSize()
	r.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	r.bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	r.bg.StrokeWidth = 1
	if r.c.focused {
		r.bg.StrokeColor = theme.Color(theme.ColorNamePrimary)
		r.bg.StrokeWidth = 2
	}
	r.bg.CornerRadius = radius
	r.hover.FillColor = color.Transparent
	if r.c.hovered {
		r.hover.FillColor = theme.Color(theme.ColorNameHover)
	}
	r.hover.CornerRadius = radius

	line := withAlpha(theme.Color(theme.ColorNamePlaceHolder), 0x80)
	r.treeV.FillColor, r.treeH.FillColor = line, line
	r.treeV.Hidden, r.treeH.Hidden = !r.c.child, !r.c.child

	r.tile.setKind(d.Kind)
	r.tile.setGlow(glowOf(d))

	r.info.Segments = []widget.RichTextSegment{
		&widget.TextSegment{Text: d.DeviceName, Style: widget.RichTextStyle{
			TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameSubHeadingText}},
		&widget.TextSegment{Text: connectionLine(r.c.t, d), Style: widget.RichTextStyle{
			ColorName: theme.ColorNamePlaceHolder}},
		&widget.TextSegment{Text: cardDetail(r.c.t, d), Style: widget.RichTextStyle{
			ColorName: theme.ColorNamePlaceHolder, SizeName: theme.SizeNameCaptionText}},
	}
	r.gauge.set(d)
	r.right.Objects = append(statusPills(r.c.t, d), r.gauge)
	for _, o := range []fyne.CanvasObject{r.bg, r.hover, r.treeV, r.treeH} {
		canvas.Refresh(o)
	}
	r.content.Refresh() // also lays out and refreshes the text, pills and gauge
	r.Layout(r.c.Size())
}

// cardDetail is the card's third line: the firmware version, or the USB
// identity of a device whose firmware is unknown.
func cardDetail(t *translations.Translator, d app.DeviceSummary) string {
	switch {
	case d.FirmwareVersion != "":
		return t.T("views.firmware", "Version", d.FirmwareVersion)
	case d.VendorID != "":
		return t.T("views.usbID", "Vendor", d.VendorID, "Product", d.ProductID)
	}
	return ""
}

// statusPills are the small coloured labels of what a device is doing now.
func statusPills(t *translations.Translator, d app.DeviceSummary) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	if !d.Connected {
		out = append(out, pill(t.T("views.status.disconnected"), theme.ColorNameDisabledButton, theme.ColorNameForeground))
	}
	if d.InCall {
		out = append(out, pill(t.T("views.status.inCall"), theme.ColorNamePrimary, theme.ColorNameForegroundOnPrimary))
	}
	if d.Muted {
		out = append(out, pill(t.T("views.status.muted"), theme.ColorNameWarning, theme.ColorNameForegroundOnWarning))
	}
	if d.Streaming {
		out = append(out, pill(t.T("views.status.streaming"), theme.ColorNameError, theme.ColorNameForegroundOnError))
	}
	if d.PeopleCount != nil {
		out = append(out, pill(t.N("views.status.people", *d.PeopleCount), theme.ColorNameButton, theme.ColorNameForeground))
	}
	if d.Light != nil && d.Connected {
		out = append(out, lightPill(t, *d.Light))
	}
	return out
}

func pill(text string, bg, fg fyne.ThemeColorName) fyne.CanvasObject {
	txt := canvas.NewText(text, theme.Color(fg))
	txt.TextSize = theme.CaptionTextSize()
	txt.TextStyle.Bold = true
	h := txt.MinSize().Height + 4
	back := canvas.NewRectangle(theme.Color(bg))
	back.CornerRadius = h / 2
	return container.NewCenter(container.NewStack(back,
		container.New(layout.NewCustomPaddedLayout(2, 2, h/2, h/2), txt)))
}
