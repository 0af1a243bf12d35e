//go:build ci

package views

import (
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// press sends key to the canvas as the driver does when no widget has the
// keyboard focus.
func press(c fyne.Canvas, key fyne.KeyName) {
	if h := c.OnTypedKey(); h != nil {
		h(&fyne.KeyEvent{Name: key})
	}
}

func TestDialogsCloseWithTheKeyboard(t *testing.T) {
	tests := []struct {
		name  string
		show  func(w fyne.Window, answered *[]bool)
		key   fyne.KeyName
		open  bool   // still open after key
		wants []bool // the answers given
	}{
		{name: "Enter closes a message", key: fyne.KeyReturn,
			show: func(w fyne.Window, _ *[]bool) { showMessage(w, "Done", "Written to /tmp/x.csv.") }},
		{name: "Escape closes a message", key: fyne.KeyEscape,
			show: func(w fyne.Window, _ *[]bool) { showMessage(w, "Done", "Written.") }},
		{name: "Enter closes an error", key: fyne.KeyEnter,
			show: func(w fyne.Window, _ *[]bool) { showErrorDialog(w, errors.New("disk full")) }},
		{name: "Escape answers no", key: fyne.KeyEscape, wants: []bool{false},
			show: func(w fyne.Window, a *[]bool) {
				showConfirm(w, "Discard?", "Discard 3 events?", false, func(ok bool) { *a = append(*a, ok) })
			}},
		{name: "Enter does not discard", key: fyne.KeyReturn, open: true,
			show: func(w fyne.Window, a *[]bool) {
				showConfirm(w, "Discard?", "Discard 3 events?", false, func(ok bool) { *a = append(*a, ok) })
			}},
		{name: "Enter answers yes where that is safe", key: fyne.KeyReturn, wants: []bool{true},
			show: func(w fyne.Window, a *[]bool) {
				showConfirm(w, "Reset?", "Reset, then Apply?", true, func(ok bool) { *a = append(*a, ok) })
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := test.NewTempApp(t)
			w := a.NewWindow("w")
			w.Resize(fyne.NewSize(600, 400))
			var own []fyne.KeyName
			w.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) { own = append(own, ev.Name) })
			var answers []bool
			tt.show(w, &answers)
			if w.Canvas().Overlays().Top() == nil {
				t.Fatal("no dialog")
			}
			press(w.Canvas(), tt.key)
			if open := w.Canvas().Overlays().Top() != nil; open != tt.open {
				t.Fatalf("open after %s: %v", tt.key, open)
			}
			if len(answers) != len(tt.wants) || (len(answers) == 1 && answers[0] != tt.wants[0]) {
				t.Errorf("answers %v, want %v", answers, tt.wants)
			}
			if len(own) != 0 {
				t.Errorf("the window's own handler heard %v while the dialog was open", own)
			}
			if tt.open {
				press(w.Canvas(), fyne.KeyEscape)
			}
			press(w.Canvas(), fyne.KeyEscape)
			if len(own) != 1 {
				t.Errorf("after the dialog the window's own handler heard %v, want one Escape", own)
			}
		})
	}
}

// TestEscapeInALeaveDialogStays: Escape on a device page with edits asks
// before leaving; in that question Enter does nothing and Escape stays; the
// next Escape asks again.
func TestEscapeInALeaveDialogStays(t *testing.T) {
	h := newLeaveHarness(t)
	h.w.ShowTab(h.set)
	h.row("SIDETONE").sel.SetSelected("High")
	c := h.w.Window().Canvas()
	for round := range 2 {
		press(c, fyne.KeyEscape)
		if h.w.confirm == nil || c.Overlays().Top() == nil {
			t.Fatalf("round %d: Escape with an edit pending does not ask", round)
		}
		press(c, fyne.KeyReturn)
		if h.w.confirm == nil || h.set.Pending() != 1 {
			t.Fatalf("round %d: Enter answered the question (pending %d)", round, h.set.Pending())
		}
		press(c, fyne.KeyEscape)
		if h.w.confirm != nil || c.Overlays().Top() != nil {
			t.Fatalf("round %d: Escape does not close the question", round)
		}
		if h.w.shown != headset.ID || h.set.Pending() != 1 {
			t.Fatalf("round %d: the page left (%q) or the edit went (%d)", round, h.w.shown, h.set.Pending())
		}
	}
}
