package views

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/presence"
	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/translations"
)

// newPresenceSelect is the presence selector: "Automatic", or a state set
// by hand.
func newPresenceSelect(t *translations.Translator, src PresenceSource, onErr func(error)) *widget.Select {
	opts := []string{t.T("views.presence.automatic")}
	for _, st := range presence.States {
		opts = append(opts, stateLabel(t, st))
	}
	sel := widget.NewSelect(opts, nil)
	sel.OnChanged = func(string) {
		var st presence.State
		if i := sel.SelectedIndex(); i > 0 {
			st = presence.States[i-1]
		}
		if err := src.SetManual(st); err != nil {
			onErr(err)
		}
	}
	return sel
}

// setSelectorState shows manual in the selector without acting on it.
func setSelectorState(t *translations.Translator, sel *widget.Select, manual presence.State) {
	want := 0
	for i, st := range presence.States {
		if st == manual {
			want = i + 1
		}
	}
	if sel.SelectedIndex() == want {
		return
	}
	on := sel.OnChanged
	sel.OnChanged = nil
	sel.SetSelectedIndex(want)
	sel.OnChanged = on
}

// presenceBox is the main window's presence selector, under the navigation:
// a dot in the state's colour, the resolved state, and the selector.
type presenceBox struct {
	t     *translations.Translator
	src   PresenceSource
	dot   *fyne.Container
	state *widget.Label
	sel   *widget.Select
	root  fyne.CanvasObject
}

func newPresenceBox(t *translations.Translator, src PresenceSource, onErr func(error)) *presenceBox {
	b := &presenceBox{t: t, src: src, dot: container.NewStack(), state: widget.NewLabel("")}
	b.sel = newPresenceSelect(t, src, onErr)
	b.root = container.NewVBox(widget.NewSeparator(), newCaption(t.T("views.presence.title")),
		container.NewHBox(container.NewCenter(b.dot), b.state), b.sel)
	b.refresh(src.Status())
	return b
}

func (b *presenceBox) refresh(st presence.Status) {
	b.dot.Objects = []fyne.CanvasObject{swatch(stateColour(st), 14)}
	b.dot.Refresh()
	b.state.SetText(decisionLabel(b.t, st.Decision))
	setSelectorState(b.t, b.sel, st.Manual)
}

// presenceMenu is the tray's presence submenu: the state, then Automatic
// and every state, the chosen one checked.
func presenceMenu(t *translations.Translator, src PresenceSource, st presence.Status) *fyne.MenuItem {
	auto := fyne.NewMenuItem(t.T("views.presence.automatic"), func() { _ = src.SetManual("") })
	auto.Checked = st.Manual == ""
	items := []*fyne.MenuItem{auto, fyne.NewMenuItemSeparator()}
	for _, s := range presence.States {
		it := fyne.NewMenuItem(stateLabel(t, s), func() { _ = src.SetManual(s) })
		it.Checked = st.Manual == s
		items = append(items, it)
	}
	top := fyne.NewMenuItem(t.T("views.tray.presence", "State", decisionLabel(t, st.Decision)), nil)
	top.ChildMenu = fyne.NewMenu("", items...)
	return top
}

// trayIconCache holds the tray icons made so far, by colour.
var trayIconCache = map[color.NRGBA]fyne.Resource{}

// presenceTrayIcon is the app icon with a dot in the state's colour in its
// lower right corner.
func presenceTrayIcon(c color.Color) fyne.Resource {
	key := color.NRGBAModel.Convert(c).(color.NRGBA)
	if r, ok := trayIconCache[key]; ok {
		return r
	}
	base, err := png.Decode(bytes.NewReader(assets.AppIconPNG()))
	if err != nil {
		return fyne.NewStaticResource("earshot.png", assets.AppIconPNG())
	}
	b := base.Bounds()
	img := image.NewNRGBA(b)
	draw.Draw(img, b, base, b.Min, draw.Src)
	n := b.Dx()
	r := n * 11 / 64 // dot radius
	cx, cy := b.Max.X-r-1, b.Max.Y-r-1
	rim := color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	for y := cy - r - 2; y <= cy+r+2; y++ {
		for x := cx - r - 2; x <= cx+r+2; x++ {
			dx, dy := x-cx, y-cy
			switch d := dx*dx + dy*dy; {
			case d <= r*r:
				img.Set(x, y, key)
			case d <= (r+2)*(r+2):
				img.Set(x, y, rim)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fyne.NewStaticResource("earshot.png", assets.AppIconPNG())
	}
	res := fyne.NewStaticResource(fmt.Sprintf("earshot-%02x%02x%02x.png", key.R, key.G, key.B), buf.Bytes())
	trayIconCache[key] = res
	return res
}
