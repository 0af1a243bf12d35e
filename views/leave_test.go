//go:build ci

package views

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/translations"
)

// leaveHarness is a main window with the Settings and Firmware tabs on fake
// sources; background work waits in later until the test runs it.
type leaveHarness struct {
	t      *testing.T
	w      *MainWindow
	src    *fakeSource
	set    *SettingsTab
	setSrc *fakeSettings
	fw     *FirmwareTab
	fwSrc  *fakeFirmware
	later  []func()
}

func newLeaveHarness(t *testing.T) *leaveHarness {
	t.Helper()
	t.Setenv("LANG", "en_US.UTF-8")
	h := &leaveHarness{t: t}
	a := test.NewTempApp(t)
	now := func(f func()) { f() }
	queue := func(f func()) { h.later = append(h.later, f) }
	tr := translations.New("en")
	h.setSrc = &fakeSettings{form: headsetForm(), refuse: map[string]*settings.Refusal{}}
	h.set = NewSettingsTab(SettingsTabParams{Source: h.setSrc, T: tr, ui: now, background: now})
	h.fwSrc = &fakeFirmware{status: stagedStatus}
	h.fw = NewFirmwareTab(FirmwareTabParams{Source: h.fwSrc, T: tr, ui: now, background: queue})
	h.src = &fakeSource{devs: []app.DeviceSummary{dongle, headset}}
	h.w = NewMainWindow(MainWindowParams{App: a, Source: h.src, T: tr, Version: "1", DeviceTabs: []DeviceTab{h.set, h.fw}})
	h.w.Window().Resize(fyne.NewSize(1000, 800))
	t.Cleanup(h.w.Window().Close)
	h.w.ShowDevice(headset.ID)
	return h
}

func (h *leaveHarness) row(name string) *settingRow {
	for _, r := range h.set.rows {
		if r.field.Name == name {
			return r
		}
	}
	h.t.Fatalf("no row %s", name)
	return nil
}

func (h *leaveHarness) runLater() {
	fns := h.later
	h.later = nil
	for _, f := range fns {
		f()
	}
}

// TestDeviceLeavesAndReturns: the device leaves while its Settings tab
// holds an edit and its Firmware tab runs an update. The page stays,
// says the device is disconnected, keeps the edit and refuses to apply;
// the update ends saying where it stopped; all is live when it is back.
func TestDeviceLeavesAndReturns(t *testing.T) {
	h := newLeaveHarness(t)
	h.w.ShowTab(h.set)
	h.row("SIDETONE").sel.SetSelected("High")
	if h.set.apply.Disabled() || h.set.Pending() != 1 {
		t.Fatalf("the edit is not pending (apply disabled %v)", h.set.apply.Disabled())
	}
	h.w.ShowTab(h.fw)
	h.fw.startUpdate(headset.ID) // confirmed; runs in the background
	h.fwSrc.outcome = firmware.Outcome{Status: firmware.StatusFailure, Failure: "Unexpected failure", Lost: true, LostAt: 90,
		From: "2.0.0", To: "2.4.0"}

	h.src.set(dongle) // the headset leaves
	if h.w.current() != h.w.page.root {
		t.Fatal("the device page closed")
	}
	if h.set.Pending() != 1 || h.row("SIDETONE").value != "3" {
		t.Error("the pending edit was lost")
	}
	if !h.set.apply.Disabled() {
		t.Error("Apply is enabled for a device that is not there")
	}
	if !strings.Contains(h.set.notice.text, "disconnected") {
		t.Errorf("settings notice = %q", h.set.notice.text)
	}
	h.set.Apply()
	h.runLater() // the update ends: the device left at 90 %
	want := "Jabra Evolve2 85 was disconnected at 90 %; the file is kept"
	if h.fw.notice.text != want {
		t.Errorf("firmware notice = %q, want %q", h.fw.notice.text, want)
	}
	if !h.fw.update.Disabled() || !h.fw.stage.Disabled() {
		t.Error("firmware actions enabled while the device is gone")
	}
	n := FirmwareNotification(translations.New("en"), firmware.Notice{Kind: firmware.NoticeFailed, DeviceName: headset.DeviceName,
		Failure: "Unexpected failure", Lost: true, LostAt: 90})
	if n.Content != want {
		t.Errorf("notification = %q", n.Content)
	}

	back := headset
	back.ID = "h1-again" // re-attached under a new ID, the same Key
	h.fwSrc.mu.Lock()
	h.fwSrc.status.DeviceID = back.ID
	h.fwSrc.mu.Unlock()
	h.setSrc.mu.Lock()
	h.setSrc.form.DeviceID = back.ID
	h.setSrc.mu.Unlock()
	h.src.set(dongle, back)
	if h.w.current() != h.w.page.root {
		t.Fatal("the page did not stay for the returning device")
	}
	if h.set.gone || h.set.apply.Disabled() || h.row("SIDETONE").value != "3" {
		t.Errorf("settings not live with the edit kept after the return (gone %v)", h.set.gone)
	}
	if h.fw.notice.text != want {
		t.Errorf("the update's outcome left the tab on return: %q", h.fw.notice.text)
	}
	if h.fw.update.Disabled() {
		t.Error("Update stays disabled after the device returned")
	}
	if got := h.fwSrc.applied; len(got) != 1 {
		t.Errorf("applied = %v", got)
	}
}

