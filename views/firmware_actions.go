package views

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/translations"
)

// The Firmware tab's actions that install: "Update now" with a file staged
// by hand, and "Download and install" with the catalog's newer version.

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
	showDialog(f.window(), f.dialog, nil)
}

// ConfirmInstall asks the person to confirm installing the catalog's newer
// version, with its release notes and where the file comes from, and
// downloads and installs it when they do. It does nothing when the catalog
// offers nothing.
func (f *FirmwareTab) ConfirmInstall() {
	o := f.status.Offer
	if o == nil || !f.install.Visible() || f.install.Disabled() {
		return
	}
	t := f.t
	notes := o.Notes
	if notes == "" {
		notes = t.T("firmware.notes.noneFor", "Version", o.Version)
	}
	text := widget.NewLabel(t.T("firmware.confirm.body", "Name", f.dev.DeviceName, "From", f.status.Installed, "To", o.Version))
	text.Wrapping = fyne.TextWrapWord
	fromKey := "firmware.confirm.from"
	if o.File {
		fromKey = "firmware.confirm.fromFile"
	}
	from := widget.NewLabel(t.T(fromKey, "Source", breakable(o.From)))
	from.Wrapping = fyne.TextWrapWord
	notesLabel := widget.NewLabel(notes)
	notesLabel.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(notesLabel)
	scroll.SetMinSize(fyne.NewSize(460, 160))
	content := container.NewVBox(text, from, settingsHeading(t.T("firmware.notes.for", "Version", o.Version)), scroll)
	id := f.dev.ID
	f.dialog = dialog.NewCustomConfirm(t.T("firmware.confirm.title"), t.T("firmware.confirm.install"), t.T("firmware.confirm.cancel"),
		content, func(ok bool) {
			f.dialog = nil
			if ok {
				f.startInstall(id, o.Version)
			}
		}, f.window())
	showDialog(f.window(), f.dialog, nil)
}

// startInstall runs the confirmed download and update in the background.
func (f *FirmwareTab) startInstall(id, version string) {
	name := f.dev.DeviceName
	ctx, cancel := context.WithCancel(context.Background())
	f.stopInstall = cancel
	f.notice.clear()
	f.setBusy(true)
	f.p.background(func() {
		out, err := f.p.Source.InstallFromCatalog(ctx, id)
		f.p.ui(func() {
			cancel()
			f.stopInstall = nil
			f.setBusy(false)
			switch {
			case errors.Is(err, context.Canceled):
				f.notice.set(noticeWarning, f.t.T("firmware.cancelled"))
			case err != nil:
				f.notice.set(noticeError, f.t.T("firmware.installFailed", "Version", version, "Err", oneLine(err)))
			default:
				f.showOutcome(out, name)
			}
			f.refresh()
		})
	})
}

// CancelInstall stops the download of "Download and install"; an update
// that has begun runs to its end.
func (f *FirmwareTab) CancelInstall() {
	if f.stopInstall != nil && f.status.Live.Phase == firmware.PhaseDownloading {
		f.stopInstall()
	}
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// showOutcome says how an update ended.
func (f *FirmwareTab) showOutcome(out firmware.Outcome, name string) {
	switch {
	case out.Status == firmware.StatusSuccess:
		f.notice.set(noticeDone, f.t.T("firmware.done", "Version", out.To))
	case out.Lost:
		f.notice.set(noticeError, lostText(f.t, name, out.LostAt))
		f.lostShown = true
	default:
		f.notice.set(noticeError, f.t.T("firmware.failedWith", "Failure", string(out.Failure)))
	}
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
	f.notice.clear()
	f.setBusy(true)
	f.p.background(func() {
		out, err := f.p.Source.Apply(context.Background(), id)
		f.p.ui(func() {
			f.setBusy(false)
			if err != nil {
				f.notice.set(noticeError, f.t.T("firmware.failed", "Err", err.Error()))
			} else {
				f.showOutcome(out, name)
			}
			f.refresh()
		})
	})
}

func (f *FirmwareTab) setBusy(on bool) {
	f.busy = on
	f.updateActions()
	f.fit()
}
