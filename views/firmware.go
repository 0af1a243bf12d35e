package views

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/translations"
)

// FirmwareSource is what the Firmware tab needs of the core;
// *firmware.Updater has it. Stage and Apply may block (downloads, the
// update itself) and are called from a background goroutine; the others are
// quick.
type FirmwareSource interface {
	// Status is what the tab shows of the attached device id.
	Status(id string) (firmware.Status, bool)
	// Stage stages the archive at a URL or file path for the device; it
	// starts no update.
	Stage(ctx context.Context, id, source string) error
	// Apply installs the staged archive: the person confirmed it.
	Apply(ctx context.Context, id string) (firmware.Outcome, error)
	// InstallFromCatalog fetches the version Status.Offer names, stages it
	// with the checks of a file staged by hand, and installs it: the person
	// confirmed it. Cancelling ctx stops the download.
	InstallFromCatalog(ctx context.Context, id string) (firmware.Outcome, error)
	// Subscribe calls onChange, from any goroutine, after every change of
	// what Status returns.
	Subscribe(onChange func()) (cancel func())
}

// FirmwareTabParams are the dependencies of the Firmware tab.
type FirmwareTabParams struct {
	Source FirmwareSource
	T      *translations.Translator
	// Window returns the window the tab is shown in, for its dialogs; nil
	// finds it from the tab's canvas.
	Window func() fyne.Window

	// ui runs UI work handed over from background goroutines (nil:
	// fyne.Do); background starts such goroutines (nil: go). Tests run
	// both on the test goroutine.
	ui         func(func())
	background func(func())
}

// FirmwareTab is the Firmware tab of a device page (docs/firmware.md): the installed
// version, the newest one of the catalog and the one device management
// offers, the release notes, the staged file and its state, the progress of
// a download or an update, and the history of updates. "Update now" starts
// an update of a file staged by hand only after a confirmation dialog that
// shows the catalog's release notes; "Download and install" does the same
// with the catalog's newer version, downloading it first (cancellable); a
// managed update starts by itself.
//
// Its methods are called on the Fyne goroutine.
type FirmwareTab struct {
	p    FirmwareTabParams
	t    *translations.Translator
	root fyne.CanvasObject
	// unsubscribe stops following the source (Close).
	unsubscribe func()

	stage    *widget.Button
	update   *widget.Button
	install  *widget.Button // "Download and install…": shown while the catalog offers a version
	cancel   *widget.Button // stops the download of "Download and install"
	notice   *noticeBar
	progress *widget.ProgressBar
	infinite *widget.ProgressBarInfinite
	phase    *widget.Label
	working  *fyne.Container // phase, and the bar that applies
	versions *fyne.Container // rows
	staged   *fyne.Container // rows
	notes    *widget.Label
	notesFor *widget.Label
	history  *fyne.Container // rows
	head     *headFit        // the title bar, the notice and the progress

	dev    app.DeviceSummary
	status firmware.Status
	busy   bool // Stage or Apply of this tab runs
	gone   bool // the device shown has left; the tab stays, with what it showed
	// lostShown: the notice says an update failed because the device left;
	// it stays when the device comes back.
	lostShown bool
	dialog    dialog.Dialog
	// stopInstall cancels the running "Download and install"; nil when none
	// runs.
	stopInstall context.CancelFunc
}

