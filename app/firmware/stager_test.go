package firmware

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
)

// fileServer serves one file and can misbehave; it records the requests.
type fileServer struct {
	t    *testing.T
	data []byte
	// dropAt, when > 0, makes the first full or ranged answer stop after
	// that many bytes of the file by closing the connection.
	dropAt      int
	ignoreRange bool
	status      int // answer this status instead, when not 0
	noLength    bool

	mu       *sync.Mutex
	requests []*http.Request
	dropped  bool
}

func (f *fileServer) lock() {
	if f.mu == nil {
		panic("fileServer without a mutex")
	}
	f.mu.Lock()
}

func (f *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.lock()
	f.requests = append(f.requests, r.Clone(context.Background()))
	drop := f.dropAt > 0 && !f.dropped
	f.dropped = f.dropped || drop
	f.mu.Unlock()
	if f.status != 0 {
		w.WriteHeader(f.status)
		return
	}
	from := 0
	if rng := r.Header.Get("Range"); rng != "" && !f.ignoreRange {
		fmt.Sscanf(rng, "bytes=%d-", &from)
		if from >= len(f.data) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(f.data)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, len(f.data)-1, len(f.data)))
		if !f.noLength {
			w.Header().Set("Content-Length", fmt.Sprint(len(f.data)-from))
		}
		w.WriteHeader(http.StatusPartialContent)
	} else {
		if !f.noLength {
			w.Header().Set("Content-Length", fmt.Sprint(len(f.data)))
		}
		w.WriteHeader(http.StatusOK)
	}
	body := f.data[from:]
	if drop {
		w.Write(body[:f.dropAt-from])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			f.t.Error(err)
			return
		}
		conn.Close()
		return
	}
	w.Write(body)
}

func (f *fileServer) seen() []*http.Request {
	f.lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.requests...)
}

