package views

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
)

// kindTile is a device kind's icon on a rounded square tinted with the theme's
// primary colour.
type kindTile struct {
	widget.BaseWidget
	kind string
	side float32
	glow color.Color // a lit light's colour, nil when none
}

func newKindTile(side float32) *kindTile {
	k := &kindTile{side: side}
	k.ExtendBaseWidget(k)
	return k
}

func (k *kindTile) setKind(kind string) {
	if k.kind != kind {
		k.kind = kind
		k.Refresh()
	}
}

// setGlow tints the tile with a lit light's colour (nil: the theme's).
func (k *kindTile) setGlow(c color.Color) {
	if k.glow != c {
		k.glow = c
		k.Refresh()
	}
}

// glowOf is the tile glow of a device: its light's colour while lit.
func glowOf(d app.DeviceSummary) color.Color {
	if d.Light == nil || !d.Light.Lit() || !d.Connected {
		return nil
	}
	return color.NRGBA{R: d.Light.R, G: d.Light.G, B: d.Light.B, A: 0xFF}
}

func (k *kindTile) CreateRenderer() fyne.WidgetRenderer {
	r := &kindTileRenderer{k: k, bg: canvas.NewRectangle(color.Transparent), icon: widget.NewIcon(nil)}
	r.Refresh()
	return r
}

type kindTileRenderer struct {
	k    *kindTile
	bg   *canvas.Rectangle
	icon *widget.Icon
}

func (r *kindTileRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.icon} }
func (r *kindTileRenderer) Destroy()                     {}
func (r *kindTileRenderer) MinSize() fyne.Size           { return fyne.NewSquareSize(r.k.side) }

func (r *kindTileRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	icon := size.Min(fyne.NewSquareSize(r.k.side)).Width * 0.6
	r.icon.Resize(fyne.NewSquareSize(icon))
	r.icon.Move(fyne.NewPos((size.Width-icon)/2, (size.Height-icon)/2))
}

func (r *kindTileRenderer) Refresh() {
	r.bg.FillColor = withAlpha(theme.Color(theme.ColorNamePrimary), 0x2a)
	r.bg.StrokeWidth = 0
	if g := r.k.glow; g != nil {
		r.bg.FillColor = withAlpha(g, 0x60)
		r.bg.StrokeColor = g
		r.bg.StrokeWidth = 2
	}
	r.bg.CornerRadius = r.k.side / 4
	r.bg.Refresh()
	r.icon.SetResource(theme.NewPrimaryThemedResource(kindIcon(r.k.kind)))
}

func withAlpha(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}
