package firmware

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/store"
)

// fakeDevices is a Devices whose UpdateFirmware the test scripts.
type fakeDevices struct {
	mu      sync.Mutex
	devs    map[string]device.Device
	update  func(id string, img device.FirmwareImage, progress func(int)) error
	updates int
	cannot  bool
}

func (f *fakeDevices) Device(id string) (device.Device, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.devs[id]
	return d.Clone(), ok
}

func (f *fakeDevices) Devices() []device.Device {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []device.Device
	for _, d := range f.devs {
		out = append(out, d.Clone())
	}
	return out
}

func (f *fakeDevices) UpdateFirmware(_ context.Context, id string, img device.FirmwareImage, progress func(int)) error {
	f.mu.Lock()
	f.updates++
	fn := f.update
	f.mu.Unlock()
	if fn == nil {
		progress(0)
		progress(100)
		f.mu.Lock()
		d := f.devs[id]
		d.Firmware = img.Version
		f.devs[id] = d
		f.mu.Unlock()
		return nil
	}
	return fn(id, img, progress)
}

func (f *fakeDevices) CanUpdateFirmware(string) bool { return !f.cannot }
func (f *fakeDevices) Docked(string) *bool           { return nil }

func (f *fakeDevices) detach(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.devs, id)
}

// fakeEvents records the FirmwareUpdateCompleted events, as committed.
type fakeEvents struct {
	mu     sync.Mutex
	events []string // "ESN version Success" or "ESN version Failure: description"
}

func (f *fakeEvents) FirmwareUpdateCompleted(_ *store.Tx, d device.Device, _ time.Time, failure device.FirmwareFailure) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := d.ESN + " " + d.Firmware + " Success"
	if failure != "" {
		s = d.ESN + " " + d.Firmware + " Failure: " + string(failure)
	}
	f.events = append(f.events, s)
	return nil
}

func (f *fakeEvents) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.events...)
}

type updaterFixture struct {
	u       *Updater
	devs    *fakeDevices
	events  *fakeEvents
	st      *store.Store
	fs      afero.Fs
	notices []Notice
	mu      sync.Mutex
}

var testHeadset = device.Device{Info: device.Info{ID: "hs1", Kind: device.KindHeadset, Name: "Jabra Evolve2 85",
	VendorID: 0x0B0E, ProductID: 0x2465, Variant: "01-3D", ESN: "501AA5D6337F", Firmware: "1.5.0", Connection: device.ConnUSB},
	State: device.State{Battery: &device.Battery{Level: 80}}}

func newUpdaterFixture(t *testing.T) *updaterFixture {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &updaterFixture{st: st, fs: afero.NewMemMapFs(), events: &fakeEvents{},
		devs: &fakeDevices{devs: map[string]device.Device{"hs1": testHeadset.Clone()}}}
	f.u = NewUpdater(UpdaterParams{
		Devices: f.devs, Store: st, Events: f.events,
		Stager: NewStager(StagerParams{Fs: f.fs, Dir: "/data/firmware", Backoff: time.Millisecond, Attempts: 2}),
		Notify: func(n Notice) {
			f.mu.Lock()
			f.notices = append(f.notices, n)
			f.mu.Unlock()
		},
		UserAgent: func(d device.Device) string { return "JabraClient/1.0 (ESN=" + d.ESN + ")" },
	})
	return f
}

func serve(t *testing.T, body []byte) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) }))
	t.Cleanup(srv.Close)
	return srv.URL + "/fw.zip"
}