// NewFirmwareTab builds the Firmware tab.
func NewFirmwareTab(p FirmwareTabParams) *FirmwareTab {
	p.ui, p.background = asyncDefaults(p.ui, p.background)
	t := p.T
	f := &FirmwareTab{p: p, t: t}
	f.stage = widget.NewButtonWithIcon(t.T("firmware.stage"), theme.FolderOpenIcon(), f.chooseFile)
	f.stage.Importance = widget.LowImportance
	f.update = widget.NewButtonWithIcon(t.T("firmware.update"), theme.UploadIcon(), f.ConfirmUpdate)
	f.update.Importance = widget.HighImportance
	f.notice = newNoticeBar(t)
	f.progress = widget.NewProgressBar()
	f.infinite = widget.NewProgressBarInfinite()
	f.infinite.Stop()
	f.phase = widget.NewLabel("")
	f.phase.Wrapping = fyne.TextWrapWord
	f.install = widget.NewButtonWithIcon(t.T("firmware.install"), theme.DownloadIcon(), f.ConfirmInstall)
	f.install.Importance = widget.HighImportance
	f.install.Hide()
	f.cancel = widget.NewButtonWithIcon(t.T("firmware.cancelDownload"), theme.CancelIcon(), f.CancelInstall)
	f.cancel.Importance = widget.LowImportance
	f.cancel.Hide()
	f.working = container.NewVBox(container.NewBorder(nil, nil, nil, f.cancel, f.phase), f.progress, f.infinite)
	f.working.Hide()
	f.versions = container.New(layout.NewFormLayout())
	f.staged = container.New(layout.NewFormLayout())
	f.notes = widget.NewLabel("")
	f.notes.Wrapping = fyne.TextWrapWord
	f.notesFor = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	f.history = container.NewVBox()

	card := func(title string, body fyne.CanvasObject) fyne.CanvasObject {
		return widget.NewCard("", "", container.NewVBox(settingsHeading(title), body))
	}
	pad := 2 * theme.Padding()
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(f.stage, f.update),
		settingsHeading(t.T("firmware.title")))
	head := container.New(layout.NewCustomPaddedLayout(pad, 0, pad, pad),
		container.NewVBox(bar, f.notice.root, f.working))
	f.notice.onResize = f.fit
	left := container.NewVBox(card(t.T("firmware.versions"), container.NewVBox(f.versions, container.NewHBox(f.install))),
		card(t.T("firmware.staged.title"), f.staged))
	right := container.NewVBox(card(t.T("firmware.notes.title"), container.NewVBox(f.notesFor, f.notes)),
		card(t.T("firmware.history.title"), f.history))
	body := container.NewVScroll(container.New(layout.NewCustomPaddedLayout(0, pad, pad, pad),
		newColumns(left, right)))
	root := container.New(layout.NewBorderLayout(head, nil, nil, nil), head, body)
	f.root = root
	f.head = newHeadFit(root, head)
	f.unsubscribe = p.Source.Subscribe(func() { f.p.ui(f.refresh) })
	return f
}

// fit lays the tab out again when its head changed height: the progress or
// a notice appeared or went (headFit).
func (f *FirmwareTab) fit() { f.head.fit() }

// Close stops following the firmware source (Closer).
func (f *FirmwareTab) Close() { f.unsubscribe() }

// newSubtle is a small grey label.
func newSubtle() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.LowImportance
	l.Wrapping = fyne.TextWrapWord
	return l
}

// Title is the tab's name.
func (f *FirmwareTab) Title() string { return f.t.T("firmware.tab") }

// Content is the tab's root object.
func (f *FirmwareTab) Content() fyne.CanvasObject { return f.root }

// Applies tells whether d has firmware Earshot can tell about: not a
// busylight nor another vendor's device.
func (f *FirmwareTab) Applies(d app.DeviceSummary) bool {
	if d.Kind == "busylight" || d.Kind == "other" || !d.Connected {
		return false
	}
	_, ok := f.p.Source.Status(d.ID)
	return ok
}

// Show shows d's firmware.
func (f *FirmwareTab) Show(d app.DeviceSummary) {
	same := d.ID == f.dev.ID || (d.Key != "" && d.Key == f.dev.Key)
	if !same || (f.gone && !f.lostShown) {
		f.notice.clear()
	}
	f.gone, f.lostShown = false, false
	f.dev = d
	f.refresh()
}

// Left keeps what the tab showed when the device leaves, and says so; an
// update under way ends with the device, and says so when it returns.
func (f *FirmwareTab) Left(d app.DeviceSummary) {
	f.gone = true
	f.dev.Connected = false
	if !f.busy && !f.lostShown {
		f.notice.set(noticeWarning, f.t.T("firmware.disconnected", "Name", d.DeviceName))
	}
	f.showLive(firmware.Live{})
	f.updateActions()
}

