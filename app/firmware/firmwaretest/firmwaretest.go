// Package firmwaretest builds firmware archives (SPEC §6) for tests and for
// the example folder of the reference backend (cmd/earshot-backend --init).
package firmwaretest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
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

// InfoXML returns an info.xml for version, the product ids (hex) and the
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

// Archive returns a valid firmware archive for version and pids, with an
// application image "app.bin" of size bytes and the language packs langs
// ("de-DE" → lang-de-DE.bin).
func Archive(version string, pids []uint16, size int, langs ...string) []byte {
	files := []string{"app.bin"}
	members := []Member{{Name: "app.bin", Data: Image(size)}}
	for _, l := range langs {
		name := "lang-" + l + ".bin"
		files = append(files, name+":"+l)
		members = append(members, Member{Name: name, Data: Image(64)})
	}
	members = append([]Member{{Name: "info.xml", Data: []byte(InfoXML(version, pids, files...))}}, members...)
	return Zip(members...)
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
