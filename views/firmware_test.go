//go:build ci

package views

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/translations"
	"github.com/earshot-app/earshot/translations/translationstest"
)

// fakeFirmware is a FirmwareSource over one status; Apply and Stage record
// their calls.
type fakeFirmware struct {
	mu       sync.Mutex
	status   firmware.Status
	applied  []string
	staged   []string
	onChange func()
	outcome  firmware.Outcome
}

func (f *fakeFirmware) Status(id string) (firmware.Status, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id != f.status.DeviceID {
		return firmware.Status{}, false
	}
	return f.status, true
}

func (f *fakeFirmware) Stage(_ context.Context, id, source string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.staged = append(f.staged, id+" "+source)
	f.status.Staged = &firmware.StagedView{File: "fw.zip", Version: "9.9.9", State: "staged"}
	return nil
}

func (f *fakeFirmware) Apply(_ context.Context, id string) (firmware.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = append(f.applied, id)
	return f.outcome, nil
}

func (f *fakeFirmware) InstallFromCatalog(_ context.Context, id string) (firmware.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = append(f.applied, "catalog "+id)
	return f.outcome, nil
}

func (f *fakeFirmware) Subscribe(onChange func()) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onChange = onChange
	return func() {}
}

// set replaces the status and reports the change, as the updater does.
func (f *fakeFirmware) set(s firmware.Status) {
	f.mu.Lock()
	f.status = s
	fn := f.onChange
	f.mu.Unlock()
	fn()
}

var stagedStatus = firmware.Status{
	DeviceID: headset.ID, DeviceKey: headset.Key, DeviceName: headset.DeviceName, Installed: "2.0.0", CanUpdate: true,
	Catalog:  firmware.Release{Version: "2.4.0", Notes: "• New: sidetone levels"},
	Endpoint: "2.1.0", EndpointOutcome: "Battery level too low for firmware update",
	Staged: &firmware.StagedView{File: "Jabra-Evolve2-85-2.4.0.zip", Version: "2.4.0", Source: "/home/it/fw.zip",
		SHA256: strings.Repeat("ab", 32), Size: 4_200_000, StagedAt: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		State: "staged", Notes: "• New: sidetone levels\n• Fixed: pairing"},
	History: []firmware.HistoryEntry{
		{At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), From: "1.9.0", To: "2.0.0", Status: "Success", Managed: true},
		{At: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), From: "1.9.0", To: "2.0.0", Status: "Failure",
			Failure: "Battery level too low for firmware update"},
	},
}

type firmwareHarness struct {
	t   *testing.T
	src *fakeFirmware
	tab *FirmwareTab
	win fyne.Window
}

func newFirmwareHarness(t *testing.T, s firmware.Status) *firmwareHarness {
	t.Helper()
	t.Setenv("LANG", "en_US.UTF-8")
	test.NewTempApp(t)
	src := &fakeFirmware{status: s, outcome: firmware.Outcome{Status: "Success", To: "2.4.0"}}
	now := func(f func()) { f() }
	var win fyne.Window
	tab := NewFirmwareTab(FirmwareTabParams{Source: src, T: translations.New("en"), ui: now, background: now,
		Window: func() fyne.Window { return win }})
	win = test.NewWindow(tab.Content())
	win.Resize(fyne.NewSize(1000, 800))
	t.Cleanup(win.Close)
	tab.Show(headset)
	return &firmwareHarness{t: t, src: src, tab: tab, win: win}
}

func (h *firmwareHarness) shows(want ...string) {
	h.t.Helper()
	got := visibleText(h.tab.Content())
	for _, s := range want {
		if !strings.Contains(got, s) {
			h.t.Errorf("the tab does not show %q; it shows:\n%s", s, got)
		}
	}
}

// dialogText is the text of the pop-up on top, "" when none.
func (h *firmwareHarness) dialogText() string {
	top := h.win.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	return visibleText(top)
}