// refresh reads the shown device's status again.
func (f *FirmwareTab) refresh() {
	if f.dev.ID == "" {
		return
	}
	if f.gone {
		f.showLive(firmware.Live{}) // what ran has stopped with the device
		f.updateActions()
		return
	}
	s, ok := f.p.Source.Status(f.dev.ID)
	if !ok {
		return
	}
	f.status = s
	t := f.t
	dash := func(v string) string {
		if v == "" {
			return "—"
		}
		return v
	}
	var outcome string
	if s.Endpoint != "" && s.EndpointOutcome != "" {
		outcome = f.outcomeLabel(s.EndpointOutcome)
	}
	setRows(f.versions, []fwRow{
		{label: t.T("firmware.installed"), value: dash(s.Installed), version: true},
		{label: t.T("firmware.catalog"), value: dash(s.Catalog.Version), version: true},
		{label: t.T("firmware.endpoint"), value: dash(s.Endpoint), version: true, note: outcome},
	})
	if st := s.Staged; st != nil {
		origin := t.T("firmware.staged.byHand")
		if st.Managed {
			origin = t.T("firmware.staged.managed")
		}
		setRows(f.staged, []fwRow{
			{label: t.T("firmware.staged.file"), value: breakable(st.File)},
			{label: t.T("firmware.staged.version"), value: st.Version, version: true},
			{label: t.T("firmware.staged.state"), value: f.stateLabel(st)},
			{label: t.T("firmware.staged.origin"), value: origin},
			{label: t.T("firmware.staged.source"), value: breakable(st.Source)},
			{label: t.T("firmware.staged.at"), value: st.StagedAt.Local().Format("2006-01-02 15:04"), version: true},
			{label: t.T("firmware.staged.size"), value: fmt.Sprintf("%.1f MB", float64(st.Size)/1e6), version: true},
			{label: "SHA-256", value: shortHash(st.SHA256), version: true},
		})
	} else {
		setRows(f.staged, []fwRow{{label: t.T("firmware.staged.file"), value: t.T("firmware.staged.none")}})
	}
	switch {
	case s.Staged != nil && s.Staged.Notes != "":
		f.notesFor.SetText(t.T("firmware.notes.for", "Version", s.Staged.Version))
		f.notes.SetText(s.Staged.Notes)
	case s.Catalog.Notes != "":
		f.notesFor.SetText(t.T("firmware.notes.for", "Version", s.Catalog.Version))
		f.notes.SetText(s.Catalog.Notes)
	default:
		f.notesFor.SetText("")
		f.notes.SetText(t.T("firmware.notes.none"))
	}
	f.showHistory(s.History)
	f.showLive(s.Live)
	f.updateActions()
	f.fit()
}

// fwRow is one label–value row of the Firmware tab's cards.
type fwRow struct {
	label, value string
	// version: the value is one unit (a version, a date, a size) that must
	// never wrap: its label is as wide as its text, so "4.7.0" never shows
	// as "4.7" over ".0".
	version bool
	note    string // a second line under the value, word-wrapped ("" none)
}

func setRows(form *fyne.Container, rows []fwRow) {
	form.Objects = nil
	for _, r := range rows {
		if r.value == "" {
			continue
		}
		v := widget.NewLabel(r.value)
		if !r.version {
			// Whole words only; a file name or URL longer than the line is
			// cut where it must.
			v.Wrapping = fyne.TextWrapWord
		}
		var cell fyne.CanvasObject = v
		if r.note != "" {
			note := newSubtle()
			note.SetText(r.note)
			cell = container.NewVBox(v, note)
		}
		form.Objects = append(form.Objects, newCaption(r.label), cell)
	}
	form.Refresh()
}

// hairSpace is a space a line may break at, almost too thin to see.
const hairSpace = "\u200a"

// breakable lets a path, URL or file name wrap after its separators
// ("…/Firmware/" over "Jabra-Evolve2-85-1.27.0.zip") instead of inside a
// word: Fyne breaks lines only at spaces, else anywhere.
func breakable(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
		switch r {
		case '/', '\\', '-', '_', '?', '&':
			b.WriteString(hairSpace)
		}
	}
	return b.String()
}

func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// stateLabel says where a staged file stands.
func (f *FirmwareTab) stateLabel(st *firmware.StagedView) string {
	switch st.State {
	case "updating":
		return f.t.T("firmware.state.updating")
	case "failed":
		return f.t.T("firmware.state.failed", "Failure", st.Failure)
	case "installed":
		return f.t.T("firmware.state.installed")
	}
	if st.Managed {
		return f.t.T("firmware.state.stagedManaged")
	}
	return f.t.T("firmware.state.staged")
}

// outcomeLabel says how the endpoint's firmware was handled.
func (f *FirmwareTab) outcomeLabel(o string) string {
	switch {
	case o == "current":
		return f.t.T("firmware.outcome.current")
	case o == firmware.StatusSuccess:
		return f.t.T("firmware.outcome.installed")
	case strings.HasPrefix(o, "refused: "):
		return f.t.T("firmware.outcome.refused")
	}
	return o
}

