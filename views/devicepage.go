package views

import (
	"slices"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/translations"
)

// devicePage shows everything Earshot knows of one device.
type devicePage struct {
	t        *translations.Translator
	tile     *kindTile
	head     *widget.RichText
	right    *fyne.Container // status pills and the battery gauge
	gauge    *batteryGauge
	sections *fyne.Container // two columns of section cards
	root     fyne.CanvasObject

	tabs     *container.AppTabs
	overview *container.TabItem
	extra    []DeviceTab
	items    map[DeviceTab]*container.TabItem
	id       string // the device shown
	key      string // and its key, which stays when it comes back under a new ID
	// inCalls are the keys of devices seen in a call or muted this session:
	// a kind that is not an audio kind (another vendor's device the
	// simulator or a telephony driver reports calls for) shows its call
	// state from then on.
	inCalls map[string]bool
}

func newDevicePage(t *translations.Translator, onBack func(), extra []DeviceTab) *devicePage {
	p := &devicePage{
		extra:    extra,
		items:    map[DeviceTab]*container.TabItem{},
		inCalls:  map[string]bool{},
		t:        t,
		tile:     newKindTile(64),
		head:     widget.NewRichText(),
		right:    container.NewHBox(),
		gauge:    newBatteryGauge(t),
		sections: newColumns(container.NewVBox(), container.NewVBox()),
	}
	p.head.Truncation = fyne.TextTruncateEllipsis
	pad := 2 * theme.Padding()
	hero := container.NewBorder(nil, nil, container.NewCenter(p.tile), container.NewCenter(p.right),
		container.NewVBox(layout.NewSpacer(), p.head, layout.NewSpacer()))
	body := container.NewVScroll(container.New(layout.NewCustomPaddedLayout(pad, 2*pad, 2*pad, 2*pad),
		container.NewVBox(hero, p.sections)))
	bar := container.New(layout.NewCustomPaddedLayout(pad, 0, pad, pad),
		container.NewHBox(newBackButton(t.T("views.detail.back"), onBack)))
	p.overview = container.NewTabItem(t.T("views.detail.overview"), body)
	for _, tab := range extra {
		p.items[tab] = container.NewTabItem(tab.Title(), tab.Content())
	}
	p.tabs = container.NewAppTabs(p.overview)
	p.root = container.NewBorder(bar, nil, nil, nil, p.tabs)
	return p
}

// showTabs offers the tabs that apply to d, keeping the selected one when it
// still applies and d is the device already shown, and hands d to each.
func (p *devicePage) showTabs(d app.DeviceSummary, left bool) {
	items := []*container.TabItem{p.overview}
	for _, tab := range p.extra {
		if left {
			// A device that left keeps the tabs it had, so their pending
			// work stays in view; each tab shows that the device is gone.
			if lt, ok := tab.(LeftTab); ok && d.ID == p.id && slices.Contains(p.tabs.Items, p.items[tab]) {
				items = append(items, p.items[tab])
				lt.Left(d)
			}
			continue
		}
		if tab.Applies(d) {
			items = append(items, p.items[tab])
			tab.Show(d)
		}
	}
	selected := p.tabs.Selected()
	if !slices.Equal(items, p.tabs.Items) {
		p.tabs.SetItems(items)
	}
	switch {
	case d.Key != p.key:
		p.tabs.Select(p.overview)
	case slices.Contains(items, selected):
		p.tabs.Select(selected)
	}
	p.id, p.key = d.ID, d.Key
}

// selectTab selects tab when it applies to the device shown.
func (p *devicePage) selectTab(tab DeviceTab) {
	if item, ok := p.items[tab]; ok && slices.Contains(p.tabs.Items, item) {
		p.tabs.Select(item)
	}
}

type row struct{ label, value string }

