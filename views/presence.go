package views

import (
	"fmt"
	"image/color"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/presence"
	"github.com/earshot-app/earshot/translations"
)

// PresenceSource is what the Presence page, the presence selector and the
// tray read and do (presence.Service in the app). Its methods may be called
// from any goroutine.
type PresenceSource interface {
	Status() presence.Status
	// SetManual sets the state by hand; "" returns to Automatic.
	SetManual(st presence.State) error
	// MovePriority moves an application up (delta < 0) or down.
	MovePriority(application string, delta int)
	// SetColourText sets a state's light: a colour name or #RRGGBB,
	// optionally followed by "blink".
	SetColourText(st presence.State, text string) error
	// TestColour shows a state's light on every light for a moment.
	TestColour(st presence.State)
	// Subscribe calls onChange, from any goroutine, after every change.
	Subscribe(onChange func()) (cancel func())
}

// PresenceAPIControl switches the local presence API and hands out its
// token (presence.Runner in the app).
type PresenceAPIControl interface {
	Enabled() bool
	Address() string
	// Err is why the API stopped; nil while it runs or is off.
	Err() error
	Configure(enabled bool, address string) error
	Token() (string, error)
	NewToken() (string, error)
}

// PresencePageParams are the dependencies of the Presence page.
type PresencePageParams struct {
	Source PresenceSource
	API    PresenceAPIControl // nil hides the API section
	T      *translations.Translator
	// Window returns the window for the page's dialogs; nil means the
	// window that shows the page.
	Window func() fyne.Window
	// Now is the wall clock, for the sources' ages; nil means time.Now.
	Now func() time.Time

	// ui runs UI work handed over from background goroutines; nil means
	// fyne.Do. Tests run it on the test goroutine.
	ui func(func())
}

// PresencePage shows the resolved presence state and why, the sources with
// their last state and age and their priority, the colours per state with
// "Test light", the presence API's switch, address and token, and the
// recent changes with their reasons.
type PresencePage struct {
	p  PresencePageParams
	t  *translations.Translator
	ui func(func())

	once sync.Once
	// unsubscribe stops following the source once Shown subscribed (Close).
	unsubscribe func()

	// The Fyne goroutine's state.
	dot      *fyne.Container
	state    *widget.Label
	why      *widget.Label
	selector *widget.Select
	sources  *fyne.Container
	colours  *fyne.Container
	history  *fyne.Container
	apiOn    *widget.Check
	address  *widget.Entry
	apiState *widget.Label
	token    *widget.Entry
	root     fyne.CanvasObject
}

// NewPresencePage builds the page; it follows the source once shown.
func NewPresencePage(p PresencePageParams) *PresencePage {
	if p.Now == nil {
		p.Now = time.Now
	}
	pg := &PresencePage{p: p, t: p.T, ui: p.ui}
	if pg.ui == nil {
		pg.ui = fyne.Do
	}
	pg.build()
	return pg
}

// Title is "Presence".
func (pg *PresencePage) Title() string { return pg.t.T("views.presence.title") }

// Icon is the page's icon.
func (pg *PresencePage) Icon() fyne.Resource { return theme.AccountIcon() }

// Content is the page.
func (pg *PresencePage) Content() fyne.CanvasObject { return pg.root }

// Shown reads the state again and follows it from then on.
func (pg *PresencePage) Shown() {
	pg.once.Do(func() { pg.unsubscribe = pg.p.Source.Subscribe(func() { pg.ui(pg.Refresh) }) })
	pg.Refresh()
}

// Close stops following the presence source, and keeps a later Shown from
// following it again (Closer).
func (pg *PresencePage) Close() {
	pg.once.Do(func() {})
	if pg.unsubscribe != nil {
		pg.unsubscribe()
		pg.unsubscribe = nil
	}
}

