package firmware

import (
	"slices"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
)

var infoTests = []struct {
	name    string
	xml     string
	want    Info
	wantErr string // a part of the error; "" = no error
}{
	{name: "the format of docs/firmware.md", xml: firmwaretest.InfoXML("2.0.0", []uint16{0x2465, 0x2466}, "app.bin", "lang-de.bin:de-DE"),
		want: Info{Version: "2.0.0", ProductIDs: []uint16{0x2465, 0x2466}, Files: []FileInfo{
			{Name: "app.bin", CRC: "0x00000001", Partition: "application"},
			{Name: "lang-de.bin", Language: "de-DE", CRC: "0x00000002", Partition: "language"},
		}}},
	{name: "lenient: other root, case, unknown elements and attributes, 0x pids",
		xml: `<FirmwarePackage vendor="GN"><Extra><x/></Extra><BUILDVECTOR Version="1.2.3" build="77"/>
<TargetUsbPids><UsbPid> 0x30a4 </UsbPid><note>ignored</note></TargetUsbPids>
<Files><File Name="a.bin" Crc="1" Partition="app" extra="y"/></Files></FirmwarePackage>`,
		want: Info{Version: "1.2.3", ProductIDs: []uint16{0x30A4}, Files: []FileInfo{{Name: "a.bin", CRC: "1", Partition: "app"}}}},
	{name: "non-ASCII text", xml: `<info><!-- Überarbeitet --><buildVector version="1.0"/><targetUsbPids><usbPid>1</usbPid></targetUsbPids><files><file name="ä.bin"/></files></info>`,
		want: Info{Version: "1.0", ProductIDs: []uint16{1}, Files: []FileInfo{{Name: "ä.bin"}}}},
	{name: "no version", xml: `<info><buildVector/><targetUsbPids><usbPid>1</usbPid></targetUsbPids><files><file name="a"/></files></info>`,
		wantErr: "line 1: buildVector has no version"},
	{name: "version not numeric", xml: `<info><buildVector version="two"/></info>`, wantErr: "not a whole number"},
	{name: "two versions", xml: `<info><buildVector version="1"/><buildVector version="2"/></info>`, wantErr: "second buildVector"},
	{name: "no pids", xml: `<info><buildVector version="1"/><files><file name="a"/></files></info>`, wantErr: "no targetUsbPids"},
	{name: "bad pid", xml: "<info>\n<targetUsbPids><usbPid>zz</usbPid></targetUsbPids></info>", wantErr: "line 2: usbPid \"zz\""},
	{name: "pid too big", xml: `<info><targetUsbPids><usbPid>12345</usbPid></targetUsbPids></info>`, wantErr: "usbPid"},
	{name: "no files", xml: `<info><buildVector version="1"/><targetUsbPids><usbPid>1</usbPid></targetUsbPids></info>`, wantErr: "no files"},
	{name: "file without a name", xml: `<info><files><file language="en"/></files></info>`, wantErr: "a file has no name"},
	{name: "malformed", xml: "<info>\n<buildVector version=\"1\">\n</info>", wantErr: "info.xml line 3"},
	{name: "empty", xml: "", wantErr: "no root element"},
	{name: "other charset", xml: `<?xml version="1.0" encoding="latin1"?><info/>`, wantErr: "not UTF-8"},
	{name: "entity bomb is not expanded", xml: `<!DOCTYPE x [<!ENTITY a "aaaa">]><info><buildVector version="&a;"/></info>`, wantErr: "info.xml"},
	{name: "too deep", xml: strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), wantErr: "nested deeper"},
	// Jabra's own format (docs/hardware.md §2.8), as fwupd's jabra-gnp plugin reads it.
	{name: "Jabra's format", xml: firmwaretest.GNInfoXML("1.3.0", []uint16{0x24B9, 0x24BA},
		firmwaretest.File{Name: "app.bin", Language: "English", Partition: 0, Data: []byte("12345678")},
		firmwaretest.File{Name: "de.bin", Language: "German", Partition: 2, Data: nil}),
		want: Info{Version: "1.3.0", ProductIDs: []uint16{0x24B9, 0x24BA}, GN: true, Files: []FileInfo{
			{Name: "app.bin", Language: "English", CRC: "0xB5018E55", Partition: "0"},
			{Name: "de.bin", Language: "German", CRC: "0xFFFFFFFF", Partition: "2"},
		}}},
	{name: "Jabra's format: decimal usbPid, no crc, whitespace",
		xml: "<buildVector version=\"2.0.1\">\n<targetUsbPids>\n<usbPid> 9401 </usbPid><usbPid>0x24ba</usbPid></targetUsbPids>\n" +
			"<files><file name=\"fw.bin\">\n <language> English </language>\n <partition>3</partition>\n</file></files></buildVector>",
		want: Info{Version: "2.0.1", ProductIDs: []uint16{0x24B9, 0x24BA}, GN: true, Files: []FileInfo{
			{Name: "fw.bin", Language: "English", Partition: "3"},
		}}},
	{name: "Jabra's format without version", xml: `<buildVector><targetUsbPids><usbPid>1</usbPid></targetUsbPids></buildVector>`,
		wantErr: "line 1: buildVector has no version"},
	{name: "Jabra's format: hex usbPid without 0x", xml: `<buildVector version="1.0.0"><targetUsbPids><usbPid>24B9</usbPid></targetUsbPids></buildVector>`,
		wantErr: `usbPid "24B9" is not a product id (0x… hexadecimal or decimal`},
	{name: "Jabra's format: usbPid too big", xml: `<buildVector version="1.0.0"><targetUsbPids><usbPid>70000</usbPid></targetUsbPids></buildVector>`,
		wantErr: "at most 65535"},
	{name: "Jabra's format: no files", xml: `<buildVector version="1.0.0"><targetUsbPids><usbPid>9401</usbPid></targetUsbPids></buildVector>`,
		wantErr: "no files/file"},
}

