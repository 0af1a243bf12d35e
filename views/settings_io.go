package views

import (
	"context"
	"io"
	"maps"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"github.com/earshot-app/earshot/app/settings"
)

// chooseImport asks for a configuration file and imports it.
func (s *SettingsTab) chooseImport() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			s.notice.set(noticeError, s.t.T("settings.import.failed", "File", "", "Err", err.Error()))
			return
		}
		if r == nil {
			return // cancelled
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, settings.MaxConfigSize+1))
		if err != nil {
			s.notice.set(noticeError, s.t.T("settings.import.failed", "File", r.URI().Name(), "Err", err.Error()))
			return
		}
		s.ImportData(r.URI().Name(), data)
	}, s.window())
	d.SetFilter(storage.NewExtensionFileFilter([]string{".json"}))
	showDialog(s.window(), d, nil)
}

// ImportData applies a device-management configuration read from a file
// called name. When any setting is refused nothing is changed, and a dialog
// lists why.
func (s *SettingsTab) ImportData(name string, data []byte) {
	id, dev := s.dev.ID, s.dev.DeviceName
	s.setBusy(true)
	s.p.background(func() {
		res, err := s.p.Source.Import(context.Background(), id, data)
		s.p.ui(func() {
			s.setBusy(false)
			if err != nil {
				s.notice.set(noticeError, s.t.T("settings.import.failed", "File", name, "Err", err.Error()))
				return
			}
			if len(res.Refused) > 0 {
				var lines []string
				for _, n := range slices.Sorted(maps.Keys(res.Refused)) {
					lines = append(lines, "• "+n+": "+settings.RefusalText(s.t, res.Refused[n]))
				}
				s.notice.set(noticeError, s.t.T("settings.import.refused", "File", name, "Name", dev))
				showMessage(s.window(), s.t.T("settings.import.refusedTitle"),
					s.t.T("settings.import.refused", "File", name, "Name", dev)+"\n\n"+strings.Join(lines, "\n"))
				return
			}
			s.applied(id, dev, res.ApplyResult, nil, func(n int) string {
				return s.t.N("settings.notice.imported", n, "Count", n, "File", name)
			})
			if res.FirmwareIgnored {
				s.notice.set(noticeWarning, s.notice.text+" "+s.t.T("settings.notice.firmwareIgnored"))
			}
		})
	})
}

// chooseExport asks where to save the configuration and saves it.
func (s *SettingsTab) chooseExport() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			s.notice.set(noticeError, s.t.T("settings.export.failed", "Err", err.Error()))
			return
		}
		if w == nil {
			return
		}
		err = s.ExportTo(w)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.notice.set(noticeError, s.t.T("settings.export.failed", "Err", err.Error()))
			return
		}
		s.notice.set(noticeDone, s.t.T("settings.notice.exported", "File", w.URI().Name()))
	}, s.window())
	d.SetFileName(exportName(s.dev.DeviceName))
	d.SetFilter(storage.NewExtensionFileFilter([]string{".json"}))
	showDialog(s.window(), d, nil)
}

// ExportTo writes the device's configuration as the management JSON.
func (s *SettingsTab) ExportTo(w io.Writer) error {
	c, err := s.p.Source.Export(s.dev.ID)
	if err != nil {
		return err
	}
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// exportName is a file name for a device's configuration:
// "Jabra-Evolve2-85-settings.json".
func exportName(device string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '/' || r == '\\' || r == ':':
			return '-'
		case r < 0x20:
			return -1
		}
		return r
	}, device)
	if name == "" {
		name = "device"
	}
	return name + "-settings.json"
}
