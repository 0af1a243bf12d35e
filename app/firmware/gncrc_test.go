package firmware

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
)

// An archive in Jabra's format is staged only when every image with a crc
// has that GN checksum; Earshot's first format leaves the crc alone.
func TestStagingChecksGNCRC(t *testing.T) {
	app := firmwaretest.Image(1000)
	good := firmwaretest.GNArchive("1.3.0", pids, firmwaretest.File{Name: "app.bin", Language: "English", Data: app})
	// The same archive with one image byte changed: its zip CRC-32 is
	// right (the zip is rebuilt), its info.xml crc is not.
	bad := bytes.Clone(app)
	bad[500] ^= 0xFF
	badZip := firmwaretest.Zip(
		firmwaretest.Member{Name: "info.xml", Data: []byte(firmwaretest.GNInfoXML("1.3.0", pids,
			firmwaretest.File{Name: "app.bin", Language: "English", Data: app}))},
		firmwaretest.Member{Name: "app.bin", Data: bad})
	unparsable := firmwaretest.Zip(
		firmwaretest.Member{Name: "info.xml", Data: []byte(strings.Replace(firmwaretest.GNInfoXML("1.3.0", pids,
			firmwaretest.File{Name: "app.bin", Language: "English", Data: app}), "<crc>0x", "<crc>0xZZ", 1))},
		firmwaretest.Member{Name: "app.bin", Data: app})
	firstFormat := firmwaretest.Zip(
		firmwaretest.Member{Name: "info.xml", Data: []byte(firmwaretest.InfoXML("1.3.0", pids, "app.bin"))},
		firmwaretest.Member{Name: "app.bin", Data: app})
	for _, tc := range []struct {
		name    string
		zip     []byte
		wantErr string
	}{
		{"right crc", good, ""},
		{"wrong crc", badZip, `image "app.bin" has GN checksum 0x`},
		{"crc not a number", unparsable, `crc "0xZZ`},
		{"first format keeps its crc for the driver", firstFormat, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := afero.NewMemMapFs()
			afero.WriteFile(fs, "/fw.zip", tc.zip, 0o644)
			s := newTestStager(fs)
			st, err := s.Copy(context.Background(), "K", fs, "/fw.zip")
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, closeArchive, err := s.Verify(st.Path, st.SHA256); err != nil {
					t.Fatalf("verify before use: %v", err)
				} else {
					closeArchive()
				}
				return
			}
			if !errors.Is(err, ErrInvalidArchive) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if s.Exists("/data/firmware/K/fw.zip") {
				t.Error("the refused archive was staged")
			}
		})
	}
}
