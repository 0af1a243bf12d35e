package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/translations"
)

// noticeBar is a line above the form that says what happened, with a
// button that dismisses it.
type noticeBar struct {
	root      *fyne.Container
	icon      *widget.Icon
	label     *widget.Label
	text      string
	onDismiss func()
	// onResize is called after the bar appeared, changed or went: the
	// tab lays its head out again (headFit).
	onResize func()
}

type noticeKind int

const (
	noticeDone noticeKind = iota
	noticeWarning
	noticeError
)

func newNoticeBar(t *translations.Translator) *noticeBar {
	n := &noticeBar{icon: widget.NewIcon(nil), label: widget.NewLabel("")}
	n.label.Wrapping = fyne.TextWrapWord
	closeBtn := newIconButton(theme.CancelIcon(), t.T("views.dismiss"), n.dismiss)
	closeBtn.Importance = widget.LowImportance
	n.root = container.NewBorder(nil, nil, n.icon, closeBtn, n.label)
	n.root.Hide()
	return n
}

func (n *noticeBar) set(kind noticeKind, text string) {
	n.text = text
	switch kind {
	case noticeDone:
		n.icon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
		n.label.Importance = widget.SuccessImportance
	case noticeWarning:
		n.icon.SetResource(theme.NewWarningThemedResource(theme.WarningIcon()))
		n.label.Importance = widget.WarningImportance
	default:
		n.icon.SetResource(theme.NewErrorThemedResource(theme.ErrorIcon()))
		n.label.Importance = widget.DangerImportance
	}
	n.label.SetText(text)
	n.root.Show()
	n.root.Refresh()
	n.resized()
}

func (n *noticeBar) clear() {
	n.text = ""
	n.root.Hide()
	n.resized()
}

func (n *noticeBar) resized() {
	if n.onResize != nil {
		n.onResize()
	}
}

func (n *noticeBar) dismiss() {
	n.clear()
	if n.onDismiss != nil {
		n.onDismiss()
	}
}
