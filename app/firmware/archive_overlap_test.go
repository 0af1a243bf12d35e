package firmware

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
)

// overlapping is a valid firmware archive (info.xml naming app.bin, app.bin
// of size zero bytes deflated) whose central directory then declares extra
// more entries that all point at app.bin's one compressed body: a zip of
// overlapping entries. extra = 1002 and size = 1 MB make the 55 KB file of
// issue 9, which unpacks to 1 GB.
func overlapping(t testing.TB, extra, size int) []byte {
	body := make([]byte, size)
	comp := deflate(body)
	raw := rawZip(t, []*zip.FileHeader{
		{Name: "info.xml", Method: zip.Store, CRC32: crc32.ChecksumIEEE(info), CompressedSize64: uint64(len(info)), UncompressedSize64: uint64(len(info))},
		{Name: "app.bin", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(body), CompressedSize64: uint64(len(comp)), UncompressedSize64: uint64(size)},
	}, [][]byte{info, comp})
	// The end of central directory record: 22 bytes, no comment.
	eocd := raw[len(raw)-22:]
	if binary.LittleEndian.Uint32(eocd) != 0x06054b50 {
		t.Fatal("no end of central directory record")
	}
	cdSize := int(binary.LittleEndian.Uint32(eocd[12:]))
	cdOff := int(binary.LittleEndian.Uint32(eocd[16:]))
	cd := raw[cdOff : cdOff+cdSize]
	// The second central record is app.bin's.
	first := 46 + int(binary.LittleEndian.Uint16(cd[28:])) + int(binary.LittleEndian.Uint16(cd[30:])) + int(binary.LittleEndian.Uint16(cd[32:]))
	app := cd[first:]
	if !bytes.Equal(app[46:53], []byte("app.bin")) {
		t.Fatalf("unexpected central directory %q", app[46:53])
	}
	var out bytes.Buffer
	out.Write(raw[:cdOff+cdSize])
	for i := range extra {
		rec := bytes.Clone(app)
		copy(rec[46:53], fmt.Sprintf("d%06d", i))
		out.Write(rec)
	}
	end := bytes.Clone(eocd)
	n := 2 + extra
	binary.LittleEndian.PutUint16(end[8:], uint16(n))
	binary.LittleEndian.PutUint16(end[10:], uint16(n))
	binary.LittleEndian.PutUint32(end[12:], uint32(cdSize+extra*len(app)))
	out.Write(end)
	return out.Bytes()
}

// bigInfo is an archive whose info.xml is stored (not compressed) and n
// bytes long, padded with a comment.
func bigInfo(t testing.TB, n int) []byte {
	doc := firmwaretest.InfoXML("2.0.0", pids, "app.bin")
	pad := n - len(doc) - len("<!---->")
	doc += "<!--" + strings.Repeat("x", pad) + "-->"
	data := []byte(doc)
	return rawZip(t, []*zip.FileHeader{
		{Name: "info.xml", Method: zip.Store, CRC32: crc32.ChecksumIEEE(data), CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))},
		{Name: "app.bin", Method: zip.Store, CRC32: crc32.ChecksumIEEE([]byte{1}), CompressedSize64: 1, UncompressedSize64: 1},
	}, [][]byte{data, {1}})
}

// TestOverlappingZipSize: the overlapping-entry archive of issue 9 is
// about 55 KB and declares about 1 GB, within every other limit.
func TestOverlappingZipSize(t *testing.T) {
	raw := overlapping(t, 1002, 1_000_000)
	if len(raw) > 60<<10 {
		t.Errorf("%d bytes, want about 55 KB", len(raw))
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if len(zr.File) != 1004 || total < 1_000_000_000 || total > uint64(DefaultLimits.MaxTotal) {
		t.Errorf("%d members declaring %d bytes", len(zr.File), total)
	}
}
