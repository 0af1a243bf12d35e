package views

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/translations"
)

// SettingsSource is what the Settings tab needs of the core; *settings.Service
// has it. Apply and Import may block on the device and are called from a
// background goroutine; the others are quick.
type SettingsSource interface {
	// HasSettings tells whether the catalog maps any setting to the device.
	HasSettings(id string) bool
	// Form is the device's settings with their current values.
	Form(id string) (settings.Form, error)
	// CheckValue validates a value against its setting's definition alone.
	CheckValue(name, value string) (string, *settings.Refusal)
	// Apply writes the values that changed.
	Apply(ctx context.Context, id string, values map[string]string, o settings.ApplyOptions) (settings.ApplyResult, error)
	// Import applies a device-management configuration, all or nothing.
	Import(ctx context.Context, id string, data []byte) (settings.ImportResult, error)
	// Export is the device's configuration as the management JSON.
	Export(id string) (settings.ManagementConfig, error)
	// History is the device's latest setting changes, newest first.
	History(id string, limit int) ([]settings.HistoryEntry, error)
}

// SettingsTabParams are the dependencies of the Settings tab.
type SettingsTabParams struct {
	Source SettingsSource
	T      *translations.Translator
	// Window returns the window the tab is shown in, for its file dialogs;
	// nil finds it from the tab's canvas.
	Window func() fyne.Window

	// ui runs UI work handed over from background goroutines (nil:
	// fyne.Do); background starts such goroutines (nil: go). Tests run
	// both on the test goroutine.
	ui         func(func())
	background func(func())
}

// historyLimit is how many changes the tab lists.
const historyLimit = 8

// minWidth is a layout that gives its one object at least a width.
type minWidth struct{ w float32 }

func newMinWidth(w float32, o fyne.CanvasObject) *fyne.Container {
	return container.New(&minWidth{w}, o)
}

func (l *minWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := objs[0].MinSize()
	return fyne.NewSize(max(m.Width, l.w), m.Height)
}

func (l *minWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
}

// fieldWidth is the width of the column of value editors.
const fieldWidth = 300

// SettingsTab is the Settings tab of a device page: a form generated from the
// catalog definitions the device's model supports (docs/catalog.md), grouped by
// category, with search, reset to default, Apply (which writes only what
// changed), import and export of the device-management JSON (docs/device-management.md), and
// the latest changes.
//
// Its methods are called on the Fyne goroutine.
type SettingsTab struct {
	p    SettingsTabParams
	t    *translations.Translator
	root fyne.CanvasObject
	head *headFit // lays the tab out again when the head changes height

	search      *widget.Entry
	apply       *widget.Button
	discard     *iconButton
	resetAll    *iconButton
	imp, exp    *iconButton
	pending     *widget.Label // "2 changes not applied"
	notice      *noticeBar
	restart     *noticeBar
	groups      *fyne.Container // one card per category
	scroll      *container.Scroll
	historyCard fyne.CanvasObject
	noMatch     *widget.Label
	history     *fyne.Container // the "Recent changes" card's rows

	dev        app.DeviceSummary
	form       settings.Form
	rows       []*settingRow
	cards      []*settingsCard
	busy       bool
	gone       bool // the device shown has left; its form stays
	resetW     float32
	restartIDs map[string]bool // devices that need a restart for settings applied
}

// settingsCard is the card of one category.
type settingsCard struct {
	rows []*settingRow
	card fyne.CanvasObject
}

