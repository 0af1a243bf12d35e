package catalog

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds element nesting; catalog files nest four levels deep.
const maxDepth = 64

// ParseDefinitions reads a SettingsDefinition file: every <SettingDefinition>
// in it, at any depth. name is the file name its problems carry.
func ParseDefinitions(name string, data []byte) ([]*Definition, []Problem) {
	f, probs := Parse(name, data)
	return f.Definitions, probs
}

// ParseMapping reads a Mapping file: every <device> with its variants and
// settings.
func ParseMapping(name string, data []byte) ([]*Model, []Problem) {
	f, probs := Parse(name, data)
	return f.Models, probs
}

// ParseResources reads a resource-mapping file: every <device> with its
// images, variants, firmware versions and release notes.
func ParseResources(name string, data []byte) ([]*Resources, []Problem) {
	f, probs := Parse(name, data)
	return f.Resources, probs
}

// Parse reads a catalog file in any of the three formats (or a mix). The
// returned File is never nil; when probs holds an Error the file should be
// refused as a whole (Builder does).
func Parse(name string, data []byte) (*File, []Problem) {
	p := &parser{file: name, f: &File{Name: name}, defined: map[string]Position{}}
	root, err := p.tree(data)
	if err != nil {
		return p.f, append(p.probs, *err)
	}
	p.walk(root)
	return p.f, p.probs
}

// node is one element of the document.
type node struct {
	name  string
	attrs []attr
	kids  []*node
	text  []byte
	line  int
}

func (n *node) is(name string) bool { return strings.EqualFold(n.name, name) }

// attr returns the trimmed value of the attribute name (any case).
func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		local := a.name
		if i := strings.LastIndexByte(local, ':'); i >= 0 {
			local = local[i+1:]
		}
		if strings.EqualFold(local, name) {
			return strings.TrimSpace(a.value), true
		}
	}
	return "", false
}

func (n *node) get(name string) string {
	v, _ := n.attr(name)
	return v
}

// child returns the first child element called name.
func (n *node) child(name string) *node {
	for _, k := range n.kids {
		if k.is(name) {
			return k
		}
	}
	return nil
}

type parser struct {
	file    string
	f       *File
	probs   []Problem
	defined map[string]Position // definitions of this file, by Name
}

func (p *parser) at(line int) Position { return Position{File: p.file, Line: line} }

