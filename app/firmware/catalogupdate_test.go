package firmware

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
	"github.com/earshot-app/earshot/store"
)

// fixedCatalog lists the same releases for every model.
type fixedCatalog []Release

func (c fixedCatalog) Releases(uint16, uint16, string) []Release { return c }

// firmwareServer serves files on 127.0.0.1 and records the requests.
type firmwareServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	seen  []string // path?query of every request
	hold  chan struct{}
}

func newFirmwareServer(t *testing.T, files map[string][]byte) *firmwareServer {
	t.Helper()
	s := &firmwareServer{files: files}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.URL.RequestURI())
		body, ok := s.files[r.URL.Path]
		hold := s.hold
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		if hold != nil {
			// Half the file, then wait until the client gives up.
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body[:len(body)/2])
			w.(http.Flusher).Flush()
			select {
			case <-hold:
			case <-r.Context().Done():
			}
			return
		}
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestInstallFromCatalog(t *testing.T) {
	good := firmwaretest.Archive("2.0.0", []uint16{0x2465}, 3000)
	tests := []struct {
		name string
		// setup returns the catalog's release and the endpoint.
		setup     func(t *testing.T, f *updaterFixture, srv *firmwareServer) (Release, string)
		offered   string // the Offer's From, "" for no offer
		wantErr   string // "" for a successful update
		wantError error
		staged    string // the version staged afterwards ("" none)
	}{
		{
			name: "an absolute URL",
			setup: func(t *testing.T, f *updaterFixture, srv *firmwareServer) (Release, string) {
				return Release{Version: "2.0.0", URL: srv.URL + "/cdn/fw-2.0.0.zip", Notes: "• New"}, ""
			},
			offered: "/cdn/fw-2.0.0.zip",
		},
		{
			name: "a file in the catalog folder",
			setup: func(t *testing.T, f *updaterFixture, srv *firmwareServer) (Release, string) {
				afero.WriteFile(f.fs, "/etc/earshot/catalog/Firmware/fw-2.0.0.zip", good, 0o644)
				return Release{Version: "2.0.0", URL: "Firmware/fw-2.0.0.zip", Dir: "/etc/earshot/catalog"}, srv.URL + "/api/ep"
			},
			offered: "/etc/earshot/catalog/Firmware/fw-2.0.0.zip",
		},
		{
			name: "relative to the device-management endpoint, with its token",
			setup: func(t *testing.T, f *updaterFixture, srv *firmwareServer) (Release, string) {
				return Release{Version: "2.0.0", URL: "Firmware/fw-2.0.0.zip", Dir: "/etc/earshot/catalog"}, srv.URL + "/api/ep?Token=s3cret"
			},
			offered: "/api/ep/Firmware/fw-2.0.0.zip?Token=xxxxx",
		},
		{
			name: "a file for another product is refused before anything is staged",
			setup: func(t *testing.T, f *updaterFixture, srv *firmwareServer) (Release, string) {
				srv.files["/cdn/fw-2.0.0.zip"] = firmwaretest.Archive("2.0.0", []uint16{0x0987}, 3000)
				return Release{Version: "2.0.0", URL: srv.URL + "/cdn/fw-2.0.0.zip"}, ""
			},
			offered:   "/cdn/fw-2.0.0.zip",
			wantError: &WrongProductError{},
		},
		{
			name: "a damaged archive is refused",
			setup: func(t *testing.T, f *updaterFixture, srv *firmwareServer) (Release, string) {
				srv.files["/cdn/fw-2.0.0.zip"] = []byte("PK\x03\x04 not really a zip")
				return Release{Version: "2.0.0", URL: srv.URL + "/cdn/fw-2.0.0.zip"}, ""
			},
			offered:   "/cdn/fw-2.0.0.zip",
			wantError: ErrInvalidArchive,
		},
		{
			name: "a file that holds another version stays staged",
			setup: func(t *testing.T, f *updaterFixture, srv *firmwareServer) (Release, string) {
				srv.files["/cdn/fw-2.0.0.zip"] = firmwaretest.Archive("1.9.0", []uint16{0x2465}, 3000)
				return Release{Version: "2.0.0", URL: srv.URL + "/cdn/fw-2.0.0.zip"}, ""
			},
			offered: "/cdn/fw-2.0.0.zip",
			wantErr: "holds version 1.9.0, not the catalog's 2.0.0",
			staged:  "1.9.0",
		},
		{
			name: "not newer than the installed version",
			setup: func(t *testing.T, f *updaterFixture, srv *firmwareServer) (Release, string) {
				return Release{Version: "1.5.0", URL: srv.URL + "/cdn/fw-2.0.0.zip"}, ""
			},
			wantError: ErrNoOffer,
		},
		{
			name: "relative, neither in the folder nor with an endpoint",
			setup: func(t *testing.T, f *updaterFixture, srv *firmwareServer) (Release, string) {
				return Release{Version: "2.0.0", URL: "Firmware/fw-2.0.0.zip", Dir: "/etc/earshot/catalog"}, ""
			},
			wantError: ErrNoOffer,
		},
		{
			name: "a path out of the catalog folder",
			setup: func(t *testing.T, f *updaterFixture, srv *firmwareServer) (Release, string) {
				afero.WriteFile(f.fs, "/etc/earshot/fw-2.0.0.zip", good, 0o644)
				return Release{Version: "2.0.0", URL: "../fw-2.0.0.zip", Dir: "/etc/earshot/catalog"}, ""
			},
			wantError: ErrNoOffer,
		},
		{
			name: "another scheme",
			setup: func(t *testing.T, f *updaterFixture, srv *firmwareServer) (Release, string) {
				return Release{Version: "2.0.0", URL: "file:///etc/earshot/fw-2.0.0.zip", Dir: "/etc/earshot/catalog"}, srv.URL
			},
			wantError: ErrNoOffer,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newUpdaterFixture(t)
			srv := newFirmwareServer(t, map[string][]byte{"/cdn/fw-2.0.0.zip": good, "/api/ep/Firmware/fw-2.0.0.zip": good})
			rel, endpoint := tt.setup(t, f, srv)
			f.u.p.Catalog, f.u.p.Endpoint, f.u.p.Files = fixedCatalog{{Version: "1.0.0", URL: rel.URL}, rel}, endpoint, f.fs

			st, _ := f.u.Status("hs1")
			switch {
			case tt.offered == "" && st.Offer != nil:
				t.Fatalf("offered %+v", st.Offer)
			case tt.offered != "" && (st.Offer == nil || !strings.HasSuffix(st.Offer.From, tt.offered) || st.Offer.Version != rel.Version):
				t.Fatalf("offer = %+v, want one from …%s", st.Offer, tt.offered)
			}
			if st.Offer != nil && st.Offer.File != strings.HasPrefix(tt.offered, "/etc/") {
				t.Errorf("offer from %s says File %v", st.Offer.From, st.Offer.File)
			}
			if st.Offer != nil && strings.Contains(st.Offer.From, "s3cret") {
				t.Errorf("the offer shows the token: %s", st.Offer.From)
			}

			out, err := f.u.InstallFromCatalog(context.Background(), "hs1")
			switch {
			case tt.wantError != nil:
				if _, wrong := tt.wantError.(*WrongProductError); wrong {
					if !errors.As(err, new(*WrongProductError)) {
						t.Fatalf("err = %v, want a WrongProductError", err)
					}
				} else if !errors.Is(err, tt.wantError) {
					t.Fatalf("err = %v, want %v", err, tt.wantError)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			default:
				if err != nil || out.Status != StatusSuccess || out.To != "2.0.0" {
					t.Fatalf("outcome %+v, err %v", out, err)
				}
			}
			d, _ := f.devs.Device("hs1")
			updated := tt.wantErr == "" && tt.wantError == nil
			if (d.Firmware == "2.0.0") != updated || (f.devs.updates == 1) != updated {
				t.Errorf("device runs %s after %d updates; updated = %v wanted", d.Firmware, f.devs.updates, updated)
			}
			st, _ = f.u.Status("hs1")
			if got := stagedVersion(st); got != tt.staged {
				t.Errorf("staged afterwards %q, want %q", got, tt.staged)
			}
			if st.Live.Phase != PhaseIdle {
				t.Errorf("still %s", st.Live.Phase)
			}
			if updated {
				if st.Offer != nil {
					t.Errorf("still offered after the update: %+v", st.Offer)
				}
				if ev := f.events.got(); len(ev) != 1 || !strings.HasSuffix(ev[0], "Success") {
					t.Errorf("events %v", ev)
				}
			}
			if strings.Contains(tt.name, "token") {
				srv.mu.Lock()
				seen := strings.Join(srv.seen, " ")
				srv.mu.Unlock()
				if !strings.Contains(seen, "/api/ep/Firmware/fw-2.0.0.zip?Token=s3cret") {
					t.Errorf("requests %s lack the endpoint's token", seen)
				}
			}
		})
	}
}

