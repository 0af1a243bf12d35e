package firmware

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/earshot-app/earshot/device"
)

// Info is the info.xml of a firmware archive. Jabra's own archives (the
// ones fwupd's jabra-gnp plugin reads, docs/hardware.md §2.8) have buildVector
// as the root, the version as its attribute, usbPid as text (hexadecimal
// with 0x, else decimal) and a file's language, crc and partition as child
// elements:
//
//	<buildVector version="1.3.0">
//	  <targetUsbPids><usbPid>0x24B9</usbPid><usbPid>9402</usbPid></targetUsbPids>
//	  <files>
//	    <file name="app.bin"><language>English</language><crc>0x96EE4177</crc><partition>0</partition></file>
//	  </files>
//	</buildVector>
//
// Earshot's first format (docs/firmware.md), which archives already staged use, is
// read too:
//
//	<info>
//	  <buildVector version="2.0.0"/>
//	  <targetUsbPids><usbPid>2465</usbPid><usbPid>0x2466</usbPid></targetUsbPids>
//	  <files>
//	    <file name="app.bin" crc="0x1A2B3C4D" partition="application"/>
//	    <file name="lang-de.bin" language="de-DE" crc="0x0BADF00D" partition="language"/>
//	  </files>
//	</info>
//
// There the root element's name does not matter, and a usbPid is
// hexadecimal, as the User-Agent and the scenario write product ids, with
// an optional 0x. In both, element names match case-insensitively, a
// file's language, crc and partition may be attributes or child elements,
// and unknown elements and attributes are ignored.
type Info struct {
	Version    string
	ProductIDs []uint16
	Files      []FileInfo
	// GN is true for Jabra's own format, whose crc is the GN protocol's
	// checksum of the image (checked when the archive is staged).
	GN bool
}

// FileInfo is one files/file entry of info.xml.
type FileInfo struct {
	Name      string
	Language  string
	CRC       string
	Partition string
}

// Limits of info.xml.
const (
	maxInfoSize  = 1 << 20
	maxInfoPIDs  = 256
	maxInfoFiles = 4096
	maxInfoDepth = 64
)

// ParseInfo reads info.xml. Errors name the line.
func ParseInfo(data []byte) (Info, error) {
	var info Info
	if len(data) > maxInfoSize {
		return info, fmt.Errorf("info.xml: %d bytes is more than the %d allowed", len(data), maxInfoSize)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii") {
			return r, nil
		}
		return nil, fmt.Errorf("charset %q is not UTF-8", charset)
	}
	var path []string // local names of the open elements, lower case
	var text strings.Builder
	seenVersion, roots := false, 0
	line := func() int { l, _ := dec.InputPos(); return l }
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var syn *xml.SyntaxError
			if errors.As(err, &syn) {
				return Info{}, fmt.Errorf("info.xml line %d: %s", syn.Line, syn.Msg)
			}
			return Info{}, fmt.Errorf("info.xml line %d: %w", line(), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(path) == 0 {
				roots++
				info.GN = strings.EqualFold(t.Name.Local, "buildVector")
			}
			path = append(path, strings.ToLower(t.Name.Local))
			if len(path) > maxInfoDepth {
				return Info{}, fmt.Errorf("info.xml line %d: elements nested deeper than %d", line(), maxInfoDepth)
			}
			text.Reset()
			switch {
			case under(path, "buildvector") || len(path) == 1 && info.GN:
				v := strings.TrimSpace(attr(t, "version"))
				if v == "" {
					return Info{}, fmt.Errorf("info.xml line %d: buildVector has no version", line())
				}
				if seenVersion && v != info.Version {
					return Info{}, fmt.Errorf("info.xml line %d: a second buildVector says %q, the first %q", line(), v, info.Version)
				}
				if _, err := versionParts(v); err != nil {
					return Info{}, fmt.Errorf("info.xml line %d: %w", line(), err)
				}
				info.Version, seenVersion = v, true
			case under(path, "files", "file"):
				f := FileInfo{
					Name:      strings.TrimSpace(attr(t, "name")),
					Language:  strings.TrimSpace(attr(t, "language")),
					CRC:       strings.TrimSpace(attr(t, "crc")),
					Partition: strings.TrimSpace(attr(t, "partition")),
				}
				if f.Name == "" {
					return Info{}, fmt.Errorf("info.xml line %d: a file has no name", line())
				}
				if len(info.Files) == maxInfoFiles {
					return Info{}, fmt.Errorf("info.xml line %d: more than %d files", line(), maxInfoFiles)
				}
				info.Files = append(info.Files, f)
			}
		case xml.CharData:
			if text.Len() < 64 {
				text.Write(t)
			}
		case xml.EndElement:
			if len(info.Files) > 0 && len(path) >= 4 && under(path[:len(path)-1], "files", "file") {
				f := &info.Files[len(info.Files)-1]
				v := strings.TrimSpace(text.String())
				switch path[len(path)-1] {
				case "language":
					f.Language = v
				case "crc":
					f.CRC = v
				case "partition":
					f.Partition = v
				}
			}
			if under(path, "targetusbpids", "usbpid") {
				pid, err := parsePID(text.String(), info.GN)
				if err != nil {
					return Info{}, fmt.Errorf("info.xml line %d: %w", line(), err)
				}
				if len(info.ProductIDs) == maxInfoPIDs {
					return Info{}, fmt.Errorf("info.xml line %d: more than %d usbPid entries", line(), maxInfoPIDs)
				}
				info.ProductIDs = append(info.ProductIDs, pid)
			}
			path = path[:len(path)-1]
			text.Reset()
		}
	}
	switch {
	case roots == 0:
		return Info{}, errors.New("info.xml: no root element")
	case !seenVersion:
		return Info{}, errors.New("info.xml: no buildVector version")
	case len(info.ProductIDs) == 0:
		return Info{}, errors.New("info.xml: no targetUsbPids/usbPid")
	case len(info.Files) == 0:
		return Info{}, errors.New("info.xml: no files/file")
	}
	return info, nil
}