// NewSettingsTab builds the Settings tab.
func NewSettingsTab(p SettingsTabParams) *SettingsTab {
	p.ui, p.background = asyncDefaults(p.ui, p.background)
	t := p.T
	s := &SettingsTab{p: p, t: t, restartIDs: map[string]bool{}}
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder(t.T("settings.search"))
	s.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	s.search.OnChanged = func(string) {
		s.filter()
		s.relayout()
	}
	s.apply = widget.NewButtonWithIcon(t.T("settings.apply"), theme.ConfirmIcon(), s.Apply)
	s.apply.Importance = widget.HighImportance
	// Icons with tooltips, so the search box and Apply keep their room in
	// long languages on small screens; the pending line names Discard.
	s.resetAll = newIconButton(theme.ContentUndoIcon(), t.T("settings.resetAll"), s.ConfirmResetAll)
	s.discard = newIconButton(theme.ContentClearIcon(), t.T("settings.discard"), s.Discard)
	s.imp = newIconButton(theme.FolderOpenIcon(), t.T("settings.import"), s.chooseImport)
	s.exp = newIconButton(theme.DocumentSaveIcon(), t.T("settings.export"), s.chooseExport)
	for _, b := range []*widget.Button{&s.resetAll.Button, &s.discard.Button, &s.imp.Button, &s.exp.Button} {
		b.Importance = widget.LowImportance
	}
	s.pending = widget.NewLabel("")
	s.pending.Importance = widget.WarningImportance
	s.pending.Wrapping = fyne.TextWrapWord
	s.pending.Hide()
	s.notice = newNoticeBar(t)
	s.restart = newNoticeBar(t)
	s.groups = container.NewVBox()
	s.noMatch = widget.NewLabel("")
	s.noMatch.Hide()
	s.history = container.NewVBox()
	s.historyCard = newPanel(container.NewVBox(settingsHeading(t.T("settings.history.title")), s.history))

	pad := 2 * theme.Padding()
	bar := container.NewBorder(nil, nil, nil,
		container.NewHBox(s.imp, s.exp, s.resetAll, s.discard, s.apply), newMinWidth(160, s.search))
	head := container.New(layout.NewCustomPaddedLayout(pad, 0, pad, pad),
		container.NewVBox(bar, s.pending, s.restart.root, s.notice.root))
	s.scroll = container.NewVScroll(s.newBody())
	// The header first, so Tab reaches the search and the buttons before the form.
	root := container.New(layout.NewBorderLayout(head, nil, nil, nil), head, s.scroll)
	s.root = root
	s.head = newHeadFit(root, head)
	s.notice.onResize, s.restart.onResize = s.head.fit, s.head.fit
	s.updateActions()
	return s
}

// Title is the tab's name.
func (s *SettingsTab) Title() string { return s.t.T("settings.tab") }

// Content is the tab's root object.
func (s *SettingsTab) Content() fyne.CanvasObject { return s.root }

// Applies tells whether the catalog has settings for d.
func (s *SettingsTab) Applies(d app.DeviceSummary) bool { return s.p.Source.HasSettings(d.ID) }

// Show shows d's settings. For the device already shown it updates the
// current values and keeps what the user is editing.
func (s *SettingsTab) Show(d app.DeviceSummary) {
	same := d.ID == s.dev.ID || (d.Key != "" && d.Key == s.dev.Key)
	if same && s.gone {
		s.notice.clear() // back
	}
	s.gone = false
	s.dev = d
	form, err := s.p.Source.Form(d.ID)
	if err != nil {
		s.notice.set(noticeError, err.Error())
		return
	}
	form = settings.Localize(s.t, form)
	if same && sameFields(form, s.form) {
		s.form = form
		for i, r := range s.rows {
			r.update(form.Fields[i])
		}
	} else {
		var keep map[string]string
		if same {
			keep = s.edits()
		}
		if !same {
			s.notice.clear()
		}
		s.build(form, keep)
	}
	s.showRestart()
	s.loadHistory()
	s.updateActions()
}

// Left keeps the form and what is being edited when the device leaves, and
// says why nothing can be applied until it is back.
func (s *SettingsTab) Left(d app.DeviceSummary) {
	s.dev.Connected = false
	s.gone = true
	s.notice.set(noticeWarning, s.t.T("settings.notice.disconnected", "Name", d.DeviceName))
	s.updateActions()
}

func sameFields(a, b settings.Form) bool {
	return slices.EqualFunc(a.Fields, b.Fields, func(x, y settings.Field) bool {
		return x.Name == y.Name && x.Kind == y.Kind && slices.Equal(x.Choices, y.Choices) && x.AllowsNull == y.AllowsNull
	})
}

// resetWidth is the width of a setting's reset button.
func (s *SettingsTab) resetWidth() float32 {
	if s.resetW == 0 {
		s.resetW = widget.NewButtonWithIcon("", theme.ContentUndoIcon(), nil).MinSize().Width
	}
	return s.resetW
}

