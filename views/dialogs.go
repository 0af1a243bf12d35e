package views

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// keyedDialog is a dialog the keyboard closes.
type keyedDialog struct {
	d     dialog.Dialog
	enter func() // nil: Enter does nothing
}

// keyed holds, per canvas, the dialogs open on it (the top one last) and the
// canvas's own key handler, given back when the last one closes.
var keyed = struct {
	sync.Mutex
	open map[fyne.Canvas]*dialogStack
}{open: map[fyne.Canvas]*dialogStack{}}

type dialogStack struct {
	dialogs []*keyedDialog
	prev    func(*fyne.KeyEvent)
}

// showDialog shows d on win so that the keyboard closes it: Escape dismisses
// it (its cancel), and Enter runs enter when that is not nil — the
// dialog's safe default, such as OK of a message. A dialog whose confirm
// button changes something (discard, install) passes nil: Enter does nothing
// there, and the person chooses with the mouse or Tab and Space. While a
// dialog is open the window's own keys (Escape leaving a page) wait.
func showDialog(win fyne.Window, d dialog.Dialog, enter func()) {
	if win == nil {
		d.Show()
		return
	}
	c := win.Canvas()
	kd := &keyedDialog{d: d, enter: enter}
	keyed.Lock()
	st := keyed.open[c]
	if st == nil {
		st = &dialogStack{prev: c.OnTypedKey()}
		keyed.open[c] = st
		c.SetOnTypedKey(func(ev *fyne.KeyEvent) { typedKeyWithDialog(c, ev) })
	}
	st.dialogs = append(st.dialogs, kd)
	keyed.Unlock()
	d.SetOnClosed(func() { closeKeyed(c, kd) })
	d.Show()
}

// typedKeyWithDialog is the canvas's key handler while a dialog is open.
func typedKeyWithDialog(c fyne.Canvas, ev *fyne.KeyEvent) {
	keyed.Lock()
	st := keyed.open[c]
	var top *keyedDialog
	if st != nil && len(st.dialogs) > 0 {
		top = st.dialogs[len(st.dialogs)-1]
	}
	keyed.Unlock()
	if top == nil {
		return
	}
	switch ev.Name {
	case fyne.KeyEscape:
		top.d.Dismiss()
	case fyne.KeyReturn, fyne.KeyEnter:
		if top.enter != nil {
			top.enter()
		}
	}
}

// closeKeyed forgets a closed dialog; after the last, the canvas's own key
// handler is back.
func closeKeyed(c fyne.Canvas, kd *keyedDialog) {
	keyed.Lock()
	st := keyed.open[c]
	if st == nil {
		keyed.Unlock()
		return
	}
	for i, x := range st.dialogs {
		if x == kd {
			st.dialogs = append(st.dialogs[:i], st.dialogs[i+1:]...)
			break
		}
	}
	var restore func(*fyne.KeyEvent)
	done := len(st.dialogs) == 0
	if done {
		restore = st.prev
		delete(keyed.open, c)
	}
	keyed.Unlock()
	if done {
		c.SetOnTypedKey(restore)
	}
}

// showMessage shows a message with its OK button; Enter and Escape close it.
func showMessage(win fyne.Window, title, message string) {
	if win == nil {
		return
	}
	d := dialog.NewInformation(title, message, win)
	showDialog(win, d, d.Dismiss)
}

// showErrorDialog shows err; Enter and Escape close it.
func showErrorDialog(win fyne.Window, err error) {
	if win == nil {
		return
	}
	d := dialog.NewError(err, win)
	showDialog(win, d, d.Dismiss)
}

// showConfirm asks a yes/no question. Escape answers no; Enter answers yes
// only when safe (the yes changes nothing that cannot be undone).
func showConfirm(win fyne.Window, title, message string, safe bool, answer func(bool)) *dialog.ConfirmDialog {
	d := dialog.NewConfirm(title, message, answer, win)
	var enter func()
	if safe {
		enter = d.Confirm
	}
	showDialog(win, d, enter)
	return d
}

// uriPath is where a file the person chose lives, as they would look for it:
// the full path of a file URI, else the URI.
func uriPath(u fyne.URI) string {
	if u.Scheme() == "file" && u.Path() != "" {
		return u.Path()
	}
	return u.String()
}