// under tells whether the innermost open elements end with names (below the
// root).
func under(path []string, names ...string) bool {
	if len(path) < len(names)+1 {
		return false
	}
	tail := path[len(path)-len(names):]
	for i, n := range names {
		if tail[i] != n {
			return false
		}
	}
	return true
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

// parsePID reads a product id: in Jabra's format hexadecimal with 0x, else
// decimal; in Earshot's first format hexadecimal with an optional 0x.
func parsePID(s string, gn bool) (uint16, error) {
	t := strings.TrimSpace(s)
	h, hex := strings.CutPrefix(strings.ToLower(t), "0x")
	if gn && !hex {
		n, err := strconv.ParseUint(t, 10, 16)
		if err != nil {
			return 0, fmt.Errorf("usbPid %q is not a product id (0x… hexadecimal or decimal, at most 65535)", t)
		}
		return uint16(n), nil
	}
	n, err := strconv.ParseUint(h, 16, 16)
	if err != nil || h == "" {
		return 0, fmt.Errorf("usbPid %q is not a hexadecimal product id", t)
	}
	return uint16(n), nil
}

// MatchesProduct tells whether the archive targets the product id pid.
func (i Info) MatchesProduct(pid uint16) bool {
	for _, p := range i.ProductIDs {
		if p == pid {
			return true
		}
	}
	return false
}

// HasLanguage tells whether a file of the archive is the language pack lang
// (case-insensitive; "de" also finds "de-DE", and "de-DE" finds Jabra's
// "German").
func (i Info) HasLanguage(lang string) bool {
	for _, f := range i.Files {
		if device.LanguageMatches(f.Language, lang) {
			return true
		}
	}
	return false
}

// HasRegion tells whether a file of the archive carries the region: its
// language attribute names the region ("US" is in "en-US"), or its partition
// does ("region-EU" for "EU").
func (i Info) HasRegion(region string) bool {
	for _, f := range i.Files {
		if f.Language != "" && (strings.EqualFold(f.Language, region) || strings.EqualFold(subtag(f.Language), region)) {
			return true
		}
		if f.Partition != "" && (strings.EqualFold(f.Partition, region) || strings.EqualFold(subtag(f.Partition), region)) {
			return true
		}
	}
	return false
}

// subtag is the part of a tag after its last "-" or "_"; "" when none.
func subtag(tag string) string {
	if i := strings.LastIndexAny(tag, "-_"); i >= 0 {
		return tag[i+1:]
	}
	return ""
}
