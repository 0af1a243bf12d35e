package firmware

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Info is the info.xml of a firmware archive (SPEC §6):
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
// The root element's name does not matter; element names match
// case-insensitively, and unknown elements and attributes are ignored. A
// usbPid is hexadecimal, as the User-Agent and the scenario write product
// ids, with an optional 0x.
type Info struct {
	Version    string
	ProductIDs []uint16
	Files      []FileInfo
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
			}
			path = append(path, strings.ToLower(t.Name.Local))
			if len(path) > maxInfoDepth {
				return Info{}, fmt.Errorf("info.xml line %d: elements nested deeper than %d", line(), maxInfoDepth)
			}
			text.Reset()
			switch {
			case under(path, "buildvector"):
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
			if under(path, "targetusbpids", "usbpid") {
				pid, err := parsePID(text.String())
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

// parsePID reads a hexadecimal product id, with an optional 0x.
func parsePID(s string) (uint16, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(strings.TrimPrefix(t, "0x"), "0X")
	n, err := strconv.ParseUint(t, 16, 16)
	if err != nil || t == "" {
		return 0, fmt.Errorf("usbPid %q is not a hexadecimal product id", strings.TrimSpace(s))
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
// (case-insensitive; "de" also finds "de-DE").
func (i Info) HasLanguage(lang string) bool {
	for _, f := range i.Files {
		if f.Language == "" {
			continue
		}
		if strings.EqualFold(f.Language, lang) || strings.EqualFold(primary(f.Language), lang) {
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

// primary is the part of a language tag before "-" or "_".
func primary(tag string) string {
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		return tag[:i]
	}
	return tag
}

// subtag is the part of a tag after its last "-" or "_"; "" when none.
func subtag(tag string) string {
	if i := strings.LastIndexAny(tag, "-_"); i >= 0 {
		return tag[i+1:]
	}
	return ""
}