func (f *FirmwareTab) showHistory(h []firmware.HistoryEntry) {
	f.history.Objects = nil
	if len(h) == 0 {
		f.history.Add(newSubtle())
		f.history.Objects[0].(*widget.Label).SetText(f.t.T("firmware.history.none"))
	}
	for _, e := range h {
		icon := widget.NewIcon(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
		what := f.t.T("firmware.history.success", "From", e.From, "To", e.To)
		if e.Status != firmware.StatusSuccess {
			icon = widget.NewIcon(theme.NewErrorThemedResource(theme.ErrorIcon()))
			what = f.t.T("firmware.history.failure", "From", e.From, "To", e.To, "Failure", e.Failure)
		}
		origin := f.t.T("firmware.staged.byHand")
		if e.Managed {
			origin = f.t.T("firmware.staged.managed")
		}
		line := widget.NewLabel(what)
		line.Wrapping = fyne.TextWrapWord
		when := newSubtle()
		when.SetText(e.At.Local().Format("2006-01-02 15:04") + " · " + origin)
		f.history.Add(container.NewBorder(nil, nil, icon, nil, container.NewVBox(line, when)))
	}
	f.history.Refresh()
}

// showLive shows the download or update under way.
func (f *FirmwareTab) showLive(l firmware.Live) {
	t := f.t
	switch l.Phase {
	case firmware.PhaseDownloading:
		f.phase.SetText(t.T("firmware.downloading"))
	case firmware.PhaseUpdating:
		f.phase.SetText(t.T("firmware.updating", "Name", f.dev.DeviceName))
	default:
		f.working.Hide()
		f.infinite.Stop()
		f.fit()
		return
	}
	if l.Percent < 0 {
		f.progress.Hide()
		f.infinite.Show()
		f.infinite.Start()
	} else {
		f.infinite.Stop()
		f.infinite.Hide()
		f.progress.Show()
		f.progress.SetValue(float64(l.Percent) / 100)
	}
	f.working.Show()
	f.fit()
}

// updateActions enables what can be done now.
func (f *FirmwareTab) updateActions() {
	s := f.status
	working := f.busy || s.Live.Phase != firmware.PhaseIdle
	canUpdate := s.CanUpdate && s.Staged != nil && !working && !f.gone &&
		(s.Staged.State == "staged" || s.Staged.State == "failed")
	setEnabled(f.update, canUpdate)
	setEnabled(f.stage, !working && !f.gone)
	if s.Offer != nil && s.CanUpdate && !f.gone {
		f.install.Show()
	} else {
		f.install.Hide()
	}
	setEnabled(f.install, !working && !f.gone)
	if f.stopInstall != nil && s.Live.Phase == firmware.PhaseDownloading && !f.gone {
		f.cancel.Show()
	} else {
		f.cancel.Hide()
	}
}

// chooseFile asks for a firmware archive and stages it.
func (f *FirmwareTab) chooseFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			f.notice.set(noticeError, f.t.T("firmware.stageFailed", "Err", err.Error()))
			f.fit()
			return
		}
		if r == nil {
			return // cancelled
		}
		path := r.URI().Path()
		r.Close()
		f.StageFile(path)
	}, f.window())
	d.SetFilter(storage.NewExtensionFileFilter([]string{".zip"}))
	showDialog(f.window(), d, nil)
}

// StageFile stages the archive at path for the shown device.
func (f *FirmwareTab) StageFile(path string) {
	id := f.dev.ID
	f.setBusy(true)
	f.p.background(func() {
		err := f.p.Source.Stage(context.Background(), id, path)
		f.p.ui(func() {
			f.setBusy(false)
			if err != nil {
				f.notice.set(noticeError, f.t.T("firmware.stageFailed", "Err", oneLine(err)))
			} else {
				f.notice.set(noticeDone, f.t.T("firmware.stagedDone"))
			}
			f.refresh()
		})
	})
}

// window is the window the tab is shown in.
func (f *FirmwareTab) window() fyne.Window { return windowFor(f.p.Window, f.root) }

// FirmwareNotification is the desktop notification of a firmware notice:
// a managed update that starts by itself (the device must stay connected),
// and how an update ended.
func FirmwareNotification(t *translations.Translator, n firmware.Notice) *fyne.Notification {
	switch n.Kind {
	case firmware.NoticeStarting:
		return fyne.NewNotification(t.T("firmware.notify.starting.title"),
			t.T("firmware.notify.starting.body", "Name", n.DeviceName, "Version", n.Version))
	case firmware.NoticeSucceeded:
		return fyne.NewNotification(t.T("firmware.notify.done.title"),
			t.T("firmware.notify.done.body", "Name", n.DeviceName, "Version", n.Version))
	}
	if n.Lost {
		return fyne.NewNotification(t.T("firmware.notify.failed.title"), lostText(t, n.DeviceName, n.LostAt))
	}
	return fyne.NewNotification(t.T("firmware.notify.failed.title"),
		t.T("firmware.notify.failed.body", "Name", n.DeviceName, "Failure", string(n.Failure)))
}