func (p *parser) errorf(line int, format string, args ...any) {
	p.probs = append(p.probs, Problem{Pos: p.at(line), Severity: Error, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) warnf(line int, format string, args ...any) {
	p.probs = append(p.probs, Problem{Pos: p.at(line), Severity: Warning, Msg: fmt.Sprintf(format, args...)})
}

// tree reads the whole document into nodes. Malformed XML is one Error at
// the line where reading stopped.
func (p *parser) tree(data []byte) (*node, *Problem) {
	data, err := toUTF8(data)
	if err != nil {
		return nil, &Problem{Pos: p.at(1), Severity: Error, Msg: err.Error()}
	}
	root, serr := readTree(data)
	if serr != nil {
		return nil, &Problem{Pos: p.at(serr.line), Severity: Error, Msg: "malformed XML: " + serr.msg}
	}
	return root, nil
}

// walk finds the catalog elements at any depth. A <SettingDefinition> or a
// <device> is not searched further.
func (p *parser) walk(n *node) {
	for _, k := range n.kids {
		switch {
		case k.is("SettingDefinition"):
			if d := p.definition(k); d != nil {
				p.f.Definitions = append(p.f.Definitions, d)
			}
		case k.is("device"):
			p.device(k)
		default:
			p.walk(k)
		}
	}
}

// text is an element's text with runs of white space folded to one space.
func text(n *node) string {
	if n == nil {
		return ""
	}
	return strings.Join(strings.Fields(string(n.text)), " ")
}

// note is an element's text trimmed, keeping its line breaks but dropping the
// indentation the file gives each line.
func note(n *node) string {
	if n == nil {
		return ""
	}
	lines := strings.Split(strings.ReplaceAll(string(n.text), "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// parseBool reads the booleans catalog files write.
func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		return true, true
	case "false", "0", "no", "off", "":
		return false, true
	}
	return false, false
}

func (p *parser) flag(n *node, name string) bool {
	s, _ := n.attr(name)
	v, ok := parseBool(s)
	if !ok {
		p.warnf(n.line, "%s=%q is not a boolean; taken as false", name, s)
	}
	return v
}

func (p *parser) definition(n *node) *Definition {
	d := &Definition{
		Name:                n.get("Name"),
		Target:              n.get("Target"),
		FriendlyName:        n.get("UserFriendlyName"),
		ValueType:           n.get("ValueType"),
		ConstraintType:      n.get("ValueConstraintType"),
		Default:             n.get("DefaultValue"),
		Category:            n.get("Category"),
		Description:         text(n.child("Description")),
		FriendlyDescription: text(n.child("UserFriendlyDescription")),
		Pos:                 p.at(n.line),
	}
	d.RequiresReboot = p.flag(n, "RequiresReboot")
	d.AllowsNull = p.flag(n, "AllowsNull")
	if d.Name == "" {
		p.errorf(n.line, "SettingDefinition without Name")
		return nil
	}
	if prev, dup := p.defined[d.Name]; dup {
		p.errorf(n.line, "setting %s is defined twice (first at line %d)", d.Name, prev.Line)
		return nil
	}
	p.defined[d.Name] = d.Pos
	if sv := n.child("SupportedValues"); sv != nil {
		seen := map[string]bool{}
		for _, v := range sv.kids {
			if !v.is("SupportedValue") {
				continue
			}
			d.sawValues = true
			val, ok := v.attr("Value")
			if !ok {
				p.errorf(v.line, "SupportedValue without Value in setting %s", d.Name)
				continue
			}
			if seen[val] {
				p.warnf(v.line, "setting %s lists the value %q twice", d.Name, val)
				continue
			}
			seen[val] = true
			d.Values = append(d.Values, SupportedValue{Value: val, FriendlyName: v.get("UserFriendlyValue")})
		}
	}
	if s, ok := n.attr("MaxLength"); ok && s != "" {
		if v, err := strconv.Atoi(s); err == nil && v > 0 {
			d.MaxLength = v
		} else {
			p.warnf(n.line, "setting %s: MaxLength=%q is not a positive whole number; ignored", d.Name, s)
		}
	}
	p.classify(n, d)
	if d.Default != "" {
		if _, err := d.Check(d.Default); err != nil {
			p.warnf(n.line, "setting %s: DefaultValue: %v", d.Name, err)
		}
	}
	return d
}

var integerTypes = map[string]bool{"integer": true, "int": true, "int16": true, "int32": true, "int64": true,
	"long": true, "short": true, "byte": true, "uint": true, "uint16": true, "uint32": true, "unsignedint": true}

var numberTypes = map[string]bool{"double": true, "float": true, "decimal": true, "number": true, "real": true, "single": true}

// classify decides the definition's Kind (docs/catalog.md): Boolean → a check,
// Enumeration → a choice, Range with MinValue and MaxValue → a range,
// anything else → text.
func (p *parser) classify(n *node, d *Definition) {
	vt := strings.ToLower(d.ValueType)
	d.integer, d.number = integerTypes[vt], numberTypes[vt]
	ct := strings.ToLower(d.ConstraintType)
	switch {
	case vt == "boolean" || vt == "bool":
		if on, off, ok := boolPair(d); ok {
			d.kind, d.on, d.off = KindBool, on, off
			return
		}
		if len(d.Values) == 0 {
			p.warnf(n.line, "setting %s: Boolean with values that are not booleans; shown as text", d.Name)
			d.kind = KindText
			return
		}
		d.kind = KindChoice
	case ct == "enumeration":
		if len(d.Values) == 0 {
			if !d.sawValues { // when there were some, their errors said enough
				p.warnf(n.line, "setting %s: Enumeration without SupportedValues; shown as text", d.Name)
			}
			d.kind = KindText
			return
		}
		d.kind = KindChoice
	case ct == "range":
		p.rangeOf(n, d)
	default:
		d.kind = KindText
	}
}

// boolPair finds the raw values of a Boolean: its two SupportedValues when
// they read as true and false, else the style of its default.
func boolPair(d *Definition) (on, off string, ok bool) {
	switch len(d.Values) {
	case 0:
		if d.Default == "1" || d.Default == "0" {
			return "1", "0", true
		}
		return "true", "false", true
	case 2:
		a, okA := parseBool(d.Values[0].Value)
		b, okB := parseBool(d.Values[1].Value)
		if okA && okB && a != b && d.Values[0].Value != "" && d.Values[1].Value != "" {
			if a {
				return d.Values[0].Value, d.Values[1].Value, true
			}
			return d.Values[1].Value, d.Values[0].Value, true
		}
	}
	return "", "", false
}

func (p *parser) rangeOf(n *node, d *Definition) {
	num := func(attr string) (float64, bool) {
		s, ok := n.attr(attr)
		if !ok || s == "" {
			return 0, false
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			p.warnf(n.line, "setting %s: %s=%q is not a number", d.Name, attr, s)
			return 0, false
		}
		return v, true
	}
	lo, okLo := num("MinValue")
	hi, okHi := num("MaxValue")
	step, okStep := num("Step")
	if !okLo || !okHi || lo > hi {
		p.warnf(n.line, "setting %s: a Range needs MinValue ≤ MaxValue; shown as text", d.Name)
		d.kind = KindText
		return
	}
	if okStep && step <= 0 {
		p.warnf(n.line, "setting %s: Step must be positive; ignored", d.Name)
		step = 0
	}
	d.kind, d.Min, d.Max, d.Step = KindRange, lo, hi, step
	whole := func(f float64) bool { return f == math.Trunc(f) }
	if !d.number && whole(lo) && whole(hi) && whole(step) {
		d.integer = true
	}
}

// device reads a <device>: a Model when it has <settings> or no resources,
// Resources when it has <fwVersions> or image URLs.
func (p *parser) device(n *node) {
	name := n.get("name")
	if name == "" {
		p.warnf(n.line, "device without a name")
	}
	variants, seen := p.variants(n, name)
	if seen == 0 {
		p.warnf(n.line, "device %q has no variants, so no device can match it", name)
	}
	settings := n.child("settings")
	fw := n.child("fwVersions")
	image, thumb := n.get("imageUrl"), n.get("thumbnailUrl")
	hasResources := fw != nil || image != "" || thumb != ""
	if settings != nil || !hasResources {
		m := &Model{Name: name, Variants: variants, Pos: p.at(n.line)}
		if settings != nil {
			for _, s := range settings.kids {
				if !s.is("setting") {
					continue
				}
				sn := s.get("name")
				if sn == "" {
					p.errorf(s.line, "setting without a name in device %q", name)
					continue
				}
				if m.Supports(sn) {
					p.warnf(s.line, "device %q lists setting %s twice", name, sn)
					continue
				}
				m.Settings = append(m.Settings, sn)
				m.settingPos = append(m.settingPos, p.at(s.line))
			}
		}
		p.f.Models = append(p.f.Models, m)
	}
	if hasResources {
		r := &Resources{Name: name, ImageURL: image, ThumbnailURL: thumb, Variants: variants, Pos: p.at(n.line)}
		if fw != nil {
			for _, v := range fw.kids {
				if !v.is("fwVersion") {
					continue
				}
				ver := v.get("version")
				if ver == "" {
					p.errorf(v.line, "fwVersion without a version in device %q", name)
					continue
				}
				r.Firmware = append(r.Firmware, FirmwareVersion{Version: ver, File: v.get("firmwareFile"),
					ReleaseNote: note(v.child("releaseNote")), Pos: p.at(v.line)})
			}
		}
		p.f.Resources = append(p.f.Resources, r)
	}
}

// variants reads the <variant> elements of a device, under <variants> or
// directly beneath it.
func (p *parser) variants(n *node, device string) (out []Variant, seen int) {
	var scan func(n *node, depth int)
	scan = func(n *node, depth int) {
		for _, k := range n.kids {
			switch {
			case k.is("variant"):
				seen++
				if v, ok := p.variant(k, device); ok {
					out = append(out, v)
				}
			case k.is("variants") && depth == 0:
				scan(k, 1)
			}
		}
	}
	scan(n, 0)
	return out, seen
}

func (p *parser) variant(n *node, device string) (Variant, bool) {
	v := Variant{Type: NormalizeVariant(n.get("variantType")), Pos: p.at(n.line)}
	ok := true
	for _, f := range []struct {
		attr string
		into *uint16
	}{{"vid", &v.VendorID}, {"pid", &v.ProductID}} {
		s, _ := n.attr(f.attr)
		id, err := ParseUSBID(s)
		if err != nil {
			p.errorf(n.line, "device %q: variant %s: %v", device, f.attr, err)
			ok = false
		}
		*f.into = id
	}
	return v, ok
}

// ParseUSBID reads a vendor or product id: decimal as the Mapping writes it
// ("2830"), or hex with a 0x prefix or hex letters ("0x0B0E", "0B0E" is
// read as hex only because of its letter B).
func ParseUSBID(s string) (uint16, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("missing")
	}
	base := 10
	digits := s
	if rest, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		base, digits = 16, rest
	} else if strings.ContainsAny(s, "abcdefABCDEF") {
		base = 16
	}
	v, err := strconv.ParseUint(digits, base, 16)
	if err != nil {
		return 0, fmt.Errorf("%q is not a USB id (decimal 0–65535, or hex like 0x0B0E)", s)
	}
	return uint16(v), nil
}

// NormalizeVariant writes a variant type as Earshot compares it: trimmed
// and upper case ("01-4e" → "01-4E").
func NormalizeVariant(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// validText tells whether s is text a person could have typed: valid UTF-8
// without control characters.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) {
			return false
		}
	}
	return true
}