func TestRunManaged(t *testing.T) {
	good := firmwaretest.Archive("2.0.0", []uint16{0x2465}, 4000, "de-DE")
	tests := []struct {
		name        string
		job         ManagedJob
		archive     []byte
		update      func(f *updaterFixture) func(string, device.FirmwareImage, func(int)) error
		wantStatus  string
		wantFailure device.FirmwareFailure
		wantErr     bool
		wantEvents  []string
		wantState   string // of the staged record; "" = none
		wantFile    bool   // the staged file is still there
		wantNotices []NoticeKind
	}{
		{name: "update succeeds", job: ManagedJob{Version: "2.0.0"}, archive: good, wantStatus: StatusSuccess,
			wantEvents: []string{"501AA5D6337F 2.0.0 Success"}, wantState: store.FirmwareInstalled,
			wantNotices: []NoticeKind{NoticeStarting, NoticeSucceeded}},
		{name: "same version: nothing to do", job: ManagedJob{Version: "1.5"}, archive: good},
		{name: "same version with a language runs the update", job: ManagedJob{Version: "2.0.0", Language: "de-DE"}, archive: good,
			wantStatus: StatusSuccess, wantEvents: []string{"501AA5D6337F 2.0.0 Success"}, wantState: store.FirmwareInstalled,
			wantNotices: []NoticeKind{NoticeStarting, NoticeSucceeded}},
		{name: "language not in the file", job: ManagedJob{Version: "2.0.0", Language: "ja-JP"}, archive: good,
			wantStatus: StatusFailure, wantFailure: device.FailureLanguageNotFound,
			wantEvents: []string{"501AA5D6337F 1.5.0 Failure: Language not found in firmware file"}, wantState: store.FirmwareFailed,
			wantFile: true, wantNotices: []NoticeKind{NoticeFailed}},
		{name: "downgrade refused before any download", job: ManagedJob{Version: "1.0.0"}, archive: good,
			wantStatus: StatusFailure, wantFailure: device.FailureDowngrade,
			wantEvents:  []string{"501AA5D6337F 1.5.0 Failure: Downgrade is not allowed for this product"},
			wantNotices: []NoticeKind{NoticeFailed}},
		{name: "downgrade allowed", job: ManagedJob{Version: "1.0.0", AllowDowngrade: true},
			archive: firmwaretest.Archive("1.0.0", []uint16{0x2465}, 100), wantStatus: StatusSuccess,
			wantEvents: []string{"501AA5D6337F 1.0.0 Success"}, wantState: store.FirmwareInstalled,
			wantNotices: []NoticeKind{NoticeStarting, NoticeSucceeded}},
		{name: "the archive says older than the answer", job: ManagedJob{Version: "2.0.0"},
			archive: firmwaretest.Archive("1.0.0", []uint16{0x2465}, 100), wantStatus: StatusFailure, wantFailure: device.FailureDowngrade,
			wantEvents: []string{"501AA5D6337F 1.5.0 Failure: Downgrade is not allowed for this product"}, wantState: store.FirmwareFailed,
			wantFile: true, wantNotices: []NoticeKind{NoticeFailed}},
		{name: "another product's archive", job: ManagedJob{Version: "2.0.0"},
			archive: firmwaretest.Archive("2.0.0", []uint16{0x9999}, 100), wantStatus: StatusFailure, wantFailure: device.FailureFileMismatch,
			wantEvents: []string{"501AA5D6337F 1.5.0 Failure: Firmware file does not match the device"}, wantState: store.FirmwareFailed,
			wantFile: true, wantNotices: []NoticeKind{NoticeFailed}},
		{name: "a zip with ../ is refused", job: ManagedJob{Version: "2.0.0"},
			archive:    firmwaretest.Zip(m("info.xml", info), m("app.bin", []byte{1}), m("../x", nil)),
			wantStatus: StatusFailure, wantFailure: device.FailureUnexpected,
			wantEvents: []string{"501AA5D6337F 1.5.0 Failure: Unexpected failure"}, wantNotices: []NoticeKind{NoticeFailed}},
		{name: "the device refuses", job: ManagedJob{Version: "2.0.0"}, archive: good,
			update: func(*updaterFixture) func(string, device.FirmwareImage, func(int)) error {
				return func(string, device.FirmwareImage, func(int)) error {
					return &device.FirmwareError{Failure: device.FailureNotDocked}
				}
			},
			wantStatus: StatusFailure, wantFailure: device.FailureNotDocked,
			wantEvents: []string{"501AA5D6337F 1.5.0 Failure: Headset needs to be docked"}, wantState: store.FirmwareFailed,
			wantFile: true, wantNotices: []NoticeKind{NoticeStarting, NoticeFailed}},
		{name: "device lost mid-update keeps the file", job: ManagedJob{Version: "2.0.0"}, archive: good,
			update: func(f *updaterFixture) func(string, device.FirmwareImage, func(int)) error {
				return func(id string, _ device.FirmwareImage, progress func(int)) error {
					progress(40)
					f.devs.detach(id)
					return device.ErrDeviceLost
				}
			},
			wantStatus: StatusFailure, wantFailure: device.FailureUnexpected,
			wantEvents: []string{"501AA5D6337F 1.5.0 Failure: Unexpected failure"}, wantState: store.FirmwareFailed,
			wantFile: true, wantNotices: []NoticeKind{NoticeStarting, NoticeFailed}},
		{name: "download fails: an error, no outcome", job: ManagedJob{Version: "2.0.0", URL: "http://127.0.0.1:1/fw.zip"},
			archive: good, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newUpdaterFixture(t)
			if tc.update != nil {
				f.devs.update = tc.update(f)
			}
			job := tc.job
			if job.URL == "" {
				job.URL = serve(t, tc.archive)
			}
			var also []Outcome
			job.Also = func(_ *store.Tx, o Outcome) error { also = append(also, o); return nil }
			out, err := f.u.RunManaged(context.Background(), f.devs.devs["hs1"], job)
			if (err != nil) != tc.wantErr {
				t.Fatalf("RunManaged error = %v, want error %v", err, tc.wantErr)
			}
			if out.Status != tc.wantStatus || out.Failure != tc.wantFailure {
				t.Fatalf("outcome = %+v, want %s %q", out, tc.wantStatus, tc.wantFailure)
			}
			if got := f.events.got(); strings.Join(got, "|") != strings.Join(tc.wantEvents, "|") {
				t.Errorf("events = %q, want %q", got, tc.wantEvents)
			}
			if (tc.wantStatus != "") != (len(also) == 1) {
				t.Errorf("Also ran %d times", len(also))
			}
			rec, found, _ := f.st.StagedFirmware(testHeadset.Key())
			if found != (tc.wantState != "") || rec.State != tc.wantState {
				t.Errorf("staged record = %+v (found %v), want state %q", rec, found, tc.wantState)
			}
			if found && f.u.p.Stager.Exists(rec.Path) != tc.wantFile {
				t.Errorf("staged file exists = %v, want %v", !tc.wantFile, tc.wantFile)
			}
			hist, _ := f.st.FirmwareUpdates(testHeadset.Key(), 0)
			if len(hist) != len(tc.wantEvents) {
				t.Errorf("history = %+v", hist)
			}
			var kinds []NoticeKind
			for _, n := range f.notices {
				kinds = append(kinds, n.Kind)
			}
			if len(kinds) != len(tc.wantNotices) || (len(kinds) > 0 && kinds[0] != tc.wantNotices[0]) {
				t.Errorf("notices = %v, want %v", kinds, tc.wantNotices)
			}
			if f.u.Busy() {
				t.Error("still busy")
			}
		})
	}
}