func (pg *PresencePage) build() {
	t := pg.t
	pg.dot = container.NewStack()
	pg.state = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	pg.state.SizeName = theme.SizeNameHeadingText
	pg.why = widget.NewLabel("")
	pg.why.Wrapping = fyne.TextWrapWord
	pg.selector = newPresenceSelect(t, pg.p.Source, pg.showError)
	head := widget.NewCard("", "", container.NewBorder(nil, nil, container.NewCenter(pg.dot),
		container.NewVBox(newCaption(t.T("views.presence.setByHand")), pg.selector),
		container.NewVBox(pg.state, pg.why)))

	pg.sources = container.NewVBox()
	pg.colours = container.New(layout.NewFormLayout())
	pg.history = container.NewVBox()
	left := container.NewVBox(
		card(t.T("views.presence.sources"), t.T("views.presence.sourcesHint"), pg.sources),
		card(t.T("views.presence.history"), "", pg.history))
	right := container.NewVBox(card(t.T("views.presence.colours"), "", pg.colours))
	if pg.p.API != nil {
		right.Add(pg.buildAPI())
	}
	// Side by side where the width allows both, one above the other on a
	// small screen, so the page never asks for more width than it has.
	body := container.NewBorder(head, nil, nil, nil, newColumns(left, right))
	pg.root = container.NewVScroll(container.NewPadded(body))
	pg.buildColours()
}

func card(title, hint string, body fyne.CanvasObject) fyne.CanvasObject {
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewVBox(heading)
	if hint != "" {
		top.Add(wrapped(newCaption(hint)))
	}
	return widget.NewCard("", "", container.NewBorder(top, nil, nil, nil, body))
}

func (pg *PresencePage) buildColours() {
	t := pg.t
	labels := make([]string, len(colourChoices))
	for i, c := range colourChoices {
		labels[i] = colourLabel(t, c)
	}
	for _, st := range presence.ColourKeys {
		sel := widget.NewSelect(labels, nil)
		blink := widget.NewCheck(t.T("views.presence.blink"), nil)
		dot := container.NewStack()
		apply := func() {
			i := sel.SelectedIndex()
			if i < 0 {
				return
			}
			text := colourChoices[i]
			if blink.Checked {
				text += " blink"
			}
			if err := pg.p.Source.SetColourText(st, text); err != nil {
				pg.showError(err)
			}
		}
		sel.OnChanged = func(string) { apply() }
		blink.OnChanged = func(bool) { apply() }
		test := widget.NewButtonWithIcon(t.T("views.presence.testLight"), theme.VisibilityIcon(), func() { pg.p.Source.TestColour(st) })
		pg.colours.Add(widget.NewLabel(stateLabel(t, st)))
		pg.colours.Add(container.NewHBox(container.NewCenter(dot), sel, blink, test))
	}
}

func (pg *PresencePage) buildAPI() fyne.CanvasObject {
	t := pg.t
	api := pg.p.API
	pg.apiOn = widget.NewCheck(t.T("views.presence.apiOn"), nil)
	pg.address = widget.NewEntry()
	pg.address.SetPlaceHolder(presence.DefaultAPIAddress)
	pg.apiState = widget.NewLabel("")
	pg.apiState.Wrapping = fyne.TextWrapWord
	apply := widget.NewButton(t.T("views.presence.apply"), func() {
		if err := api.Configure(pg.apiOn.Checked, strings.TrimSpace(pg.address.Text)); err != nil {
			pg.showError(err)
		}
		pg.Refresh()
	})
	pg.token = widget.NewPasswordEntry()
	pg.token.Disable()
	show := widget.NewButtonWithIcon(t.T("views.presence.showToken"), theme.VisibilityIcon(), func() {
		tok, err := api.Token()
		if err != nil {
			pg.showError(err)
			return
		}
		pg.token.Password = false
		pg.token.SetText(tok)
	})
	regen := widget.NewButtonWithIcon(t.T("views.presence.newToken"), theme.ViewRefreshIcon(), func() {
		if _, err := api.NewToken(); err != nil {
			pg.showError(err)
			return
		}
		pg.token.Password = true
		pg.token.SetText(strings.Repeat("•", 16))
		pg.showInfo(t.T("views.presence.newTokenDone"))
	})
	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(t.T("views.presence.address")), container.NewBorder(nil, nil, nil, apply, pg.address),
		widget.NewLabel(t.T("views.presence.token")), container.NewBorder(nil, nil, nil, container.NewHBox(show, regen), pg.token))
	return card(t.T("views.presence.api"), t.T("views.presence.apiHint"), container.NewVBox(pg.apiOn, form, pg.apiState))
}

