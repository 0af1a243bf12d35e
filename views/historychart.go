package views

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/translations"
)

// chartDays is how many days the talk-time chart shows, today included.
const chartDays = 14

// chartBar is one day of the chart.
type chartBar struct {
	day  time.Time // midnight
	talk time.Duration
}

// talkChart is a bar chart of talk time per day: one bar per day, its value
// above it and the day below. Tapping a bar picks that day.
type talkChart struct {
	widget.BaseWidget
	t        *translations.Translator
	bars     []chartBar
	selected time.Time // the day picked; zero = none
	onPick   func(day time.Time)
}

var _ fyne.Tappable = (*talkChart)(nil)

func newTalkChart(t *translations.Translator, onPick func(time.Time)) *talkChart {
	c := &talkChart{t: t, onPick: onPick}
	c.ExtendBaseWidget(c)
	return c
}

// set shows bars and marks the day selected (zero: none).
func (c *talkChart) set(bars []chartBar, selected time.Time) {
	c.bars, c.selected = bars, selected
	c.Refresh()
}

// Tapped picks the day under the tap.
func (c *talkChart) Tapped(ev *fyne.PointEvent) {
	if len(c.bars) == 0 || c.onPick == nil {
		return
	}
	i := int(ev.Position.X / (c.Size().Width / float32(len(c.bars))))
	if i >= 0 && i < len(c.bars) {
		c.onPick(c.bars[i].day)
	}
}

func (c *talkChart) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{c: c, base: canvas.NewRectangle(color.Transparent)}
	r.Refresh()
	return r
}

type chartRenderer struct {
	c      *talkChart
	base   *canvas.Rectangle // the baseline
	rects  []*canvas.Rectangle
	values []*canvas.Text
	labels []*canvas.Text
}

func (r *chartRenderer) Destroy() {}

func (r *chartRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.base}
	for i := range r.rects {
		objs = append(objs, r.rects[i], r.values[i], r.labels[i])
	}
	return objs
}

func (r *chartRenderer) MinSize() fyne.Size {
	h := theme.CaptionTextSize() * 1.4
	return fyne.NewSize(float32(len(r.rects))*24, 2*h+72)
}

func (r *chartRenderer) Layout(size fyne.Size) {
	n := len(r.rects)
	if n == 0 {
		return
	}
	text := theme.CaptionTextSize() * 1.4
	top, bottom := text, size.Height-text // bars stand between the value row and the label row
	r.base.Move(fyne.NewPos(0, bottom))
	r.base.Resize(fyne.NewSize(size.Width, 1))
	var most time.Duration
	for _, b := range r.c.bars {
		most = max(most, b.talk)
	}
	slot := size.Width / float32(n)
	barW := min(slot*0.6, 40)
	for i, b := range r.c.bars {
		h := float32(0)
		if most > 0 {
			h = (bottom - top - 4) * float32(b.talk) / float32(most)
		}
		if b.talk > 0 {
			h = max(h, 2) // a short call still shows
		}
		x := slot*float32(i) + (slot-barW)/2
		r.rects[i].Move(fyne.NewPos(x, bottom-h))
		r.rects[i].Resize(fyne.NewSize(barW, h))
		center := func(t *canvas.Text, y float32) {
			w := t.MinSize().Width
			t.Move(fyne.NewPos(slot*float32(i)+(slot-w)/2, y))
			t.Resize(t.MinSize())
		}
		center(r.values[i], bottom-h-text)
		center(r.labels[i], bottom+2)
	}
}

func (r *chartRenderer) Refresh() {
	bars := r.c.bars
	for len(r.rects) < len(bars) {
		r.rects = append(r.rects, canvas.NewRectangle(color.Transparent))
		r.values = append(r.values, canvas.NewText("", color.Transparent))
		r.labels = append(r.labels, canvas.NewText("", color.Transparent))
	}
	r.rects, r.values, r.labels = r.rects[:len(bars)], r.values[:len(bars)], r.labels[:len(bars)]
	primary := theme.Color(theme.ColorNamePrimary)
	faint := theme.Color(theme.ColorNamePlaceHolder)
	r.base.FillColor = withAlpha(faint, 0x60)
	for i, b := range bars {
		fill := primary
		if !r.c.selected.IsZero() && !b.day.Equal(r.c.selected) {
			fill = withAlpha(primary, 0x60)
		}
		r.rects[i].FillColor = fill
		r.rects[i].CornerRadius = 2
		r.rects[i].Hidden = b.talk == 0
		v := r.values[i]
		v.Text, v.Color, v.TextSize = "", theme.Color(theme.ColorNameForeground), theme.CaptionTextSize()
		if b.talk > 0 {
			v.Text = shortDuration(r.c.t, b.talk)
		}
		l := r.labels[i]
		l.Text, l.Color, l.TextSize = r.c.t.T("history.weekday.short."+itoa(int(b.day.Weekday())))+" "+itoa(b.day.Day()), faint, theme.CaptionTextSize()
		l.TextStyle.Bold = b.day.Equal(r.c.selected)
	}
	r.Layout(r.c.Size())
	for _, o := range r.Objects() {
		canvas.Refresh(o)
	}
}