func TestRunManagedReusesTheStagedFile(t *testing.T) {
	f := newUpdaterFixture(t)
	var requests int
	archive := firmwaretest.Archive("2.0.0", []uint16{0x2465}, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { requests++; w.Write(archive) }))
	defer srv.Close()
	f.devs.update = func(string, device.FirmwareImage, func(int)) error { return device.ErrDeviceLost }
	job := ManagedJob{URL: srv.URL + "/fw.zip", Version: "2.0.0"}
	if _, err := f.u.RunManaged(context.Background(), testHeadset, job); err != nil {
		t.Fatal(err)
	}
	f.devs.update = nil
	out, err := f.u.RunManaged(context.Background(), testHeadset, job)
	if err != nil || out.Status != StatusSuccess {
		t.Fatalf("second run = %+v, %v", out, err)
	}
	if requests != 1 {
		t.Errorf("downloaded %d times, want once", requests)
	}
}

func TestStageAndApply(t *testing.T) {
	f := newUpdaterFixture(t)
	afero.WriteFile(f.fs, "/home/it/fw.zip", firmwaretest.Archive("2.1.0", []uint16{0x2465}, 1000), 0o644)
	if _, err := f.u.Apply(context.Background(), "hs1"); !errors.Is(err, ErrNothingStaged) {
		t.Fatalf("Apply without a staged file = %v", err)
	}
	rec, err := f.u.StageFile(context.Background(), "hs1", f.fs, "/home/it/fw.zip")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Managed || rec.State != store.FirmwareStaged || rec.Version != "2.1.0" {
		t.Fatalf("staged = %+v", rec)
	}
	if f.devs.updates != 0 {
		t.Fatal("staging by hand started an update")
	}
	out, err := f.u.Apply(context.Background(), "hs1")
	if err != nil || out.Status != StatusSuccess || out.To != "2.1.0" {
		t.Fatalf("Apply = %+v, %v", out, err)
	}
	if got := f.events.got(); len(got) != 1 || got[0] != "501AA5D6337F 2.1.0 Success" {
		t.Errorf("events = %q", got)
	}
	for _, n := range f.notices {
		if n.Kind == NoticeStarting {
			t.Error("a confirmed update was announced as starting by itself")
		}
	}
	if _, err := f.u.Apply(context.Background(), "hs1"); !errors.Is(err, ErrNothingStaged) {
		t.Fatalf("Apply after install = %v", err)
	}
}