// show shows d; gone says that d has left and is shown as last seen.
func (p *devicePage) show(d app.DeviceSummary, gone bool) {
	t := p.t
	p.tile.setKind(d.Kind)
	p.tile.setGlow(glowOf(d))
	p.head.Segments = []widget.RichTextSegment{
		&widget.TextSegment{Text: d.DeviceName, Style: widget.RichTextStyleHeading},
		&widget.TextSegment{Text: connectionLine(t, d), Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder}},
	}
	p.gauge.set(d)
	p.right.Objects = append(statusPills(t, d), p.gauge)

	left, right := p.sections.Objects[0].(*fyne.Container), p.sections.Objects[1].(*fyne.Container)
	left.Objects = []fyne.CanvasObject{
		section(t.T("views.detail.identity"), []row{
			{t.T("views.field.kind"), kindLabel(t, d.Kind)},
			{t.T("views.field.vendorId"), d.VendorID},
			{t.T("views.field.productId"), d.ProductID},
			{t.T("views.field.variant"), d.VariantType},
			{t.T("views.field.esn"), d.ESN},
			{t.T("views.field.instanceId"), d.InstanceID},
		}),
		section(t.T("views.detail.connection"), []row{
			{t.T("views.field.connection"), connectionLabel(t, d.ConnectionType)},
			{t.T("views.field.parent"), d.Parent},
		}),
	}
	right.Objects = nil
	if power := powerRows(t, d); hasValue(power) {
		right.Objects = append(right.Objects, section(t.T("views.detail.power"), power))
	}
	callKey := d.Key
	if callKey == "" {
		callKey = d.ID
	}
	if d.InCall || d.Muted {
		p.inCalls[callKey] = true
	}
	right.Objects = append(right.Objects, section(t.T("views.detail.status"), statusRows(t, d, p.inCalls[callKey])))
	p.showTabs(d, gone)
	p.root.Refresh() // lays the page out again: pills, gauge and sections change size
}

func powerRows(t *translations.Translator, d app.DeviceSummary) []row {
	var power []row // no battery: no battery rows (a card saying only that is noise)
	if d.HasBattery() {
		power = []row{
			{t.T("views.field.battery"), batteryText(t, d)},
			{t.T("views.field.charging"), yesNo(t, batteryCharging(d))},
			{t.T("views.field.batteryLow"), yesNo(t, batteryLow(d))},
		}
	}
	power = append(power, row{t.T("views.field.firmware"), d.FirmwareVersion})
	return power
}

// statusRows are the rows of the Status card. hadCalls: the device has
// reported a call or a mute this session, so it has a call state whatever
// its kind.
func statusRows(t *translations.Translator, d app.DeviceSummary, hadCalls bool) []row {
	state := t.T("views.value.connected")
	if !d.Connected {
		state = t.T("views.status.disconnected")
	}
	status := []row{{t.T("views.field.state"), state}}
	if audioKind(d.Kind) || hadCalls {
		call, mic := t.T("views.value.idle"), t.T("views.value.micOn")
		if d.InCall {
			call = t.T("views.status.inCall")
		}
		if d.Muted {
			mic = t.T("views.status.muted")
		}
		status = append(status, row{t.T("views.field.call"), call})
		if d.Kind != "base" { // a base has no microphone of its own
			status = append(status, row{t.T("views.field.microphone"), mic})
		}
	}
	if d.PeopleCount != nil {
		status = append(status, row{t.T("views.field.people"), strconv.Itoa(*d.PeopleCount)})
	}
	if d.Kind == "camera" {
		status = append(status, row{t.T("views.field.streaming"), yesNo(t, d.Streaming)})
	}
	if d.Light != nil {
		status = append(status, row{t.T("views.field.light"), lightText(t, *d.Light)})
	}
	return status
}

// section is a titled card of label–value rows; rows without a value are left out.
func section(title string, rows []row) fyne.CanvasObject {
	form := container.New(layout.NewFormLayout())
	for _, r := range rows {
		if r.value != "" {
			form.Add(newCaption(r.label))
			form.Add(widget.NewLabel(r.value))
		}
	}
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return widget.NewCard("", "", container.NewVBox(heading, form))
}

func yesNo(t *translations.Translator, b bool) string {
	if b {
		return t.T("views.yes")
	}
	return t.T("views.no")
}

// backButton goes back when tapped, and on Space or Escape while it has the
// keyboard focus (without focus, the window's key handler takes Escape).
type backButton struct{ widget.Button }

func newBackButton(label string, onBack func()) *backButton {
	b := &backButton{}
	b.Text, b.Icon, b.OnTapped = label, theme.NavigateBackIcon(), onBack
	b.Importance = widget.LowImportance
	b.ExtendBaseWidget(b)
	return b
}

func (b *backButton) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape {
		b.OnTapped()
		return
	}
	b.Button.TypedKey(ev)
}
