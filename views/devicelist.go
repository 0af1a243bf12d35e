package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/translations"
)

// deviceList is the main page: a card per device, children indented under
// their parent, or an empty state when nothing is connected.
type deviceList struct {
	t      *translations.Translator
	onOpen func(id string)
	cards  map[string]*deviceCard // by device ID, kept across updates so focus survives
	box    *fyne.Container
	header *widget.RichText
	scroll *container.Scroll
	empty  fyne.CanvasObject
	root   fyne.CanvasObject
}

func newDeviceList(t *translations.Translator, version string, onOpen func(id string)) *deviceList {
	l := &deviceList{
		t:      t,
		onOpen: onOpen,
		cards:  map[string]*deviceCard{},
		box:    container.New(layout.NewCustomPaddedVBoxLayout(cardGap)),
		header: widget.NewRichText(),
	}
	var about fyne.CanvasObject = layout.NewSpacer()
	if version != "" {
		about = container.NewCenter(newCaption(t.T("views.version", "Version", version)))
	}
	pad := 2 * theme.Padding()
	header := container.New(layout.NewCustomPaddedLayout(pad, 0, pad, pad),
		container.NewBorder(nil, nil, nil, about, l.header))
	l.scroll = container.NewVScroll(container.New(layout.NewCustomPaddedLayout(pad, 2*pad, 2*pad, 2*pad), l.box))

	icon := widget.NewIcon(theme.NewColoredResource(kindIcon("headset"), theme.ColorNamePlaceHolder))
	centered := widget.RichTextStyle{Alignment: fyne.TextAlignCenter}
	headline := centered
	headline.SizeName = theme.SizeNameSubHeadingText
	headline.TextStyle.Bold = true
	hint := centered
	hint.ColorName = theme.ColorNamePlaceHolder
	l.empty = container.NewCenter(container.NewVBox(
		container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(96), icon)),
		widget.NewRichText(&widget.TextSegment{Text: t.T("views.list.empty"), Style: headline}),
		widget.NewRichText(&widget.TextSegment{Text: t.T("views.list.emptyHint"), Style: hint}),
	))
	l.root = container.NewBorder(header, nil, nil, nil, container.NewStack(l.scroll, l.empty))
	return l
}

func (l *deviceList) update(devs []app.DeviceSummary) {
	present := make(map[string]bool, len(devs))
	for _, d := range devs {
		present[d.ID] = true
	}
	objs := make([]fyne.CanvasObject, 0, len(devs))
	for _, d := range devs {
		c, ok := l.cards[d.ID]
		if !ok {
			c = newDeviceCard(l.t, l.onOpen)
			l.cards[d.ID] = c
		}
		c.set(d, d.ParentID != "" && present[d.ParentID])
		objs = append(objs, c)
	}
	for id := range l.cards {
		if !present[id] {
			delete(l.cards, id)
		}
	}
	l.box.Objects = objs
	l.box.Refresh()

	title := &widget.TextSegment{Text: l.t.T("views.list.title"), Style: widget.RichTextStyleHeading}
	l.header.Segments = []widget.RichTextSegment{title}
	if len(devs) > 0 {
		l.header.Segments = append(l.header.Segments, &widget.TextSegment{
			Text:  l.t.N("views.list.count", len(devs)),
			Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder},
		})
	}
	l.header.Refresh()
	if len(devs) == 0 {
		l.scroll.Hide()
		l.empty.Show()
	} else {
		l.empty.Hide()
		l.scroll.Show()
	}
}
