package views

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// kindTile is a device kind's icon on a rounded square tinted with the theme's
// primary colour.
type kindTile struct {
	widget.BaseWidget
	kind string
	side float32
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
	r.bg.CornerRadius = r.k.side / 4
	r.bg.Refresh()
	r.icon.SetResource(theme.NewPrimaryThemedResource(kindIcon(r.k.kind)))
}

func withAlpha(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}