func newTestStager(fs afero.Fs) *Stager {
	return NewStager(StagerParams{Fs: fs, Dir: "/data/firmware", Backoff: time.Millisecond})
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestDownload(t *testing.T) {
	archive := firmwaretest.Archive("2.0.0", pids, 300_000)
	evil := firmwaretest.Zip(m("info.xml", info), m("app.bin", []byte{1}), m("../../../home/x/.bashrc", []byte("evil")))
	tests := []struct {
		name       string
		server     fileServer
		limit      int64
		wantErr    string
		wantRanges []string // the Range header of each request
	}{
		{name: "in one go", server: fileServer{data: archive}, wantRanges: []string{""}},
		{name: "resumed after the connection drops halfway", server: fileServer{data: archive, dropAt: len(archive) / 2},
			wantRanges: []string{"", fmt.Sprintf("bytes=%d-", len(archive)/2)}},
		{name: "resumed without lengths", server: fileServer{data: archive, dropAt: 1000, noLength: true},
			wantRanges: []string{"", "bytes=1000-"}},
		{name: "a server that ignores Range starts over", server: fileServer{data: archive, dropAt: 5000, ignoreRange: true},
			wantRanges: []string{"", "bytes=5000-"}},
		{name: "not found is not retried", server: fileServer{status: 404}, wantErr: "404", wantRanges: []string{""}},
		{name: "server errors are retried", server: fileServer{status: 503}, wantErr: "gave up after 3 attempts",
			wantRanges: []string{"", "", ""}},
		{name: "bigger than the limit by its length", server: fileServer{data: archive}, limit: 1000, wantErr: "more than the 1000"},
		{name: "bigger than the limit without a length", server: fileServer{data: archive, noLength: true}, limit: 1000,
			wantErr: "more than the 1000"},
		{name: "a zip with ../ is refused", server: fileServer{data: evil}, wantErr: `".." leaves`},
		{name: "not a zip", server: fileServer{data: []byte("<html>login</html>")}, wantErr: "not a zip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.server.t, tc.server.mu = t, &sync.Mutex{}
			srv := httptest.NewServer(&tc.server)
			defer srv.Close()
			fs := afero.NewMemMapFs()
			p := StagerParams{Fs: fs, Dir: "/data/firmware", Backoff: time.Millisecond, Attempts: 3}
			if tc.limit > 0 {
				p.Limits = DefaultLimits
				p.Limits.MaxArchive = tc.limit
			}
			s := NewStager(p)
			var last int64
			st, err := s.Download(context.Background(), "501AA5D6337F", Source{
				URL: srv.URL + "/api/ep/Firmware/fw-2.0.0.zip?Token=SECRET", UserAgent: "JabraClient/1.0 (test)",
				Username: "it", Password: "hunter2",
			}, func(done, total int64) { last = done })
			reqs := tc.server.seen()
			var ranges []string
			for _, r := range reqs {
				ranges = append(ranges, r.Header.Get("Range"))
				if u, pw, ok := r.BasicAuth(); !ok || u != "it" || pw != "hunter2" {
					t.Errorf("request without Basic auth: %v", r.Header)
				}
				if ua := r.Header.Get("User-Agent"); ua != "JabraClient/1.0 (test)" {
					t.Errorf("User-Agent = %q", ua)
				}
				if r.URL.Query().Get("Token") != "SECRET" {
					t.Errorf("query lost: %s", r.URL)
				}
			}
			if tc.wantRanges != nil && strings.Join(ranges, "|") != strings.Join(tc.wantRanges, "|") {
				t.Errorf("ranges = %q, want %q", ranges, tc.wantRanges)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "SECRET") {
					t.Errorf("error shows the token: %v", err)
				}
				files := listFiles(t, fs)
				if tc.server.status == 0 && len(files) > 0 {
					t.Errorf("left files behind: %v", files)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := afero.ReadFile(fs, st.Path)
			if !bytes.Equal(got, archive) || st.SHA256 != sha(archive) || st.Size != int64(len(archive)) {
				t.Fatalf("staged %d bytes (sha %s), want %d (%s)", len(got), st.SHA256, len(archive), sha(archive))
			}
			if st.Path != "/data/firmware/501AA5D6337F/fw-2.0.0.zip" || st.Info.Version != "2.0.0" {
				t.Errorf("staged = %+v", st)
			}
			if strings.Contains(st.Source, "SECRET") {
				t.Errorf("source shows the token: %s", st.Source)
			}
			if last != int64(len(archive)) {
				t.Errorf("last progress = %d", last)
			}
			if files := listFiles(t, fs); len(files) != 1 {
				t.Errorf("files = %v, want only the staged one", files)
			}
		})
	}
}

func listFiles(t *testing.T, fs afero.Fs) []string {
	t.Helper()
	var out []string
	_ = afero.Walk(fs, "/", func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestDownloadResumesAnEarlierPartialFile(t *testing.T) {
	archive := firmwaretest.Archive("2.0.0", pids, 100_000)
	srv := &fileServer{t: t, mu: &sync.Mutex{}, data: archive}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	fs := afero.NewMemMapFs()
	s := newTestStager(fs)
	src := Source{URL: ts.URL + "/fw.zip"}
	// A first call whose server drops at once and never comes back within
	// its attempts leaves the part; simulate it by writing the part.
	u := ts.URL + "/fw.zip"
	part := filepath.Join("/data/firmware/K", ".fw.zip."+shortHash(strings.Replace(u, "/fw.zip", "", 1)+"/fw.zip")+".part")
	if err := afero.WriteFile(fs, part, archive[:40_000], 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := s.Download(context.Background(), "K", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.seen()[0].Header.Get("Range"); got != "bytes=40000-" {
		t.Errorf("Range = %q, want bytes=40000-", got)
	}
	if st.SHA256 != sha(archive) {
		t.Error("wrong content")
	}
}

func TestDownloadCompletePartGets416(t *testing.T) {
	archive := firmwaretest.Archive("2.0.0", pids, 1000)
	srv := &fileServer{t: t, mu: &sync.Mutex{}, data: archive}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	fs := afero.NewMemMapFs()
	u := ts.URL + "/fw.zip"
	part := filepath.Join("/data/firmware/K", ".fw.zip."+shortHash(u)+".part")
	afero.WriteFile(fs, part, archive, 0o600)
	st, err := newTestStager(fs).Download(context.Background(), "K", Source{URL: u}, nil)
	if err != nil || st.SHA256 != sha(archive) {
		t.Fatalf("Download = %+v, %v", st, err)
	}
}

func TestDownloadStopsWithTheContext(t *testing.T) {
	srv := &fileServer{t: t, mu: &sync.Mutex{}, status: 503}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithCancel(context.Background())
	s := NewStager(StagerParams{Fs: afero.NewMemMapFs(), Dir: "/d", Backoff: time.Hour})
	go func() {
		for len(srv.seen()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := s.Download(ctx, "K", Source{URL: ts.URL + "/x.zip"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// TestDownloadOnARealFolder checks the temporary name, sync and rename on
// the OS's file system, whose rename semantics differ from MemMapFs.
func TestDownloadOnARealFolder(t *testing.T) {
	archive := firmwaretest.Archive("2.0.0", pids, 200_000)
	srv := &fileServer{t: t, mu: &sync.Mutex{}, data: archive, dropAt: 70_000}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	dir := t.TempDir()
	s := NewStager(StagerParams{Fs: afero.NewOsFs(), Dir: filepath.Join(dir, "firmware"), Backoff: time.Millisecond})
	// An older file of the same name is replaced.
	os.MkdirAll(filepath.Join(dir, "firmware", "K"), 0o700)
	os.WriteFile(filepath.Join(dir, "firmware", "K", "fw.zip"), []byte("old"), 0o600)
	st, err := s.Download(context.Background(), "K", Source{URL: ts.URL + "/fw.zip"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(st.Path)
	if err != nil || !bytes.Equal(got, archive) {
		t.Fatalf("staged file: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(st.Path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want the staged file only", len(entries))
	}
	fi, _ := os.Stat(st.Path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	if _, _, err := s.Verify(st.Path, st.SHA256); err != nil {
		t.Errorf("Verify: %v", err)
	}
	os.WriteFile(st.Path, append(got, 0), 0o600)
	if _, _, err := s.Verify(st.Path, st.SHA256); err == nil || !strings.Contains(err.Error(), "changed since") {
		t.Errorf("Verify after tampering = %v", err)
	}
}

func TestCopy(t *testing.T) {
	archive := firmwaretest.Archive("3.1.0", pids, 10_000)
	fs := afero.NewMemMapFs()
	afero.WriteFile(fs, "/home/it/Downloads/fw 3.1.zip", archive, 0o644)
	s := newTestStager(fs)
	st, err := s.Copy(context.Background(), "K", fs, "/home/it/Downloads/fw 3.1.zip")
	if err != nil {
		t.Fatal(err)
	}
	if st.Path != "/data/firmware/K/fw_3.1.zip" || st.Info.Version != "3.1.0" || st.SHA256 != sha(archive) {
		t.Fatalf("staged = %+v", st)
	}
	afero.WriteFile(fs, "/bad.zip", []byte("nope"), 0o644)
	if _, err := s.Copy(context.Background(), "K", fs, "/bad.zip"); !errors.Is(err, ErrInvalidArchive) {
		t.Fatalf("bad file: %v", err)
	}
	if _, err := s.Copy(context.Background(), "K", fs, "/missing.zip"); err == nil {
		t.Fatal("missing file staged")
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"fw.zip": "fw.zip", "": "firmware.zip", "/": "firmware.zip", "..": "firmware.zip", ".hidden": "hidden",
		"a/b": "a_b", "501AA5D6337F": "501AA5D6337F", "0B0E:2465:hs1": "0B0E_2465_hs1",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReplaceUnsafe holds the scan to the regular expression it replaced
// (`[^A-Za-z0-9._-]+` replaced by "_").
func TestReplaceUnsafe(t *testing.T) {
	re := regexp.MustCompile(`[^A-Za-z0-9._-]+`)
	cases := []struct{ name, in string }{
		{"safe", "Evolve2_65-v1.2.zip"},
		{"separators", `a/b\c:d`},
		{"run of unsafe bytes", "a  //  b"},
		{"multi-byte rune", "Jabra ·Evolve€"},
		{"invalid UTF-8", "a\xff\xfeb"},
		{"empty", ""},
		{"only unsafe", "***"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, want := replaceUnsafe(c.in), re.ReplaceAllString(c.in, "_"); got != want {
				t.Errorf("replaceUnsafe(%q) = %q, want %q", c.in, got, want)
			}
		})
	}
}

func FuzzReplaceUnsafe(f *testing.F) {
	re := regexp.MustCompile(`[^A-Za-z0-9._-]+`)
	for _, s := range []string{"a/b", "x\xffy", "€€", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := replaceUnsafe(s), re.ReplaceAllString(s, "_"); got != want {
			t.Errorf("replaceUnsafe(%q) = %q, want %q", s, got, want)
		}
	})
}