func TestApplyHonoursAllowDowngrade(t *testing.T) {
	f := newUpdaterFixture(t)
	afero.WriteFile(f.fs, "/old.zip", firmwaretest.Archive("1.0.0", []uint16{0x2465}, 100), 0o644)
	if _, err := f.u.StageFile(context.Background(), "hs1", f.fs, "/old.zip"); err != nil {
		t.Fatal(err)
	}
	out, _ := f.u.Apply(context.Background(), "hs1")
	if out.Failure != device.FailureDowngrade {
		t.Fatalf("Apply of an older version = %+v", out)
	}
	f.u.p.AllowDowngrade = func(key string) bool { return key == "501AA5D6337F" }
	out, _ = f.u.Apply(context.Background(), "hs1")
	if out.Status != StatusSuccess {
		t.Fatalf("Apply with ALLOW_DOWNGRADE = %+v", out)
	}
}

func TestRecover(t *testing.T) {
	f := newUpdaterFixture(t)
	f.st.SaveDevice(store.DeviceRecord{Key: "501AA5D6337F", ESN: "501AA5D6337F", Name: "Jabra", Firmware: "1.5.0"}, time.Now())
	f.st.Write(context.Background(), func(tx *store.Tx) error {
		return tx.PutStagedFirmware(store.StagedFirmware{DeviceKey: "501AA5D6337F", Path: "/x.zip", Version: "2.0.0", State: store.FirmwareUpdating})
	})
	if err := f.u.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec, _, _ := f.st.StagedFirmware("501AA5D6337F")
	if rec.State != store.FirmwareFailed {
		t.Errorf("state = %q", rec.State)
	}
	if got := f.events.got(); len(got) != 1 || !strings.Contains(got[0], "Unexpected failure") {
		t.Errorf("events = %q", got)
	}
}

// TestStageRefusesAnotherProduct: a file whose targetUsbPids do not name the
// device is refused when staged by hand (file or URL), the file staged
// before stays, and nothing new is recorded.
func TestStageRefusesAnotherProduct(t *testing.T) {
	tests := []struct {
		name string
		pids []uint16
		ok   bool
	}{
		{name: "another product", pids: []uint16{0x0987}},
		{name: "several, none the device's", pids: []uint16{0x0987, 0x30A4}},
		{name: "the device's among others", pids: []uint16{0x0987, 0x2465}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newUpdaterFixture(t)
			afero.WriteFile(f.fs, "/a/fw.zip", firmwaretest.Archive("2.1.0", []uint16{0x2465}, 1000), 0o644)
			good, err := f.u.StageFile(context.Background(), "hs1", f.fs, "/a/fw.zip")
			if err != nil {
				t.Fatal(err)
			}
			// The same file name: a refusal must not replace the good file.
			afero.WriteFile(f.fs, "/b/fw.zip", firmwaretest.Archive("2.2.0", tt.pids, 1000), 0o644)
			_, err = f.u.StageFile(context.Background(), "hs1", f.fs, "/b/fw.zip")
			var wrong *WrongProductError
			if tt.ok {
				if err != nil {
					t.Fatalf("staging a file for the device: %v", err)
				}
				return
			}
			if !errors.As(err, &wrong) || !strings.Contains(err.Error(), "2465") {
				t.Fatalf("err = %v, want a WrongProductError naming 2465", err)
			}
			st, ok := f.u.Status("hs1")
			if !ok || st.Staged == nil || st.Staged.Version != "2.1.0" || !st.CanUpdate {
				t.Fatalf("status after the refusal = %+v", st.Staged)
			}
			if _, err := f.u.Apply(context.Background(), "hs1"); err != nil {
				t.Fatalf("the file staged before cannot be applied: %v (%s)", err, good.Path)
			}
		})
	}
}
