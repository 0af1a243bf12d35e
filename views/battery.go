package views

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/translations"
)

// The battery colours carry meaning, so they are the same in light and dark.
var (
	batteryGreen = color.NRGBA{R: 0x2e, G: 0xa0, B: 0x43, A: 0xff}
	batteryAmber = color.NRGBA{R: 0xe0, G: 0x9b, B: 0x00, A: 0xff}
	batteryRed   = color.NRGBA{R: 0xdd, G: 0x3b, B: 0x3b, A: 0xff}
)

// batteryAmberBelow is the level under which a battery that is not yet low shows amber.
const batteryAmberBelow = 30

var chargingIcon = func() fyne.Resource {
	b, err := assets.Icon("charging")
	if err != nil {
		panic("views: " + err.Error())
	}
	return theme.NewThemedResource(fyne.NewStaticResource("charging.svg", b))
}()

func batteryColor(d app.DeviceSummary) color.Color {
	switch {
	case batteryLow(d):
		return batteryRed
	case *d.BatteryLevel < batteryAmberBelow:
		return batteryAmber
	}
	return batteryGreen
}

// batteryGauge draws a battery filled to its level, the level as text and a
// bolt while charging. It draws nothing for a device without a battery.
type batteryGauge struct {
	widget.BaseWidget
	t   *translations.Translator
	dev app.DeviceSummary
}

func newBatteryGauge(t *translations.Translator) *batteryGauge {
	g := &batteryGauge{t: t}
	g.ExtendBaseWidget(g)
	return g
}

func (g *batteryGauge) set(d app.DeviceSummary) {
	g.dev = d
	g.Refresh()
}

func (g *batteryGauge) CreateRenderer() fyne.WidgetRenderer {
	r := &gaugeRenderer{
		g:    g,
		bolt: widget.NewIcon(chargingIcon),
		text: canvas.NewText("", color.Black),
		body: canvas.NewRectangle(color.Transparent),
		nub:  canvas.NewRectangle(color.Black),
		fill: canvas.NewRectangle(color.Black),
	}
	r.Refresh()
	return r
}

const (
	gaugeBodyWidth  = 30
	gaugeBodyHeight = 15
	gaugeNubWidth   = 2.5
	gaugeBoltSize   = 16
)

type gaugeRenderer struct {
	g               *batteryGauge
	bolt            *widget.Icon
	text            *canvas.Text
	body, nub, fill *canvas.Rectangle
	hasBattery      bool
}

func (r *gaugeRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.body, r.fill, r.nub, r.text, r.bolt}
}

func (r *gaugeRenderer) Destroy() {}

func (r *gaugeRenderer) MinSize() fyne.Size {
	if !r.hasBattery {
		return fyne.NewSize(0, 0)
	}
	pad := theme.Padding()
	text := r.text.MinSize()
	w := text.Width + pad + gaugeBodyWidth + gaugeNubWidth
	if r.bolt.Visible() {
		w += gaugeBoltSize
	}
	return fyne.NewSize(w, max(text.Height, gaugeBodyHeight))
}

// Layout aligns the battery to the right edge so gauges line up in a column.
func (r *gaugeRenderer) Layout(size fyne.Size) {
	x := size.Width - gaugeNubWidth
	r.nub.Move(fyne.NewPos(x, (size.Height-gaugeBodyHeight/2.5)/2))
	r.nub.Resize(fyne.NewSize(gaugeNubWidth, gaugeBodyHeight/2.5))

	x -= gaugeBodyWidth
	top := (size.Height - gaugeBodyHeight) / 2
	r.body.Move(fyne.NewPos(x, top))
	r.body.Resize(fyne.NewSize(gaugeBodyWidth, gaugeBodyHeight))
	const inset = 3
	level := float32(0)
	if r.hasBattery {
		level = float32(min(max(*r.g.dev.BatteryLevel, 0), 100)) / 100
	}
	r.fill.Move(fyne.NewPos(x+inset, top+inset))
	r.fill.Resize(fyne.NewSize(max((gaugeBodyWidth-2*inset)*level, 2), gaugeBodyHeight-2*inset))

	text := r.text.MinSize()
	x -= theme.Padding() + text.Width
	r.text.Move(fyne.NewPos(x, (size.Height-text.Height)/2))
	r.text.Resize(text)

	x -= gaugeBoltSize
	r.bolt.Move(fyne.NewPos(x, (size.Height-gaugeBoltSize)/2))
	r.bolt.Resize(fyne.NewSize(gaugeBoltSize, gaugeBoltSize))
}

func (r *gaugeRenderer) Refresh() {
	d := r.g.dev
	r.hasBattery = d.HasBattery()
	for _, o := range r.Objects() {
		o.Hide()
	}
	if r.hasBattery {
		fg := theme.Color(theme.ColorNameForeground)
		level := batteryColor(d)
		r.body.StrokeColor = fg
		r.body.StrokeWidth = 1.5
		r.body.CornerRadius = 3.5
		r.nub.FillColor = fg
		r.nub.CornerRadius = 1
		r.fill.FillColor = level
		r.fill.CornerRadius = 1.5
		r.text.Text = batteryText(r.g.t, d)
		r.text.TextSize = theme.TextSize()
		r.text.Color = fg
		if batteryLow(d) {
			r.text.Color = batteryRed
		}
		for _, o := range []fyne.CanvasObject{r.body, r.fill, r.nub, r.text} {
			o.Show()
		}
		if batteryCharging(d) {
			r.bolt.Show()
		}
	}
	r.Layout(r.g.Size())
	for _, o := range r.Objects() {
		canvas.Refresh(o)
	}
}
