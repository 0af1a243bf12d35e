// Package catalog reads the three XML formats of docs/catalog.md — SettingsDefinition
// (what each setting is), Mapping (which settings each model supports) and
// resource-mapping (images, firmware versions and release notes per model) —
// and merges them into one Catalog that answers lookups by (vendor id,
// product id, variant type).
//
// The parsers are lenient where files differ harmlessly: unknown elements and
// attributes are ignored, element and attribute names match in any case,
// vid/pid may be decimal or hex, booleans may be "true"/"1"/"yes", and
// whitespace around values is dropped. They are strict where a mistake would
// change what a device gets: malformed XML, a duplicate setting name, a
// SupportedValue without Value, an unreadable vid/pid, or a mapping that names
// a setting no file defines. Every problem names its file and line.
//
// Earshot's extensions to SettingDefinition (docs/catalog.md): MinValue, MaxValue and
// Step for ValueConstraintType="Range"; Category, which groups settings in the
// form; MaxLength for free text. Target="Earshot" marks a client-side setting
// that Earshot keeps itself instead of writing it to the device (docs/device-management.md).
//
// Nothing here imports Fyne or the rest of Earshot.
package catalog

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Position is where something was read: a file and a 1-based line.
type Position struct {
	File string
	Line int
}

func (p Position) String() string {
	if p.Line <= 0 {
		return p.File
	}
	return p.File + ":" + strconv.Itoa(p.Line)
}

// Severity tells what a Problem does to its file.
type Severity string

const (
	// Error: the file is refused when it is parsed (malformed XML, a
	// duplicate name, a SupportedValue without Value…), or, for a mapping
	// naming an undefined setting, that one reference is dropped.
	Error Severity = "error"
	// Warning: the file loads; something in it is probably not what its
	// author meant (an enumeration without values, a default outside them).
	Warning Severity = "warning"
)

// Problem is one thing wrong in a catalog file.
type Problem struct {
	Pos      Position
	Severity Severity
	Msg      string
}

func (p Problem) Error() string {
	if p.Severity == Warning {
		return p.Pos.String() + ": warning: " + p.Msg
	}
	return p.Pos.String() + ": " + p.Msg
}

// HasErrors tells whether any of probs is an Error.
func HasErrors(probs []Problem) bool {
	return slices.ContainsFunc(probs, func(p Problem) bool { return p.Severity == Error })
}

// Kind is how a setting's value is edited and checked.
type Kind string

// The kinds of docs/catalog.md.
const (
	KindText   Kind = "text"   // a validated text entry
	KindChoice Kind = "choice" // a choice of SupportedValues
	KindBool   Kind = "bool"   // a check box
	KindRange  Kind = "range"  // a number between MinValue and MaxValue, in Steps
)

// TargetClient is the Target of a client-side setting: Earshot keeps its
// value and never sends it to the device (docs/device-management.md: EVENT_*, ALLOW_DOWNGRADE).
const TargetClient = "Earshot"

// SupportedValue is one allowed value of an enumeration.
type SupportedValue struct {
	Value        string // what is stored and sent
	FriendlyName string // what people see (UserFriendlyValue); Value when empty
}

// Label is the friendly name, or the raw value when there is none.
func (v SupportedValue) Label() string { return cmp.Or(v.FriendlyName, v.Value) }

// Definition is one SettingDefinition.
type Definition struct {
	Name                string // the key
	Target              string
	FriendlyName        string // UserFriendlyName
	ValueType           string // as written: String, Boolean, Integer…
	ConstraintType      string // as written: Enumeration, Range, None…
	Default             string // DefaultValue; "" = not set
	RequiresReboot      bool
	AllowsNull          bool
	Category            string
	Description         string
	FriendlyDescription string
	Values              []SupportedValue
	Min, Max, Step      float64 // Range only; Step 0 = any value between
	MaxLength           int     // text only; 0 = no limit of its own
	Pos                 Position
	// Builtin: read from Earshot's own embedded catalog (Builder.AddBuiltin),
	// whose texts have translations; a third-party file's are shown as written.
	Builtin bool

	kind      Kind
	sawValues bool   // the file had SupportedValue elements, even broken ones
	integer   bool   // Range or text holding whole numbers
	number    bool   // text holding a number
	on, off   string // Boolean: the raw values of checked and unchecked
}

// Kind is how the setting is edited.
func (d *Definition) Kind() Kind { return d.kind }

// Label is the friendly name, or Name when there is none.
func (d *Definition) Label() string { return cmp.Or(d.FriendlyName, d.Name) }

// Help is the friendly description, or the description.
func (d *Definition) Help() string { return cmp.Or(d.FriendlyDescription, d.Description) }