// tapDialogButton taps the button labelled text of the pop-up on top.
func (h *firmwareHarness) tapDialogButton(text string) {
	h.t.Helper()
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == text {
				found = x
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(h.win.Canvas().Overlays().Top())
	if found == nil {
		h.t.Fatalf("no button %q in the dialog: %s", text, h.dialogText())
	}
	test.Tap(found)
}

func TestFirmwareTabShowsEverything(t *testing.T) {
	h := newFirmwareHarness(t, stagedStatus)
	h.shows("Installed", "2.0.0", "Newest in the catalog", "2.4.0",
		"Offered by device management", "2.1.0", "Battery level too low",
		"Jabra-Evolve2-85-2.4.0.zip", "Ready — waiting for you to start the update", "by hand", "4.2 MB",
		"• New: sidetone levels", "1.9.0 → 2.0.0: updated", "1.9.0 → 2.0.0: Battery level too low for firmware update",
		"by device management")
	if h.tab.update.Disabled() {
		t.Error("Update now is disabled with a file staged")
	}
	if h.tab.working.Visible() {
		t.Error("the progress shows with nothing under way")
	}
}

func TestFirmwareTabNothingStaged(t *testing.T) {
	s := stagedStatus
	s.Staged, s.History, s.Catalog = nil, nil, firmware.Release{}
	h := newFirmwareHarness(t, s)
	h.shows("none", "No update yet.", "The catalog has no release notes for this device.")
	if !h.tab.update.Disabled() {
		t.Error("Update now is enabled with nothing staged")
	}
	h.tab.ConfirmUpdate()
	if h.dialogText() != "" {
		t.Error("a dialog opened with nothing staged")
	}
}

func TestFirmwareTabConfirmsWithReleaseNotes(t *testing.T) {
	h := newFirmwareHarness(t, stagedStatus)
	test.Tap(h.tab.update)
	got := h.dialogText()
	for _, want := range []string{"Update the firmware?", "Install firmware 2.4.0 on Jabra Evolve2 85 (now 2.0.0)?",
		"• Fixed: pairing", "Update", "Not now"} {
		if !strings.Contains(got, want) {
			t.Errorf("the dialog does not show %q; it shows:\n%s", want, got)
		}
	}
	if len(h.src.applied) != 0 {
		t.Fatal("the update started before it was confirmed")
	}
	h.tapDialogButton("Not now")
	if len(h.src.applied) != 0 {
		t.Fatal("cancelling started the update")
	}
	test.Tap(h.tab.update)
	h.tapDialogButton("Update")
	if len(h.src.applied) != 1 || h.src.applied[0] != headset.ID {
		t.Fatalf("applied = %v", h.src.applied)
	}
	h.shows("Updated: the device runs 2.4.0.")
}

func TestFirmwareTabShowsFailureOutcome(t *testing.T) {
	h := newFirmwareHarness(t, stagedStatus)
	h.src.outcome = firmware.Outcome{Status: "Failure", Failure: "Headset needs to be docked"}
	test.Tap(h.tab.update)
	h.tapDialogButton("Update")
	h.shows("The update failed: Headset needs to be docked. The staged file is kept.")
}

func TestFirmwareTabNotesWithoutCatalogEntry(t *testing.T) {
	s := stagedStatus
	st := *s.Staged
	st.Notes = ""
	s.Staged = &st
	h := newFirmwareHarness(t, s)
	test.Tap(h.tab.update)
	if got := h.dialogText(); !strings.Contains(got, "The catalog has no release notes for version 2.4.0.") {
		t.Errorf("dialog: %s", got)
	}
}

func TestFirmwareTabProgress(t *testing.T) {
	h := newFirmwareHarness(t, stagedStatus)
	s := stagedStatus
	st := *s.Staged
	st.State = "updating"
	s.Staged, s.Live = &st, firmware.Live{Phase: firmware.PhaseUpdating, Percent: 45, Managed: true}
	h.src.set(s)
	if !h.tab.working.Visible() || !h.tab.progress.Visible() || h.tab.progress.Value != 0.45 {
		t.Fatalf("progress visible %v, value %v", h.tab.working.Visible(), h.tab.progress.Value)
	}
	h.shows("Updating Jabra Evolve2 85 — keep it connected until the update ends.")
	if !h.tab.update.Disabled() || !h.tab.stage.Disabled() {
		t.Error("actions enabled during an update")
	}
	s.Live = firmware.Live{Phase: firmware.PhaseDownloading, Percent: -1}
	h.src.set(s)
	if !h.tab.infinite.Visible() || h.tab.progress.Visible() {
		t.Error("a download of unknown size shows no running bar")
	}
	s = stagedStatus
	h.src.set(s)
	if h.tab.working.Visible() {
		t.Error("the progress stays after the work")
	}
}

func TestFirmwareTabStageFile(t *testing.T) {
	s := stagedStatus
	s.Staged = nil
	h := newFirmwareHarness(t, s)
	h.tab.StageFile("/tmp/fw.zip")
	if len(h.src.staged) != 1 || h.src.staged[0] != headset.ID+" /tmp/fw.zip" {
		t.Fatalf("staged = %v", h.src.staged)
	}
	h.shows("Staged. Check the release notes, then choose Update now.", "fw.zip")
	if len(h.src.applied) != 0 {
		t.Error("staging by hand started an update")
	}
}

func TestFirmwareTabApplies(t *testing.T) {
	h := newFirmwareHarness(t, stagedStatus)
	if !h.tab.Applies(headset) {
		t.Error("does not apply to a headset")
	}
	for _, d := range []struct{ kind string }{{"busylight"}, {"other"}} {
		x := headset
		x.Kind = d.kind
		if h.tab.Applies(x) {
			t.Errorf("applies to a %s", d.kind)
		}
	}
	if h.tab.Applies(speak) {
		t.Error("applies to a device the source does not know")
	}
}

func TestFirmwareNotification(t *testing.T) {
	tr := translations.New("en")
	n := FirmwareNotification(tr, firmware.Notice{Kind: firmware.NoticeStarting, DeviceName: "Jabra Evolve2 85", Version: "2.4.0", Managed: true})
	if n.Title != "Firmware update starting" || !strings.Contains(n.Content, "Keep it connected") {
		t.Errorf("starting: %+v", n)
	}
	n = FirmwareNotification(tr, firmware.Notice{Kind: firmware.NoticeFailed, DeviceName: "X", Failure: "Unexpected failure"})
	if n.Title != "Firmware update failed" || n.Content != "X: Unexpected failure." {
		t.Errorf("failed: %+v", n)
	}
}

func TestFirmwareTranslationsExist(t *testing.T) {
	translationstest.UsedKeysExist(t, ".", 1)
}
