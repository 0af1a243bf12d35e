// Package firmwaretest builds firmware archives for tests, for the
// simulator's demo and for the example folder of the reference backend
// (cmd/earshot-backend --init): in Jabra's own format (GNInfoXML, Archive)
// and in Earshot's first format (InfoXML).
package firmwaretest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"

	"github.com/earshot-app/earshot/device/jabra/gncrc"
)

// Member is one file of a zip.
type Member struct {
	Name string
	Data []byte
}

// Zip returns a zip of members, stored deflated, in order.
func Zip(members ...Member) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.Create(m.Name)
		if err != nil {
			panic(err)
		}
		if _, err := w.Write(m.Data); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// InfoXML returns an info.xml in Earshot's first format for version, the product ids (hex) and the
// files; a file "name:lang" gets that language attribute.
func InfoXML(version string, pids []uint16, files ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n<info>\n")
	fmt.Fprintf(&b, "  <buildVector version=%q/>\n  <targetUsbPids>\n", version)
	for _, p := range pids {
		fmt.Fprintf(&b, "    <usbPid>%04X</usbPid>\n", p)
	}
	b.WriteString("  </targetUsbPids>\n  <files>\n")
	for i, f := range files {
		name, lang, _ := strings.Cut(f, ":")
		fmt.Fprintf(&b, "    <file name=%q language=%q crc=\"0x%08X\" partition=%q/>\n", name, lang, i+1, partition(lang))
	}
	b.WriteString("  </files>\n</info>\n")
	return b.String()
}

func partition(lang string) string {
	if lang != "" {
		return "language"
	}
	return "application"
}

// File is one image of an archive in Jabra's format.
type File struct {
	Name      string
	Language  string // "English", "German", or a tag such as "de-DE"
	Partition int
	Data      []byte
}

// GNInfoXML returns an info.xml in Jabra's own format (docs/hardware.md §2.8):
// root buildVector with the version attribute, usbPid as 0x-hexadecimal
// text, and each file's language, GN crc and partition as child elements.
func GNInfoXML(version string, pids []uint16, files ...File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<buildVector version=%q>\n  <targetUsbPids>\n", version)
	for _, p := range pids {
		fmt.Fprintf(&b, "    <usbPid>0x%04X</usbPid>\n", p)
	}
	b.WriteString("  </targetUsbPids>\n  <files>\n")
	for _, f := range files {
		fmt.Fprintf(&b, "    <file name=%q>\n      <language>%s</language>\n      <crc>%s</crc>\n      <partition>%d</partition>\n    </file>\n",
			f.Name, f.Language, gncrc.Format(gncrc.Checksum(f.Data)), f.Partition)
	}
	b.WriteString("  </files>\n</buildVector>\n")
	return b.String()
}

// GNArchive returns a zip of info.xml in Jabra's format and the files.
func GNArchive(version string, pids []uint16, files ...File) []byte {
	members := []Member{{Name: "info.xml", Data: []byte(GNInfoXML(version, pids, files...))}}
	for _, f := range files {
		members = append(members, Member{Name: f.Name, Data: f.Data})
	}
	return Zip(members...)
}

// Archive returns a valid firmware archive in Jabra's format for version
// and pids, with an English application image "app.bin" (partition 0) of
// size bytes and the language packs langs ("de-DE" → lang-de-DE.bin,
// partitions 1, 2, …).
func Archive(version string, pids []uint16, size int, langs ...string) []byte {
	files := []File{{Name: "app.bin", Language: "English", Partition: 0, Data: Image(size)}}
	for i, l := range langs {
		files = append(files, File{Name: "lang-" + l + ".bin", Language: l, Partition: i + 1, Data: Image(64 + i)})
	}
	return GNArchive(version, pids, files...)
}

// Image returns n bytes that do not compress much.
func Image(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}