func TestParseInfo(t *testing.T) {
	for _, tc := range infoTests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseInfo([]byte(tc.xml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseInfo error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != tc.want.Version || got.GN != tc.want.GN || !slices.Equal(got.ProductIDs, tc.want.ProductIDs) || !slices.Equal(got.Files, tc.want.Files) {
				t.Errorf("ParseInfo = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseInfoRefusesHugeFiles(t *testing.T) {
	_, err := ParseInfo([]byte("<info>" + strings.Repeat(" ", maxInfoSize) + "</info>"))
	if err == nil || !strings.Contains(err.Error(), "allowed") {
		t.Fatalf("err = %v", err)
	}
}

func TestInfoLanguagesAndRegions(t *testing.T) {
	info := Info{Files: []FileInfo{{Name: "a"}, {Name: "b", Language: "de-DE"}, {Name: "c", Language: "en_US"}, {Name: "d", Partition: "region-EU"}}}
	for lang, want := range map[string]bool{"de-DE": true, "DE-de": true, "de": true, "en": true, "fr": false, "": false} {
		if got := info.HasLanguage(lang); got != want {
			t.Errorf("HasLanguage(%q) = %v, want %v", lang, got, want)
		}
	}
	for region, want := range map[string]bool{"DE": true, "us": true, "EU": true, "JP": false} {
		if got := info.HasRegion(region); got != want {
			t.Errorf("HasRegion(%q) = %v, want %v", region, got, want)
		}
	}
}

func FuzzParseInfo(f *testing.F) {
	for _, tc := range infoTests {
		f.Add([]byte(tc.xml))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ParseInfo(data)
		if err != nil {
			if info.Version != "" || info.Files != nil || !strings.HasPrefix(err.Error(), "info.xml") {
				t.Fatalf("error %v came with a result %+v, or does not name info.xml", err, info)
			}
			return
		}
		if info.Version == "" || len(info.ProductIDs) == 0 || len(info.Files) == 0 {
			t.Fatalf("accepted an incomplete info.xml: %+v", info)
		}
		for _, fi := range info.Files {
			if fi.Name == "" {
				t.Fatal("accepted a file without a name")
			}
		}
	})
}