// Refresh reads the source and shows it; call it on the Fyne goroutine.
func (pg *PresencePage) Refresh() {
	t := pg.t
	st := pg.p.Source.Status()
	now := pg.p.Now()
	l := st.Colours.For(st.Decision)
	pg.dot.Objects = []fyne.CanvasObject{swatch(rgb(l.Colour.R, l.Colour.G, l.Colour.B, !l.Colour.Off()), 48)}
	pg.dot.Refresh()
	pg.state.SetText(decisionLabel(t, st.Decision))
	pg.why.SetText(whyText(t, st.Decision))
	setSelectorState(t, pg.selector, st.Manual)

	pg.sources.Objects = nil
	if len(st.Sources) == 0 {
		pg.sources.Add(newCaption(t.T("views.presence.noSources")))
	}
	for i, s := range st.Sources {
		app := s.Application
		up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { pg.p.Source.MovePriority(app, -1) })
		down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { pg.p.Source.MovePriority(app, +1) })
		if i == 0 {
			up.Disable()
		}
		if i == len(st.Sources)-1 {
			down.Disable()
		}
		detail := t.T("views.presence.sourceDetail", "State", stateLabel(t, s.State), "Event", s.Event, "Age", ageText(t, now.Sub(s.At)))
		if s.Expired {
			detail = t.T("views.presence.expired", "Detail", detail)
		}
		name := widget.NewLabelWithStyle(fmt.Sprintf("%d. %s", i+1, app), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		pg.sources.Add(container.NewBorder(nil, nil, nil, container.NewHBox(up, down),
			container.NewVBox(name, wrapped(newCaption(detail)))))
	}
	pg.sources.Refresh()

	for i, key := range presence.ColourKeys {
		row := pg.colours.Objects[2*i+1].(*fyne.Container)
		dot, sel, blink := row.Objects[0].(*fyne.Container).Objects[0].(*fyne.Container), row.Objects[1].(*widget.Select), row.Objects[2].(*widget.Check)
		c := st.Colours[key]
		dot.Objects = []fyne.CanvasObject{swatch(rgb(c.Colour.R, c.Colour.G, c.Colour.B, !c.Colour.Off()), 20)}
		dot.Refresh()
		onSel, onBlink := sel.OnChanged, blink.OnChanged
		sel.OnChanged, blink.OnChanged = nil, nil
		sel.SetSelected(colourLabel(t, c.Colour.String()))
		blink.SetChecked(c.Blink)
		sel.OnChanged, blink.OnChanged = onSel, onBlink
	}

	pg.history.Objects = nil
	if len(st.History) == 0 {
		pg.history.Add(newCaption(t.T("views.presence.noHistory")))
	}
	for _, h := range st.History[:min(len(st.History), 20)] {
		line := t.T("views.presence.change", "Time", h.At.Local().Format("15:04:05"),
			"From", decisionLabel(t, h.From), "To", decisionLabel(t, h.To))
		pg.history.Add(container.NewVBox(widget.NewLabel(line), wrapped(newCaption(reasonText(pg.t, h.Reason)))))
	}
	pg.history.Refresh()

	if api := pg.p.API; api != nil {
		pg.apiOn.SetChecked(api.Enabled())
		if pg.address.Text == "" {
			pg.address.SetText(api.Address())
		}
		switch {
		case api.Err() != nil:
			pg.apiState.SetText(t.T("views.presence.apiFailed", "Error", api.Err().Error()))
		case api.Enabled():
			pg.apiState.SetText(t.T("views.presence.apiListening", "Address", api.Address()))
		default:
			pg.apiState.SetText(t.T("views.presence.apiOff"))
		}
		if pg.token.Text == "" {
			pg.token.SetText(strings.Repeat("•", 16))
		}
	}
	pg.root.Refresh() // the cards change height: lay the page out again
}