// build makes the rows of form, grouped by category in the order each
// category first appears; keep holds edits to carry over.
func (s *SettingsTab) build(form settings.Form, keep map[string]string) {
	s.form = form
	s.rows, s.cards = nil, nil
	byCategory := map[string]*settingsCard{}
	var order []string
	for _, f := range form.Fields {
		cat := f.Category
		if cat == "" {
			cat = s.t.T("settings.general")
		}
		c := byCategory[cat]
		if c == nil {
			c = &settingsCard{}
			byCategory[cat] = c
			order = append(order, cat)
		}
		r := newSettingRow(s, f)
		if v, ok := keep[f.Name]; ok {
			r.set(v)
		}
		c.rows = append(c.rows, r)
		s.rows = append(s.rows, r)
	}
	objs := make([]fyne.CanvasObject, 0, len(order))
	for _, cat := range order {
		c := byCategory[cat]
		items := []fyne.CanvasObject{settingsHeading(cat)}
		for i, r := range c.rows {
			if i > 0 {
				items = append(items, widget.NewSeparator())
			}
			items = append(items, r.root)
		}
		c.card = newPanel(container.NewVBox(items...))
		s.cards = append(s.cards, c)
		objs = append(objs, c.card)
	}
	if len(form.Fields) == 0 {
		objs = append(objs, widget.NewLabel(s.t.T("settings.none")))
	}
	s.groups.Objects = objs
	s.filter()
	// A new body makes the scroller lay the form out afresh; refreshing the
	// old one would refresh every new widget once more than needed.
	s.scroll.Content = s.newBody()
	if !s.scroll.Size().IsZero() {
		// Not laid out yet (a tab never shown): the first layout does it, at
		// the real width; wrapping the text at width 0 first is expensive.
		s.scroll.Refresh()
	}
}

// newBody is the scrolled part of the tab: the form, the no-match line and
// the history.
func (s *SettingsTab) newBody() fyne.CanvasObject {
	pad := 2 * theme.Padding()
	return container.New(layout.NewCustomPaddedLayout(0, pad, pad, pad),
		container.NewVBox(s.groups, s.noMatch, s.historyCard))
}

// relayout lays out the containers of the body again after rows were shown
// or hidden, without refreshing every widget in them.
func (s *SettingsTab) relayout() {
	if s.scroll.Size().IsZero() {
		return
	}
	s.scroll.Refresh()
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		c, ok := o.(*fyne.Container)
		if !ok || !c.Visible() {
			return
		}
		if c.Layout != nil {
			c.Layout.Layout(c.Objects, c.Size())
		}
		for _, k := range c.Objects {
			walk(k)
		}
	}
	walk(s.scroll.Content)
	canvas.Refresh(s.scroll.Content)
}

// edits are the values the user changed and has not applied.
func (s *SettingsTab) edits() map[string]string {
	out := map[string]string{}
	for _, r := range s.rows {
		if r.dirty() {
			out[r.field.Name] = r.value
		}
	}
	return out
}

// filter shows the settings whose name, description, category or values
// hold every word of the search.
func (s *SettingsTab) filter() {
	words := strings.Fields(strings.ToLower(s.search.Text))
	shown := 0
	for _, c := range s.cards {
		any := false
		for _, r := range c.rows {
			match := r.matches(words)
			setVisible(r.root, match)
			if match {
				any = true
				shown++
			}
		}
		setVisible(c.card, any)
	}
	if shown == 0 && len(words) > 0 {
		s.noMatch.SetText(s.t.T("settings.noMatch", "Query", s.search.Text))
		s.noMatch.Show()
	} else {
		s.noMatch.Hide()
	}
}

func setVisible(o fyne.CanvasObject, on bool) {
	switch {
	case on && !o.Visible():
		o.Show()
	case !on && o.Visible():
		o.Hide()
	}
}

// changed is called by a row when the user edits it.
func (s *SettingsTab) changed() {
	s.notice.clear()
	s.updateActions()
}

func (s *SettingsTab) updateActions() {
	dirty, resettable := false, false
	for _, r := range s.rows {
		dirty = dirty || r.dirty()
		resettable = resettable || (r.enabled() && r.value != r.field.Default)
	}
	live := !s.busy && !s.gone
	setEnabled(s.apply, dirty && live)
	setEnabled(&s.discard.Button, dirty && !s.busy)
	setEnabled(&s.resetAll.Button, resettable && live)
	setEnabled(&s.imp.Button, s.dev.ID != "" && live)
	setEnabled(&s.exp.Button, s.dev.ID != "" && live)
	if n := s.Pending(); n > 0 {
		s.pending.SetText(s.t.N("settings.pending", n, "Count", n))
		s.pending.Show()
	} else {
		s.pending.Hide()
	}
	if s.head != nil {
		s.head.fit()
	}
}