// ClientSide tells whether Earshot keeps the value instead of the device.
func (d *Definition) ClientSide() bool { return strings.EqualFold(d.Target, TargetClient) }

// Integer tells whether a Range or text setting holds whole numbers.
func (d *Definition) Integer() bool { return d.integer }

// BoolValues are the raw values of a Boolean setting when checked and when
// not: the definition's own two SupportedValues when it has them, "1"/"0"
// when its default is written that way, else "true"/"false".
func (d *Definition) BoolValues() (on, off string) { return d.on, d.off }

// ValueLabel is what people see for the raw value v: the friendly name of a
// supported value, v otherwise ("" stays "").
func (d *Definition) ValueLabel(v string) string {
	for _, sv := range d.Values {
		if sv.Value == v {
			return sv.Label()
		}
	}
	return v
}

// Variant is one USB identity of a model.
type Variant struct {
	VendorID, ProductID uint16
	Type                string // Jabra variant type "TT-VV"; "" when the file gives none
	Pos                 Position
}

func (v Variant) String() string {
	s := fmt.Sprintf("%04X:%04X", v.VendorID, v.ProductID)
	if v.Type != "" {
		s += " " + v.Type
	}
	return s
}

// Model is one <device> of a Mapping: the settings its variants support.
type Model struct {
	Name     string
	Variants []Variant
	Settings []string // setting names, in file order
	Pos      Position

	settingPos []Position // where each of Settings was named
}

// Supports tells whether the model lists the setting name.
func (m *Model) Supports(name string) bool { return slices.Contains(m.Settings, name) }

// Resources is one <device> of a resource-mapping: images and firmware.
type Resources struct {
	Name         string
	ImageURL     string
	ThumbnailURL string
	Variants     []Variant
	Firmware     []FirmwareVersion // in file order
	Pos          Position
}

// Latest is the newest firmware version listed (numeric comparison, docs/firmware.md).
func (r *Resources) Latest() (FirmwareVersion, bool) {
	if len(r.Firmware) == 0 {
		return FirmwareVersion{}, false
	}
	return slices.MaxFunc(r.Firmware, func(a, b FirmwareVersion) int { return CompareVersions(a.Version, b.Version) }), true
}

// Version finds the firmware entry for version v.
func (r *Resources) Version(v string) (FirmwareVersion, bool) {
	for _, fw := range r.Firmware {
		if CompareVersions(fw.Version, v) == 0 {
			return fw, true
		}
	}
	return FirmwareVersion{}, false
}

// FirmwareVersion is one <fwVersion>.
type FirmwareVersion struct {
	Version     string
	File        string // firmwareFile: a URL, possibly relative
	ReleaseNote string // trimmed; line breaks kept
	Pos         Position
}

// CompareVersions compares dotted versions numerically part by part
// ("1.10.0" > "1.9.2"; a missing part counts as 0). A part that is not a
// number compares as text after the numbers.
func CompareVersions(a, b string) int {
	pa, pb := strings.Split(strings.TrimSpace(a), "."), strings.Split(strings.TrimSpace(b), ".")
	for i := range max(len(pa), len(pb)) {
		x, y := "0", "0"
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		nx, errx := strconv.ParseUint(x, 10, 64)
		ny, erry := strconv.ParseUint(y, 10, 64)
		var c int
		switch {
		case errx == nil && erry == nil:
			c = cmp.Compare(nx, ny)
		case errx == nil:
			c = -1
		case erry == nil:
			c = 1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// File is what one catalog file holds. A file may hold any mix of the three
// formats; each <device> counts as a Model when it has <settings> (or no
// resources) and as Resources when it has fwVersions or image URLs.
type File struct {
	Name        string
	Definitions []*Definition
	Models      []*Model
	Resources   []*Resources
}

// Stats counts what catalog files hold.
type Stats struct {
	Definitions      int `json:"Definitions"`
	Models           int `json:"Models"`           // distinct device names
	Variants         int `json:"Variants"`         // distinct (vid, pid, variant type)
	FirmwareVersions int `json:"FirmwareVersions"` // fwVersion entries
}

// CountFiles counts the definitions, models, variants and firmware versions
// of files.
func CountFiles(files []*File) Stats {
	var s Stats
	names := map[string]bool{}
	variants := map[variantKey]bool{}
	for _, f := range files {
		s.Definitions += len(f.Definitions)
		for _, m := range f.Models {
			names[m.Name] = true
			for _, v := range m.Variants {
				variants[keyOf(v)] = true
			}
		}
		for _, r := range f.Resources {
			names[r.Name] = true
			for _, v := range r.Variants {
				variants[keyOf(v)] = true
			}
			s.FirmwareVersions += len(r.Firmware)
		}
	}
	s.Models, s.Variants = len(names), len(variants)
	return s
}
