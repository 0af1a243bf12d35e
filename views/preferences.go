package views

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/translations"
)

// PrefEntry is one configuration key on the Preferences page.
type PrefEntry struct {
	Key, Value, Source string
	// Machine: set machine-wide (installer, /etc, /Library/Preferences);
	// the page shows it locked, with the reason.
	Machine bool
	// UserSettable: the user may set this key on the page.
	UserSettable bool
}

// PreferencesSource is what the Preferences page reads and does (the
// session in cmd/earshot).
type PreferencesSource interface {
	// Entries returns every key with its effective value (secrets masked)
	// and its source.
	Entries() []PrefEntry
	// Set writes one of the user's own keys; it takes effect on next start.
	Set(key, value string) error
	// Diagnostics writes the diagnostics zip and returns its path.
	Diagnostics() (string, error)
	// StartAtLogin says whether the user can choose to start Earshot at
	// login here (elsewhere the installer does it), and whether it does.
	StartAtLogin() (supported, on bool)
	SetStartAtLogin(on bool) error
}

// PreferencesPageParams are the dependencies of the Preferences page.
type PreferencesPageParams struct {
	Source PreferencesSource
	T      *translations.Translator
	// Clipboard receives the diagnostics zip's path; nil means the app's.
	Clipboard func(string)
	// OnLanguage, when set, is called once a new LANGUAGE was saved ("" =
	// as the system): it switches the window to the language now in
	// effect (MainWindow.SetLanguage), which builds this page afresh, and
	// returns true; false when the language in effect did not change (a
	// higher source sets it). Without it, or on false, the page says the
	// change takes effect at the next start.
	OnLanguage func(lang string) bool
}

// PreferencesPage shows every configuration key with its value and source,
// locks what IT set machine-wide, lets the user set their own language and
// tray icon, and writes the diagnostics for a support case.
type PreferencesPage struct {
	p      PreferencesPageParams
	t      *translations.Translator
	grid   *fyne.Container
	own    *fyne.Container
	status *widget.Label
	root   fyne.CanvasObject
	// startAtLogin is the switch, where the OS lets the user choose.
	startAtLogin *widget.Check
	theme        *widget.Select
	// notifications is the desktop-notification switch.
	notifications *widget.Check
}