func setEnabled(b *widget.Button, on bool) {
	if on && b.Disabled() {
		b.Enable()
	} else if !on && !b.Disabled() {
		b.Disable()
	}
}

// Pending is how many settings were changed and not applied.
func (s *SettingsTab) Pending() int { return len(s.edits()) }

// Discard drops the changes not applied: every setting shows its current
// value again (not its default: that is Reset).
func (s *SettingsTab) Discard() {
	for _, r := range s.rows {
		if r.dirty() {
			r.set(r.field.Value)
		}
		r.setRefusal(nil)
	}
	s.changed()
}

// resetChanges lists, as "Name: now → default", what ResetAll would change,
// shown or scrolled away alike.
func (s *SettingsTab) resetChanges() []string {
	var out []string
	for _, r := range s.rows {
		if r.enabled() && r.value != r.field.Default {
			out = append(out, s.t.T("settings.resetAll.line", "Name", r.field.Label, "From", r.valueLabel(r.value),
				"To", r.defaultLabel()))
		}
	}
	return out
}

// ConfirmResetAll asks before ResetAll, listing every setting it would
// change, including those below the fold.
func (s *SettingsTab) ConfirmResetAll() {
	changes := s.resetChanges()
	if len(changes) == 0 {
		return
	}
	text := widget.NewLabel(strings.Join(changes, "\n"))
	text.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(text)
	scroll.SetMinSize(fyne.NewSize(420, min(float32(len(changes))*28+16, 240)))
	intro := widget.NewLabel(s.t.N("settings.resetAll.intro", len(changes), "Count", len(changes), "Name", s.dev.DeviceName))
	intro.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(s.t.T("settings.resetAll.title"), s.t.T("settings.resetAll"), s.t.T("settings.cancel"),
		container.NewVBox(intro, scroll), func(ok bool) {
			if ok {
				s.ResetAll()
			}
		}, s.window())
	// Enter may confirm: the defaults wait for Apply, and Discard undoes them.
	showDialog(s.window(), d, d.Confirm)
}

// ResetAll puts every setting that can be changed back to its default; Apply
// writes them.
func (s *SettingsTab) ResetAll() {
	for _, r := range s.rows {
		if r.enabled() {
			r.set(r.field.Default)
		}
	}
	s.changed()
}

// Apply writes the settings the user changed. Each refused setting shows
// why; the others are written.
func (s *SettingsTab) Apply() {
	values := s.edits()
	if len(values) == 0 || s.busy || s.gone {
		return
	}
	id, name := s.dev.ID, s.dev.DeviceName
	s.setBusy(true)
	s.p.background(func() {
		res, err := s.p.Source.Apply(context.Background(), id, values, settings.ApplyOptions{Source: settings.SourceUser})
		s.p.ui(func() {
			s.setBusy(false)
			s.applied(id, name, res, err, func(n int) string { return s.t.N("settings.notice.applied", n, "Count", n) })
		})
	})
}

func (s *SettingsTab) setBusy(on bool) {
	s.busy = on
	if on {
		s.apply.SetText(s.t.T("settings.applying"))
	} else {
		s.apply.SetText(s.t.T("settings.apply"))
	}
	s.updateActions()
}

// applied shows what an Apply or Import did; done words the success.
func (s *SettingsTab) applied(id, name string, res settings.ApplyResult, err error, done func(n int) string) {
	if err != nil {
		s.notice.set(noticeError, s.t.T("settings.notice.failed", "Err", err.Error()))
		return
	}
	if res.RestartNeeded {
		s.restartIDs[id] = true
	}
	if id != s.dev.ID {
		return // the user moved on to another device
	}
	s.Show(s.dev) // the values applied are now the current ones
	for _, r := range s.rows {
		r.setRefusal(res.Refused[r.field.Name])
	}
	switch {
	case len(res.Refused) > 0:
		s.notice.set(noticeError, s.t.T("settings.notice.partly", "Applied", len(res.Applied), "Refused", len(res.Refused)))
	case len(res.Applied) > 0:
		s.notice.set(noticeDone, done(len(res.Applied)))
	default:
		s.notice.set(noticeDone, s.t.T("settings.notice.nothing", "Name", name))
	}
	s.showRestart()
}