func stagedVersion(s Status) string {
	if s.Staged == nil || s.Staged.State == store.FirmwareInstalled {
		return ""
	}
	return s.Staged.Version
}

// TestInstallFromCatalogCancel: cancelling during the download stops it;
// nothing is staged or installed, and the tab's progress ends.
func TestInstallFromCatalogCancel(t *testing.T) {
	f := newUpdaterFixture(t)
	srv := newFirmwareServer(t, map[string][]byte{"/fw.zip": firmwaretest.Archive("2.0.0", []uint16{0x2465}, 200_000)})
	srv.hold = make(chan struct{})
	defer close(srv.hold)
	f.u.p.Catalog = fixedCatalog{{Version: "2.0.0", URL: srv.URL + "/fw.zip"}}
	ctx, cancel := context.WithCancel(context.Background())
	downloading := make(chan struct{})
	var once sync.Once
	stop := f.u.Subscribe(func() {
		if s, _ := f.u.Status("hs1"); s.Live.Phase == PhaseDownloading && s.Live.Percent > 0 {
			once.Do(func() { close(downloading) })
		}
	})
	defer stop()
	done := make(chan error, 1)
	go func() {
		_, err := f.u.InstallFromCatalog(ctx, "hs1")
		done <- err
	}()
	<-downloading
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	st, _ := f.u.Status("hs1")
	if st.Staged != nil || f.devs.updates != 0 || st.Live.Phase != PhaseIdle {
		t.Fatalf("after the cancel: staged %+v, %d updates, phase %q", st.Staged, f.devs.updates, st.Live.Phase)
	}
	if st.Offer == nil {
		t.Error("the offer went with the cancel")
	}
}

