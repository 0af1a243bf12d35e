package firmware

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
)

type member = firmwaretest.Member

func m(name string, data []byte) member { return member{Name: name, Data: data} }

var pids = []uint16{0x2465}

// info is a valid info.xml naming app.bin.
var info = []byte(firmwaretest.InfoXML("2.0.0", pids, "app.bin"))

// rawZip writes members whose headers the test sets itself.
func rawZip(t testing.TB, heads []*zip.FileHeader, bodies [][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, h := range heads {
		w, err := zw.CreateRaw(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(bodies[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func deflate(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

// lying is a zip whose app.bin says it unpacks to 100 bytes but unpacks to
// 4000.
func lying(t testing.TB) []byte {
	body := bytes.Repeat([]byte("x"), 4000)
	comp := deflate(body)
	infoComp := deflate(info)
	return rawZip(t, []*zip.FileHeader{
		{Name: "info.xml", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(info), CompressedSize64: uint64(len(infoComp)), UncompressedSize64: uint64(len(info))},
		{Name: "app.bin", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(body), CompressedSize64: uint64(len(comp)), UncompressedSize64: 100},
	}, [][]byte{infoComp, comp})
}

func withMode(t testing.TB, name string, mode fs.FileMode, flags uint16) []byte {
	h := &zip.FileHeader{Name: name, Method: zip.Store, Flags: flags}
	h.SetMode(mode)
	return rawZip(t, []*zip.FileHeader{
		{Name: "info.xml", Method: zip.Store, CRC32: crc32.ChecksumIEEE(info), CompressedSize64: uint64(len(info)), UncompressedSize64: uint64(len(info))},
		h,
	}, [][]byte{info, nil})
}

func archiveTests(t testing.TB) []struct {
	name       string
	zip        []byte
	lim        Limits
	wantErr    string // in OpenArchive's error, or Verify's with verify
	verifyFail bool
} {
	small := DefaultLimits
	small.MaxMember, small.MaxTotal, small.MaxMembers, small.MaxArchive = 4096, 6000, 3, 1<<20
	return []struct {
		name       string
		zip        []byte
		lim        Limits
		wantErr    string
		verifyFail bool
	}{
		{name: "valid", zip: firmwaretest.Archive("2.0.0", pids, 5000, "de-DE")},
		{name: "folders allowed", zip: firmwaretest.Zip(m("info.xml", info), m("sub/", nil), m("app.bin", []byte{1}))},
		{name: "dot-dot member", zip: firmwaretest.Zip(m("info.xml", info), m("app.bin", []byte{1}), m("../../evil.sh", []byte("rm"))),
			wantErr: `".." leaves`},
		{name: "dot-dot inside", zip: firmwaretest.Zip(m("info.xml", info), m("fw/../../x", []byte{1})), wantErr: `".." leaves`},
		{name: "absolute member", zip: firmwaretest.Zip(m("info.xml", info), m("/etc/x", []byte{1})), wantErr: "absolute path"},
		{name: "backslash member", zip: firmwaretest.Zip(m("info.xml", info), m(`..\x`, []byte{1})), wantErr: "backslash"},
		{name: "drive letter", zip: firmwaretest.Zip(m("info.xml", info), m("C:x", []byte{1})), wantErr: "drive letter"},
		{name: "dot element", zip: firmwaretest.Zip(m("info.xml", info), m("./app.bin", []byte{1})), wantErr: `"." path element`},
		{name: "duplicate names", zip: firmwaretest.Zip(m("info.xml", info), m("app.bin", []byte{1}), m("APP.bin", []byte{2})),
			wantErr: "two members"},
		{name: "symlink", zip: withMode(t, "app.bin", fs.ModeSymlink|0o777, 0), wantErr: "not a regular file"},
		{name: "encrypted", zip: withMode(t, "app.bin", 0o644, 1), wantErr: "encrypted"},
		{name: "no info.xml", zip: firmwaretest.Zip(m("app.bin", []byte{1})), wantErr: "no info.xml"},
		{name: "info.xml names a missing file", zip: firmwaretest.Zip(m("info.xml", info)), wantErr: `"app.bin", which the archive lacks`},
		{name: "info.xml names a dot-dot file", zip: firmwaretest.Zip(m("info.xml", []byte(firmwaretest.InfoXML("1", pids, "../app.bin")))),
			wantErr: `".." leaves`},
		{name: "invalid info.xml", zip: firmwaretest.Zip(m("info.xml", []byte("<info>"))), wantErr: "info.xml"},
		{name: "not a zip", zip: []byte("PK\x03\x04 but not really"), wantErr: "not a zip"},
		{name: "compression bomb", zip: firmwaretest.Zip(m("info.xml", info), m("app.bin", make([]byte, 8<<20))),
			wantErr: "compression bomb"},
		{name: "oversize member", zip: firmwaretest.Archive("2.0.0", pids, 5000), lim: small, wantErr: "more than the 4096 allowed"},
		{name: "oversize total", zip: firmwaretest.Zip(m("info.xml", info), m("app.bin", firmwaretest.Image(3000)), m("b", firmwaretest.Image(3000))),
			lim: small, wantErr: "more than the 6000 bytes"},
		{name: "too many members", zip: firmwaretest.Zip(m("info.xml", info), m("app.bin", nil), m("b", nil), m("c", nil)),
			lim: small, wantErr: "4 members"},
		{name: "member longer than it says", zip: lying(t), wantErr: `member "app.bin"`, verifyFail: true},
		{name: "1 002 overlapping entries of 1 MB", zip: overlapping(t, 1002, 1_000_000), wantErr: "overlap"},
		{name: "two overlapping entries", zip: overlapping(t, 1, 1000), wantErr: "overlap"},
		{name: "stored info.xml over the limit", zip: bigInfo(t, maxInfoSize+1),
			wantErr: "info.xml: 1048577 bytes is more than the 1048576 allowed"},
		{name: "stored info.xml at the limit", zip: bigInfo(t, maxInfoSize)},
	}
}

func TestOpenArchive(t *testing.T) {
	for _, tc := range archiveTests(t) {
		t.Run(tc.name, func(t *testing.T) {
			lim := tc.lim
			if lim == (Limits{}) {
				lim = DefaultLimits
			}
			a, err := OpenArchive(bytes.NewReader(tc.zip), int64(len(tc.zip)), lim)
			if err == nil {
				err = a.Verify()
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
			if !errors.Is(err, ErrInvalidArchive) {
				t.Errorf("error %v does not wrap ErrInvalidArchive", err)
			}
		})
	}
}

func TestArchiveImage(t *testing.T) {
	raw := firmwaretest.Archive("2.0.0", pids, 5000, "de-DE")
	a, err := OpenArchive(bytes.NewReader(raw), int64(len(raw)), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	img := a.Image("de-DE", "")
	if img.Version != "2.0.0" || len(img.Files) != 2 || img.Language != "de-DE" || img.ProductIDs[0] != 0x2465 {
		t.Fatalf("Image = %+v", img)
	}
	rc, err := img.Files[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, firmwaretest.Image(5000)) {
		t.Fatalf("app.bin = %d bytes, %v", len(got), err)
	}
}

func TestArchiveRefusesTooBig(t *testing.T) {
	raw := firmwaretest.Archive("2.0.0", pids, 10)
	lim := DefaultLimits
	lim.MaxArchive = 10
	if _, err := OpenArchive(bytes.NewReader(raw), int64(len(raw)), lim); err == nil || !strings.Contains(err.Error(), "allowed") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzOpenArchive(f *testing.F) {
	for _, tc := range archiveTests(f) {
		f.Add(tc.zip)
	}
	lim := DefaultLimits
	lim.MaxMember, lim.MaxTotal = 1<<20, 4<<20
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := OpenArchive(bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			if !errors.Is(err, ErrInvalidArchive) {
				t.Fatalf("error %v does not wrap ErrInvalidArchive", err)
			}
			return
		}
		for name := range a.members {
			if checkName(name) != nil {
				t.Fatalf("accepted member %q", name)
			}
		}
		if a.Info.Version == "" {
			t.Fatal("accepted an archive without a version")
		}
		var total int64
		for _, f := range a.Image("", "").Files {
			rc, err := f.Open()
			if err != nil {
				continue
			}
			n, _ := io.Copy(io.Discard, rc)
			rc.Close()
			total += n
		}
		if total > lim.MaxTotal {
			t.Fatalf("read %d bytes, more than the total allowed", total)
		}
		_ = a.Verify()
	})
}