func (pg *PresencePage) window() fyne.Window { return windowFor(pg.p.Window, pg.root) }

func (pg *PresencePage) showError(err error) {
	showErrorDialog(pg.window(), err)
}

func (pg *PresencePage) showInfo(msg string) {
	showMessage(pg.window(), pg.t.T("views.presence.title"), msg)
}

// wrapped lets a caption wrap, so it does not widen the page.
func wrapped(c *widget.RichText) *widget.RichText {
	c.Wrapping = fyne.TextWrapWord
	return c
}

// stateLabel is a state's translated name (Ringing included).
func stateLabel(t *translations.Translator, st presence.State) string {
	return t.T("views.presence.state." + string(st))
}

// decisionLabel is a decision's state, with "ringing" when it rings.
func decisionLabel(t *translations.Translator, d presence.Decision) string {
	if d.Ringing {
		return stateLabel(t, presence.Ringing)
	}
	return stateLabel(t, d.State)
}

// whyText says which rule decided and what.
func whyText(t *translations.Translator, d presence.Decision) string {
	switch d.Rule {
	case presence.RuleCall:
		return t.T("views.presence.why.call", "Source", d.DecidedBy)
	case presence.RuleManual:
		return t.T("views.presence.why.manual")
	case presence.RulePriority:
		return t.T("views.presence.why.priority", "Source", d.DecidedBy)
	}
	return t.T("views.presence.why.default")
}

// ageText is a short age: "just now", "5 min ago", "2 h ago".
func ageText(t *translations.Translator, d time.Duration) string {
	switch {
	case d < time.Minute:
		return t.T("views.presence.age.now")
	case d < time.Hour:
		return t.N("views.presence.age.minutes", int(d/time.Minute))
	}
	return t.N("views.presence.age.hours", int(d/time.Hour))
}

// stateColour is the colour a state shows on the lights, for the tray icon
// and the selector.
func stateColour(st presence.Status) color.Color {
	l := st.Colours.For(st.Decision)
	return rgb(l.Colour.R, l.Colour.G, l.Colour.B, !l.Colour.Off())
}

// reasonText words a change's reason (as the presence service records it,
// in English) in the user's language; an application's own names ("Zoom:
// On-The-Phone") stay as the application sent them.
func reasonText(t *translations.Translator, reason string) string {
	for _, r := range []struct{ prefix, suffix, key, field string }{
		{"call started on ", "", "views.presence.reason.callStarted", "Device"},
		{"call ended on ", "", "views.presence.reason.callEnded", "Device"},
		{"", " withdrew its state", "views.presence.reason.withdrew", "Application"},
		{"priority: ", "", "views.presence.reason.priority", "Application"},
	} {
		if rest, ok := strings.CutPrefix(reason, r.prefix); ok {
			if name, ok := strings.CutSuffix(rest, r.suffix); ok && name != "" {
				return t.T(r.key, r.field, name)
			}
		}
	}
	switch {
	case reason == "manual: automatic":
		return t.T("views.presence.reason.automatic")
	case strings.HasPrefix(reason, "manual: "):
		return t.T("views.presence.reason.manual", "State", t.T("views.presence.state."+strings.TrimPrefix(reason, "manual: ")))
	case reason == "an application's state expired":
		return t.T("views.presence.reason.expired")
	}
	return reason
}