func (s *SettingsTab) showRestart() {
	if !s.restartIDs[s.dev.ID] {
		s.restart.clear()
		return
	}
	s.restart.set(noticeWarning, s.t.T("settings.notice.restart", "Name", s.dev.DeviceName))
	s.restart.onDismiss = func() { delete(s.restartIDs, s.dev.ID) }
}

// loadHistory lists the device's latest changes.
func (s *SettingsTab) loadHistory() {
	entries, err := s.p.Source.History(s.dev.ID, historyLimit)
	entries = settings.LocalizeHistory(s.t, entries)
	var objs []fyne.CanvasObject
	switch {
	case err != nil:
		objs = append(objs, widget.NewLabel(err.Error()))
	case len(entries) == 0:
		objs = append(objs, newCaption(s.t.T("settings.history.empty")))
	}
	for _, e := range entries {
		line := widget.NewRichText(
			&widget.TextSegment{Text: e.Label, Style: widget.RichTextStyle{Inline: true, TextStyle: fyne.TextStyle{Bold: true}}},
			&widget.TextSegment{Text: "  " + settings.ChangeText(s.t, e, s.historyField(e.Name)), Style: widget.RichTextStyleInline},
		)
		meta := newCaption(s.t.T("settings.history.meta", "Time", e.At.Format("2006-01-02 15:04"), "Source", settings.SourceText(s.t, e.Source)))
		objs = append(objs, container.NewBorder(nil, nil, nil, meta, line))
	}
	s.history.Objects = objs
	s.history.Refresh()
}

// historyField is the field of the form a change of the history words its
// values by (settings.ChangeText); nil when the form has none.
func (s *SettingsTab) historyField(name string) *settings.Field {
	if f, ok := s.form.Field(name); ok {
		return &f
	}
	return nil
}

// window is the window the tab is shown in.
func (s *SettingsTab) window() fyne.Window { return windowFor(s.p.Window, s.root) }

func settingsHeading(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// newPanel is a card: content on a rounded, outlined background. Unlike
// widget.Card it does not refresh its content when it is first rendered, which
// halves the cost of showing a long form.
func newPanel(content fyne.CanvasObject) fyne.CanvasObject {
	pad := 2 * theme.Padding()
	return container.NewStack(newPanelBackground(),
		container.New(layout.NewCustomPaddedLayout(theme.Padding(), pad, pad, pad), content))
}

// panelBackground is the background of a panel; it follows the theme.
type panelBackground struct {
	widget.BaseWidget
}

func newPanelBackground() *panelBackground {
	b := &panelBackground{}
	b.ExtendBaseWidget(b)
	return b
}

func (b *panelBackground) CreateRenderer() fyne.WidgetRenderer {
	rect := canvas.NewRectangle(nil)
	r := &panelRenderer{rect: rect, b: b}
	r.Refresh()
	return r
}

type panelRenderer struct {
	rect *canvas.Rectangle
	b    *panelBackground
}

func (r *panelRenderer) Layout(size fyne.Size)        { r.rect.Resize(size) }
func (r *panelRenderer) MinSize() fyne.Size           { return fyne.NewSize(0, 0) }
func (r *panelRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.rect} }
func (r *panelRenderer) Destroy()                     {}
func (r *panelRenderer) Refresh() {
	th := r.b.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r.rect.FillColor = th.Color(theme.ColorNameOverlayBackground, v)
	r.rect.StrokeColor = th.Color(theme.ColorNameSeparator, v)
	r.rect.StrokeWidth = 1
	r.rect.CornerRadius = th.Size(theme.SizeNameInputRadius)
	r.rect.Refresh()
}

// fixedWidth lays its objects out at a fixed width and their own height.
type fixedWidth struct{ width float32 }

func (l *fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		if o.Visible() {
			h = max(h, o.MinSize().Height)
		}
	}
	return fyne.NewSize(l.width, h)
}

func (l *fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