// NewPreferencesPage builds the page; it reads the configuration when shown.
func NewPreferencesPage(p PreferencesPageParams) *PreferencesPage {
	pg := &PreferencesPage{p: p, t: p.T}
	title := widget.NewLabelWithStyle(p.T.T("prefs.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	// Key on the left, as wide as the longest; the value and who set it
	// share the rest, so the page fits a small window in any language.
	pg.grid = container.New(layout.NewFormLayout())
	pg.own = container.NewVBox()
	pg.status = widget.NewLabel("")
	pg.status.Wrapping = fyne.TextWrapWord
	diag := widget.NewButtonWithIcon(p.T.T("prefs.copyDiagnostics"), theme.ContentCopyIcon(), pg.copyDiagnostics)
	ownTitle := widget.NewLabelWithStyle(p.T.T("prefs.yours"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	allTitle := widget.NewLabelWithStyle(p.T.T("prefs.all"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	pg.root = container.NewVScroll(container.NewVBox(title, ownTitle, pg.own, container.NewHBox(diag), pg.status,
		widget.NewSeparator(), allTitle, pg.grid))
	return pg
}

// Title is "Preferences".
func (pg *PreferencesPage) Title() string { return pg.t.T("prefs.title") }

// Icon is the settings icon.
func (pg *PreferencesPage) Icon() fyne.Resource { return theme.SettingsIcon() }

// Content is the page.
func (pg *PreferencesPage) Content() fyne.CanvasObject { return pg.root }

// Shown reads the configuration again.
func (pg *PreferencesPage) Shown() { pg.Refresh() }

// Refresh rebuilds the page from the source.
func (pg *PreferencesPage) Refresh() {
	entries := pg.p.Source.Entries()
	pg.grid.RemoveAll()
	bold := fyne.TextStyle{Bold: true}
	pg.grid.Add(widget.NewLabelWithStyle(pg.t.T("prefs.key"), fyne.TextAlignLeading, bold))
	pg.grid.Add(widget.NewLabelWithStyle(pg.t.T("prefs.value")+" · "+pg.t.T("prefs.source"), fyne.TextAlignLeading, bold))
	for _, e := range entries {
		value := e.Value
		if value == "" {
			value = "—"
		}
		v := widget.NewLabel(value)
		v.Truncation = fyne.TextTruncateEllipsis
		src := pg.t.T("prefs.default")
		if e.Source != "default" {
			src = e.Source
		}
		var srcObj fyne.CanvasObject = wrappedCaption(src)
		if e.Machine {
			srcObj = pg.lockedNote(e.Source)
		}
		pg.grid.Add(widget.NewLabel(e.Key))
		pg.grid.Add(container.New(layout.NewCustomPaddedVBoxLayout(0), v, srcObj))
	}
	pg.own.RemoveAll()
	for _, e := range entries {
		if e.UserSettable {
			pg.own.Add(pg.ownSetting(e))
		}
	}
	pg.own.Add(pg.themeChoice())
	if a := fyne.CurrentApp(); a != nil {
		chk := widget.NewCheck("", func(on bool) {
			a.Preferences().SetBool(NotificationsPreference, on)
		})
		chk.Checked = NotificationsOn(a)
		pg.notifications = chk
		pg.own.Add(container.NewBorder(nil, nil, widget.NewLabel(pg.t.T("prefs.notifications")), nil,
			checkRow(chk, pg.t.T("prefs.notificationsOn"))))
	}
	if supported, on := pg.p.Source.StartAtLogin(); supported {
		chk := widget.NewCheck("", nil)
		chk.SetChecked(on)
		chk.OnChanged = func(on bool) {
			if err := pg.p.Source.SetStartAtLogin(on); err != nil {
				pg.status.SetText(pg.t.T("prefs.saveFailed", "Err", err.Error()))
				return
			}
			pg.status.SetText(pg.t.T("prefs.startAtLoginSaved"))
		}
		pg.startAtLogin = chk
		pg.own.Add(container.NewBorder(nil, nil, widget.NewLabel(pg.t.T("prefs.startAtLogin")), nil,
			checkRow(chk, pg.t.T("prefs.startAtLoginOn"))))
	}
}

// checkRow is a check box with its text beside it in a label that wraps:
// a Check's own text never wraps, and a long one (German) would make the
// page wider than a small window.
func checkRow(chk *widget.Check, text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return container.NewBorder(nil, nil, container.NewVBox(chk), nil, l)
}

// wrappedCaption is grey text that wraps between words, and in a file path
// after its separators (breakable), never inside a word.
func wrappedCaption(text string) fyne.CanvasObject {
	c := widget.NewRichText(&widget.TextSegment{Text: breakable(text), Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder}})
	c.Wrapping = fyne.TextWrapWord
	return c
}

// ownSetting is the control of one of the user's own keys: a language list
// or a tray switch, disabled when IT set the key machine-wide.
func (pg *PreferencesPage) ownSetting(e PrefEntry) fyne.CanvasObject {
	save := func(v string) {
		if err := pg.p.Source.Set(e.Key, v); err != nil {
			pg.status.SetText(pg.t.T("prefs.saveFailed", "Err", err.Error()))
			return
		}
		if e.Key == "LANGUAGE" && pg.p.OnLanguage != nil && pg.p.OnLanguage(v) {
			return // the window, this page included, was built again
		}
		pg.status.SetText(pg.t.T("prefs.saved"))
	}
	var ctl fyne.Disableable
	var obj fyne.CanvasObject
	switch e.Key {
	case "LANGUAGE":
		// Each language by its own name ("Deutsch"), as people look for it.
		codes := append([]string{""}, translations.Languages()...)
		opts := []string{pg.t.T("prefs.systemLanguage")}
		for _, c := range codes[1:] {
			opts = append(opts, translations.New(c).T("language.self"))
		}
		sel := widget.NewSelect(opts, nil)
		sel.SetSelectedIndex(0)
		for i, c := range codes {
			if c != "" && strings.EqualFold(c, e.Value) {
				sel.SetSelectedIndex(i)
			}
		}
		if e.Value != "" && sel.SelectedIndex() == 0 {
			// A language without a file of its own ("fr-CA", "ja"), set by hand.
			sel.Options = append(sel.Options, e.Value)
			codes = append(codes, e.Value)
			sel.SetSelectedIndex(len(codes) - 1)
		}
		sel.OnChanged = func(string) { save(codes[sel.SelectedIndex()]) }
		ctl, obj = sel, sel
	default: // TRAYICON
		chk := widget.NewCheck("", nil)
		chk.SetChecked(e.Value == "YES")
		chk.OnChanged = func(on bool) {
			if on {
				save("YES")
			} else {
				save("NO")
			}
		}
		ctl, obj = chk, checkRow(chk, pg.t.T("prefs.trayOn"))
	}
	label := widget.NewLabel(pg.t.T("prefs.key." + e.Key))
	row := container.NewBorder(nil, nil, label, nil, obj)
	if e.Machine {
		ctl.Disable()
		return container.NewVBox(row, pg.lockedNote(e.Source))
	}
	return row
}

// lockedNote says, with a warning sign, that IT set a key machine-wide in
// source, so it cannot be changed here.
func (pg *PreferencesPage) lockedNote(source string) fyne.CanvasObject {
	lock := widget.NewLabel(pg.t.T("prefs.locked", "Source", source))
	lock.Wrapping = fyne.TextWrapWord
	lock.Importance = widget.WarningImportance
	return container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon()))), nil, lock)
}

func (pg *PreferencesPage) copyDiagnostics() {
	path, err := pg.p.Source.Diagnostics()
	if err != nil {
		pg.status.SetText(pg.t.T("prefs.diagnosticsFailed", "Err", err.Error()))
		return
	}
	clip := pg.p.Clipboard
	if clip == nil {
		clip = func(s string) {
			if a := fyne.CurrentApp(); a != nil {
				a.Clipboard().SetContent(s)
			}
		}
	}
	clip(path)
	pg.status.SetText(pg.t.T("prefs.diagnosticsWritten", "File", path))
}

// themeChoice is the light/dark/system choice, applied at once and kept in
// the app's own preferences for the next start.
func (pg *PreferencesPage) themeChoice() fyne.CanvasObject {
	names := []string{"", "light", "dark"}
	opts := []string{pg.t.T("prefs.themeSystem"), pg.t.T("prefs.themeLight"), pg.t.T("prefs.themeDark")}
	sel := widget.NewSelect(opts, nil)
	a := fyne.CurrentApp()
	cur := ""
	if a != nil {
		cur = a.Preferences().String(ThemePreference)
	}
	sel.SetSelectedIndex(0)
	for i, n := range names {
		if n == cur {
			sel.SetSelectedIndex(i)
		}
	}
	sel.OnChanged = func(string) {
		n := names[sel.SelectedIndex()]
		if a := fyne.CurrentApp(); a != nil {
			a.Preferences().SetString(ThemePreference, n)
			ApplyTheme(a, n)
		}
	}
	pg.theme = sel
	return container.NewBorder(nil, nil, widget.NewLabel(pg.t.T("prefs.theme")), nil, sel)
}
