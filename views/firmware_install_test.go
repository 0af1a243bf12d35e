//go:build ci

package views

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/store"
	"github.com/earshot-app/earshot/translations"
)

// The tests of "Download and install" run the real Updater, Stager and store
// behind the tab; only the device is a fake (the tab never sees it).

// installDevices is one headset whose update takes a few steps.
type installDevices struct {
	mu  sync.Mutex
	dev device.Device
	ran int
}

func (d *installDevices) Device(id string) (device.Device, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dev.Clone(), id == d.dev.ID
}

func (d *installDevices) Devices() []device.Device {
	d.mu.Lock()
	defer d.mu.Unlock()
	return []device.Device{d.dev.Clone()}
}

func (d *installDevices) UpdateFirmware(_ context.Context, _ string, img device.FirmwareImage, progress func(int)) error {
	for _, p := range []int{0, 50, 100} {
		progress(p)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ran++
	d.dev.Firmware = img.Version
	return nil
}

func (d *installDevices) CanUpdateFirmware(string) bool { return true }
func (d *installDevices) Docked(string) *bool           { return nil }

type installCatalog []firmware.Release

func (c installCatalog) Releases(uint16, uint16, string) []firmware.Release { return c }

var installHeadset = device.Device{Info: device.Info{ID: headset.ID, Kind: device.KindHeadset, Name: "Jabra Evolve2 85",
	VendorID: 0x0B0E, ProductID: 0x30A4, Variant: "01-96", ESN: headset.Key, Firmware: "1.25.0", Connection: device.ConnUSB},
	State: device.State{Battery: &device.Battery{Level: 80}}}

// installServer serves one archive on 127.0.0.1; with hold set it sends half
// and waits until released (or the client leaves).
type installServer struct {
	*httptest.Server
	body    []byte
	hold    chan struct{}
	holding chan struct{} // closed once a request waits in hold
	once    sync.Once
}

func newInstallServer(t *testing.T, body []byte, hold bool) *installServer {
	s := &installServer{body: body, holding: make(chan struct{})}
	if hold {
		s.hold = make(chan struct{})
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.hold == nil {
			w.Write(s.body)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(s.body)))
		w.Write(s.body[:len(s.body)/2])
		w.(http.Flusher).Flush()
		s.once.Do(func() { close(s.holding) })
		select {
		case <-s.hold:
			w.Write(s.body[len(s.body)/2:])
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(s.Close)
	return s
}

type installHarness struct {
	t     *testing.T
	devs  *installDevices
	u     *firmware.Updater
	tab   *FirmwareTab
	win   fyne.Window
	queue chan func()
}

func newInstallHarness(t *testing.T, rel firmware.Release, fs afero.Fs) *installHarness {
	t.Helper()
	t.Setenv("LANG", "en_US.UTF-8")
	test.NewTempApp(t)
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &installHarness{t: t, devs: &installDevices{dev: installHeadset.Clone()}, queue: make(chan func(), 1024)}
	h.u = firmware.NewUpdater(firmware.UpdaterParams{Devices: h.devs, Store: st, Files: fs,
		Stager:  firmware.NewStager(firmware.StagerParams{Fs: fs, Dir: "/data/firmware", Attempts: 1}),
		Catalog: installCatalog{{Version: "1.24.0"}, rel}})
	var win fyne.Window
	h.tab = NewFirmwareTab(FirmwareTabParams{Source: h.u, T: translations.New("en"),
		ui: func(f func()) { h.queue <- f }, background: func(f func()) { go f() },
		Window: func() fyne.Window { return win }})
	win = test.NewWindow(h.tab.Content())
	win.Resize(fyne.NewSize(1000, 800))
	h.win = win
	t.Cleanup(win.Close)
	d := app.Summaries([]device.Device{installHeadset})[0]
	h.tab.Show(d)
	return h
}

// until runs the tab's UI work until cond holds.
func (h *installHarness) until(what string, cond func() bool) {
	h.t.Helper()
	timeout := time.After(20 * time.Second)
	for !cond() {
		select {
		case f := <-h.queue:
			f()
		case <-timeout:
			h.t.Fatalf("waited in vain for %s; the tab shows:\n%s", what, visibleText(h.tab.Content()))
		}
	}
}

func (h *installHarness) notice() string { return h.tab.notice.text }

// confirm taps Download and install, checks the dialog and confirms it.
func (h *installHarness) confirm(from string) {
	h.t.Helper()
	if !h.tab.install.Visible() || h.tab.install.Disabled() {
		h.t.Fatalf("Download and install is not offered; the tab shows:\n%s", visibleText(h.tab.Content()))
	}
	test.Tap(h.tab.install)
	fh := &firmwareHarness{t: h.t, tab: h.tab, win: h.win}
	got := strings.Join(strings.Fields(fh.dialogText()), " ")
	verb := "downloads the file from"
	if strings.HasPrefix(from, "/etc/") {
		verb = "copies the file from"
	}
	for _, want := range []string{"Install firmware 1.27.0 on Jabra Evolve2 85 (now 1.25.0)?", verb,
		"• Voice prompts in Japanese"} {
		if !strings.Contains(got, want) {
			h.t.Errorf("the dialog lacks %q:\n%s", want, got)
		}
	}
	// The path may wrap after a slash.
	if !strings.Contains(strings.ReplaceAll(got, " ", ""), from) {
		h.t.Errorf("the dialog does not say the file comes from %s:\n%s", from, got)
	}
	fh.tapDialogButton("Download and install")
}

func TestFirmwareTabDownloadAndInstall(t *testing.T) {
	good := firmwaretest.Archive("1.27.0", []uint16{0x30A4}, 300_000)
	other := firmwaretest.Archive("1.27.0", []uint16{0x0987}, 3000)
	notes := "• Voice prompts in Japanese"
	tests := []struct {
		name   string
		setup  func(t *testing.T, fs afero.Fs) (firmware.Release, *installServer)
		from   string
		notice string
		// cancel taps Cancel download while the download waits.
		cancel  bool
		updated bool
	}{
		{name: "from a URL on 127.0.0.1",
			setup: func(t *testing.T, fs afero.Fs) (firmware.Release, *installServer) {
				srv := newInstallServer(t, good, true)
				return firmware.Release{Version: "1.27.0", URL: srv.URL + "/Firmware/fw-1.27.0.zip", Notes: notes}, srv
			},
			from: "/Firmware/fw-1.27.0.zip", notice: "Updated: the device runs 1.27.0.", updated: true},
		{name: "from a file in the catalog folder",
			setup: func(t *testing.T, fs afero.Fs) (firmware.Release, *installServer) {
				afero.WriteFile(fs, "/etc/earshot/catalog/Firmware/fw-1.27.0.zip", good, 0o644)
				return firmware.Release{Version: "1.27.0", URL: "Firmware/fw-1.27.0.zip", Notes: notes, Dir: "/etc/earshot/catalog"}, nil
			},
			from: "/etc/earshot/catalog/Firmware/fw-1.27.0.zip", notice: "Updated: the device runs 1.27.0.", updated: true},
		{name: "a file for another product is refused",
			setup: func(t *testing.T, fs afero.Fs) (firmware.Release, *installServer) {
				srv := newInstallServer(t, other, false)
				return firmware.Release{Version: "1.27.0", URL: srv.URL + "/fw.zip", Notes: notes}, srv
			},
			from: "/fw.zip", notice: "Firmware 1.27.0 was not installed: download firmware http://127.0.0.1:*/fw.zip: the archive is for product ids 0987, not this device's 30A4; nothing was staged"},
		{name: "cancelled during the download",
			setup: func(t *testing.T, fs afero.Fs) (firmware.Release, *installServer) {
				srv := newInstallServer(t, good, true)
				return firmware.Release{Version: "1.27.0", URL: srv.URL + "/fw.zip", Notes: notes}, srv
			},
			from: "/fw.zip", cancel: true, notice: "Download cancelled; nothing was installed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := afero.NewMemMapFs()
			rel, srv := tt.setup(t, fs)
			h := newInstallHarness(t, rel, fs)
			h.confirm(tt.from)
			if srv != nil && srv.hold != nil {
				// The download waits half-way: the tab shows its progress
				// and offers to cancel it; nothing else can start.
				<-srv.holding
				h.until("the download's progress", func() bool {
					return h.tab.working.Visible() && h.tab.cancel.Visible() && h.tab.progress.Visible() && h.tab.progress.Value > 0
				})
				h.tab.fit() // what the canvas does each frame
				if !strings.Contains(visibleText(h.tab.Content()), "Downloading") {
					t.Errorf("no download phase shown:\n%s", visibleText(h.tab.Content()))
				}
				if !h.tab.stage.Disabled() || !h.tab.update.Disabled() || !h.tab.install.Disabled() {
					t.Error("actions stay enabled during the download")
				}
				if tt.cancel {
					test.Tap(h.tab.cancel)
				} else {
					close(srv.hold)
				}
			}
			h.until("the outcome", func() bool { return h.notice() != "" && !h.tab.busy })
			if got := strings.Join(strings.Fields(h.notice()), " "); !matchStar(got, tt.notice) {
				t.Errorf("notice %q, want %q", got, tt.notice)
			}
			d, _ := h.devs.Device(headset.ID)
			if updated := d.Firmware == "1.27.0" && h.devs.ran == 1; updated != tt.updated {
				t.Errorf("device runs %s after %d updates", d.Firmware, h.devs.ran)
			}
			h.until("the progress to go", func() bool { return !h.tab.working.Visible() && !h.tab.cancel.Visible() })
			s, _ := h.u.Status(headset.ID)
			if !tt.updated && s.Staged != nil {
				t.Errorf("a refused or cancelled file is staged: %+v", s.Staged)
			}
			if h.tab.install.Visible() == tt.updated {
				t.Errorf("Download and install shown %v after the work (updated %v)", h.tab.install.Visible(), tt.updated)
			}
		})
	}
}

// matchStar tells whether s is pattern, where * stands for any run of
// characters without a space.
func matchStar(s, pattern string) bool {
	before, after, star := strings.Cut(pattern, "*")
	if !star {
		return s == pattern
	}
	rest, ok := strings.CutPrefix(s, before)
	if !ok {
		return false
	}
	i := strings.IndexAny(rest, " /")
	return i >= 0 && matchStar(rest[i:], after)
}
