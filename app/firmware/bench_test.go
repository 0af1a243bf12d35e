package firmware

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
)

// benchArchive is a 32 MiB archive, the size of a large headset firmware.
var benchArchive = sync.OnceValue(func() []byte {
	return firmwaretest.Archive("2.0.0", []uint16{0x2465}, 32<<20, "de-DE", "fr-FR")
})

// BenchmarkDownload stages a 32 MiB archive from a loopback server onto a
// real folder: download, sync, SHA-256, rename, verify.
func BenchmarkDownload(b *testing.B) {
	archive := benchArchive()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "fw.zip", time.Time{}, bytes.NewReader(archive))
	}))
	defer srv.Close()
	s := NewStager(StagerParams{Fs: afero.NewOsFs(), Dir: filepath.Join(b.TempDir(), "firmware")})
	b.SetBytes(int64(len(archive)))
	for b.Loop() {
		if _, err := s.Download(context.Background(), "K", Source{URL: srv.URL + "/fw.zip"}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyArchive opens and reads every member of a 32 MiB archive,
// as happens before each update.
func BenchmarkVerifyArchive(b *testing.B) {
	archive := benchArchive()
	b.SetBytes(int64(len(archive)))
	for b.Loop() {
		a, err := OpenArchive(bytes.NewReader(archive), int64(len(archive)), DefaultLimits)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Verify(); err != nil {
			b.Fatal(err)
		}
	}
}