// TestDiscardPendingChanges: Discard puts every edited setting back to its
// current value (not its default), and leaving a page with edits asks.
func TestDiscardPendingChanges(t *testing.T) {
	h := newLeaveHarness(t)
	h.w.ShowTab(h.set)
	side := h.row("SIDETONE")
	before := side.value
	side.sel.SetSelected("High")
	h.row("AUTO_OFF").slider.SetValue(30)
	if h.set.Pending() != 2 || !h.set.pending.Visible() || !strings.Contains(h.set.pending.Text, "2 changes not applied") {
		t.Fatalf("pending %d, line %q", h.set.Pending(), h.set.pending.Text)
	}

	// Leaving asks first; staying keeps the edits.
	h.w.leave(h.w.ShowList)
	if h.w.confirm == nil || h.w.current() != h.w.page.root {
		t.Fatal("leaving a page with edits did not ask")
	}
	tapButton(t, h.w.Window().Canvas(), "Keep editing")
	if h.w.current() != h.w.page.root || h.set.Pending() != 2 {
		t.Fatal("Keep editing left the page or dropped the edits")
	}

	test.Tap(h.set.discard)
	if h.set.Pending() != 0 || side.value != before || side.field.Value != before {
		t.Errorf("after Discard: pending %d, SIDETONE %q (was %q)", h.set.Pending(), side.value, before)
	}
	if !h.set.apply.Disabled() || !h.set.discard.Disabled() || h.set.pending.Visible() {
		t.Error("Apply/Discard enabled or the pending line shown with nothing pending")
	}
	// Nothing pending: leaving does not ask.
	h.w.leave(h.w.ShowList)
	if h.w.current() != h.w.list.root {
		t.Error("leaving without edits did not go to the list")
	}

	// With an edit, the dialog's Discard leaves and drops it.
	h.w.ShowDevice(headset.ID)
	h.w.ShowTab(h.set)
	side.sel.SetSelected("High")
	h.w.leave(h.w.ShowList)
	tapButton(t, h.w.Window().Canvas(), "Discard and leave")
	if h.w.current() != h.w.list.root || h.set.Pending() != 0 {
		t.Error("Discard and leave did not leave or kept the edit")
	}
}

// TestShortcutsWaitForDialogs: Ctrl+1…9 do nothing while a dialog is open.
func TestShortcutsWaitForDialogs(t *testing.T) {
	h := newLeaveHarness(t)
	h.w.ShowTab(h.set)
	h.row("SIDETONE").sel.SetSelected("High")
	h.w.leave(h.w.ShowList) // the dialog opens
	shortcut := &desktop.CustomShortcut{KeyName: fyne.Key1, Modifier: fyne.KeyModifierShortcutDefault}
	h.w.Window().Canvas().(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(shortcut)
	if h.w.current() != h.w.page.root {
		t.Error("Ctrl+1 acted behind an open dialog")
	}
	tapButton(t, h.w.Window().Canvas(), "Keep editing")
	h.row("SIDETONE").set(h.row("SIDETONE").field.Value)
	h.set.changed()
	h.w.Window().Canvas().(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(shortcut)
	if h.w.current() != h.w.list.root {
		t.Error("Ctrl+1 did nothing once the dialog closed")
	}
}

// tapButton taps the button of the top overlay (a dialog) labelled text.
func tapButton(t *testing.T, c fyne.Canvas, text string) {
	t.Helper()
	top := c.Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog open to tap %q in", text)
	}
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == text {
				found = x
			}
		case *fyne.Container:
			for _, k := range x.Objects {
				walk(k)
			}
		case fyne.Widget:
			r := test.TempWidgetRenderer(t, x)
			for _, k := range r.Objects() {
				walk(k)
			}
		}
	}
	walk(top)
	if found == nil {
		t.Fatalf("no button %q in the dialog", text)
	}
	test.Tap(found)
}