// FuzzLocate: whatever firmwareFile a catalog holds, locate never panics, a
// file it picks lies inside the catalog's folder, and a URL it picks is
// http, https or ftp.
func FuzzLocate(f *testing.F) {
	for _, s := range []string{"Firmware/fw.zip", "../fw.zip", "/etc/passwd", "file:///etc/passwd", "c:\\fw.zip",
		"https://cdn.example/fw.zip", "//other:8080/fw.zip", "Firmware/../../fw.zip", "ftp://h/fw.zip", "javascript:x", ""} {
		f.Add(s)
	}
	fs := afero.NewMemMapFs()
	afero.WriteFile(fs, "/cat/Firmware/fw.zip", []byte("zip"), 0o644)
	afero.WriteFile(fs, "/fw.zip", []byte("zip"), 0o644)
	afero.WriteFile(fs, "/etc/passwd", []byte("root"), 0o644)
	u := NewUpdater(UpdaterParams{Files: fs, Endpoint: "https://dm.example/api/ep?Token=t",
		Stager: NewStager(StagerParams{Fs: fs, Dir: "/data/firmware"})})
	f.Fuzz(func(t *testing.T, ref string) {
		if len(ref) > 4096 {
			return
		}
		src, ok := u.locate(Release{Version: "2.0.0", URL: ref, Dir: "/cat"})
		if !ok {
			return
		}
		switch {
		case src.file != "":
			if !strings.HasPrefix(src.file, "/cat/") {
				t.Fatalf("%q names %s, outside the catalog folder", ref, src.file)
			}
		case !isURL(src.url):
			t.Fatalf("%q gives %q, not an http, https or ftp URL", ref, src.url)
		}
	})
}
