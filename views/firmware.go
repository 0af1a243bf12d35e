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
// shows the catalog's release notes; a managed update starts by itself.
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

	dev    app.DeviceSummary
	status firmware.Status
	busy   bool // Stage or Apply of this tab runs
	gone   bool // the device shown has left; the tab stays, with what it showed
	// lostShown: the notice says an update failed because the device left;
	// it stays when the device comes back.
	lostShown bool
	dialog    dialog.Dialog
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
	f.working = container.NewVBox(f.phase, f.progress, f.infinite)
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
	left := container.NewVBox(card(t.T("firmware.versions"), f.versions), card(t.T("firmware.staged.title"), f.staged))
	right := container.NewVBox(card(t.T("firmware.notes.title"), container.NewVBox(f.notesFor, f.notes)),
		card(t.T("firmware.history.title"), f.history))
	body := container.NewVScroll(container.New(layout.NewCustomPaddedLayout(0, pad, pad, pad),
		newColumns(left, right)))
	f.root = container.New(layout.NewBorderLayout(head, nil, nil, nil), head, body)
	f.unsubscribe = p.Source.Subscribe(func() { f.p.ui(f.refresh) })
	return f
}

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
	endpoint := dash(s.Endpoint)
	if s.Endpoint != "" && s.EndpointOutcome != "" {
		endpoint += " — " + f.outcomeLabel(s.EndpointOutcome)
	}
	setRows(f.versions, []row{
		{t.T("firmware.installed"), dash(s.Installed)},
		{t.T("firmware.catalog"), dash(s.Catalog.Version)},
		{t.T("firmware.endpoint"), endpoint},
	})
	if st := s.Staged; st != nil {
		origin := t.T("firmware.staged.byHand")
		if st.Managed {
			origin = t.T("firmware.staged.managed")
		}
		setRows(f.staged, []row{
			{t.T("firmware.staged.file"), st.File},
			{t.T("firmware.staged.version"), st.Version},
			{t.T("firmware.staged.state"), f.stateLabel(st)},
			{t.T("firmware.staged.origin"), origin},
			{t.T("firmware.staged.source"), st.Source},
			{t.T("firmware.staged.at"), st.StagedAt.Local().Format("2006-01-02 15:04")},
			{t.T("firmware.staged.size"), fmt.Sprintf("%.1f MB", float64(st.Size)/1e6)},
			{"SHA-256", shortHash(st.SHA256)},
		})
	} else {
		setRows(f.staged, []row{{t.T("firmware.staged.file"), t.T("firmware.staged.none")}})
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
}

func setRows(form *fyne.Container, rows []row) {
	form.Objects = nil
	for _, r := range rows {
		if r.value == "" {
			continue
		}
		v := widget.NewLabel(r.value)
		v.Wrapping = fyne.TextWrapBreak
		form.Objects = append(form.Objects, newCaption(r.label), v)
	}
	form.Refresh()
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
}

// updateActions enables what can be done now.
func (f *FirmwareTab) updateActions() {
	s := f.status
	working := f.busy || s.Live.Phase != firmware.PhaseIdle
	canUpdate := s.CanUpdate && s.Staged != nil && !working && !f.gone &&
		(s.Staged.State == "staged" || s.Staged.State == "failed")
	setEnabled(f.update, canUpdate)
	setEnabled(f.stage, !working && !f.gone)
}

// ConfirmUpdate asks the person to confirm the update with the staged
// file, showing the catalog's release notes of its version, and starts it
// when they do. It does nothing when no update can start.
func (f *FirmwareTab) ConfirmUpdate() {
	s := f.status
	if f.update.Disabled() || s.Staged == nil {
		return
	}
	t := f.t
	notes := s.Staged.Notes
	if notes == "" {
		notes = t.T("firmware.notes.noneFor", "Version", s.Staged.Version)
	}
	text := widget.NewLabel(t.T("firmware.confirm.body", "Name", f.dev.DeviceName, "From", s.Installed, "To", s.Staged.Version))
	text.Wrapping = fyne.TextWrapWord
	notesLabel := widget.NewLabel(notes)
	notesLabel.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(notesLabel)
	scroll.SetMinSize(fyne.NewSize(460, 160))
	content := container.NewVBox(text, settingsHeading(t.T("firmware.notes.for", "Version", s.Staged.Version)), scroll)
	id := f.dev.ID
	f.dialog = dialog.NewCustomConfirm(t.T("firmware.confirm.title"), t.T("firmware.confirm.ok"), t.T("firmware.confirm.cancel"),
		content, func(ok bool) {
			f.dialog = nil
			if ok {
				f.startUpdate(id)
			}
		}, f.window())
	f.dialog.Show()
}

// lostText says that an update failed because the device left, and that
// the staged file is kept.
func lostText(t *translations.Translator, name string, at int) string {
	if at < 0 {
		return t.T("firmware.lostBefore", "Name", name)
	}
	return t.T("firmware.lost", "Name", name, "Percent", at)
}

// startUpdate runs the confirmed update in the background.
func (f *FirmwareTab) startUpdate(id string) {
	name := f.dev.DeviceName
	f.setBusy(true)
	f.notice.clear()
	f.p.background(func() {
		out, err := f.p.Source.Apply(context.Background(), id)
		f.p.ui(func() {
			f.setBusy(false)
			switch {
			case err != nil:
				f.notice.set(noticeError, f.t.T("firmware.failed", "Err", err.Error()))
			case out.Status == firmware.StatusSuccess:
				f.notice.set(noticeDone, f.t.T("firmware.done", "Version", out.To))
			case out.Lost:
				f.notice.set(noticeError, lostText(f.t, name, out.LostAt))
				f.lostShown = true
			default:
				f.notice.set(noticeError, f.t.T("firmware.failedWith", "Failure", string(out.Failure)))
			}
			f.refresh()
		})
	})
}

func (f *FirmwareTab) setBusy(on bool) {
	f.busy = on
	f.updateActions()
}

// chooseFile asks for a firmware archive and stages it.
func (f *FirmwareTab) chooseFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			f.notice.set(noticeError, f.t.T("firmware.stageFailed", "Err", err.Error()))
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
	d.Show()
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
				f.notice.set(noticeError, f.t.T("firmware.stageFailed", "Err", strings.Join(strings.Fields(err.Error()), " ")))
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
