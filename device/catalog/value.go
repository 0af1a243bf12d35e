package catalog

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultMaxText is the longest free-text value when a definition sets no
// MaxLength of its own.
const DefaultMaxText = 1024

// Why a value is refused.
const (
	ReasonNotAllowed = "notAllowed" // not one of an enumeration's SupportedValues
	ReasonNotBool    = "notBool"    // not a boolean
	ReasonNotNumber  = "notNumber"
	ReasonNotInteger = "notInteger"
	ReasonOutOfRange = "outOfRange" // outside MinValue–MaxValue
	ReasonOffStep    = "offStep"    // between two Steps
	ReasonTooLong    = "tooLong"
	ReasonRequired   = "required" // empty ("not set") where the setting does not allow null
	ReasonBadText    = "badText"  // control characters or invalid UTF-8
)

// ValueError says why a value does not fit a definition, with what is
// allowed, so a message can list it.
type ValueError struct {
	Setting   string
	Value     string
	Reason    string           // one of the Reason constants
	Allowed   []SupportedValue // ReasonNotAllowed, ReasonNotBool
	Min, Max  float64          // ReasonOutOfRange, ReasonOffStep
	Step      float64          // ReasonOffStep
	MaxLength int              // ReasonTooLong
}

func (e *ValueError) Error() string {
	switch e.Reason {
	case ReasonNotAllowed:
		return fmt.Sprintf("%q is not one of the allowed values: %s", e.Value, AllowedList(e.Allowed))
	case ReasonNotBool:
		return fmt.Sprintf("%q is not on or off (allowed: %s)", e.Value, AllowedList(e.Allowed))
	case ReasonNotNumber:
		return fmt.Sprintf("%q is not a number", e.Value)
	case ReasonNotInteger:
		return fmt.Sprintf("%q is not a whole number", e.Value)
	case ReasonOutOfRange:
		return fmt.Sprintf("%s is outside %s–%s", e.Value, FormatNumber(e.Min), FormatNumber(e.Max))
	case ReasonOffStep:
		return fmt.Sprintf("%s is not in steps of %s from %s", e.Value, FormatNumber(e.Step), FormatNumber(e.Min))
	case ReasonTooLong:
		return fmt.Sprintf("the value is longer than %d characters", e.MaxLength)
	case ReasonRequired:
		return "a value is required (this setting cannot be left unset)"
	}
	return fmt.Sprintf("%q holds control characters or is not UTF-8", e.Value)
}

// AllowedList writes supported values as `1 (Long), 2 (Medium)`.
func AllowedList(vs []SupportedValue) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Value
		if v.FriendlyName != "" && v.FriendlyName != v.Value {
			parts[i] += " (" + v.FriendlyName + ")"
		}
	}
	return strings.Join(parts, ", ")
}

// FormatNumber writes a number without a needless fraction ("15", "0.5").
func FormatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Check tells whether v is a value of d and returns it in the form Earshot
// stores: surrounding white space dropped, a boolean as d's own raw value, a
// number without a needless fraction, an enumeration value matched
// case-insensitively when the case alone differs. "" means "not set".
// A refused value is a *ValueError.
func (d *Definition) Check(v string) (string, error) {
	v = strings.TrimSpace(v)
	fail := func(reason string) (string, error) {
		return "", &ValueError{Setting: d.Name, Value: v, Reason: reason, Allowed: d.allowed(),
			Min: d.Min, Max: d.Max, Step: d.Step, MaxLength: d.maxText()}
	}
	if v == "" {
		if d.AllowsNull || d.Default == "" {
			return "", nil
		}
		return fail(ReasonRequired)
	}
	switch d.kind {
	case KindChoice:
		for _, sv := range d.Values {
			if sv.Value == v {
				return v, nil
			}
		}
		for _, sv := range d.Values {
			if strings.EqualFold(sv.Value, v) {
				return sv.Value, nil
			}
		}
		return fail(ReasonNotAllowed)
	case KindBool:
		if v == d.on || v == d.off {
			return v, nil
		}
		b, ok := parseBool(v)
		if !ok {
			return fail(ReasonNotBool)
		}
		if b {
			return d.on, nil
		}
		return d.off, nil
	case KindRange:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fail(ReasonNotNumber)
		}
		if d.integer && f != math.Trunc(f) {
			return fail(ReasonNotInteger)
		}
		if f < d.Min || f > d.Max {
			return fail(ReasonOutOfRange)
		}
		if d.Step > 0 {
			n := (f - d.Min) / d.Step
			if math.Abs(n-math.Round(n)) > 1e-9*math.Max(1, math.Abs(n)) {
				return fail(ReasonOffStep)
			}
		}
		return FormatNumber(f), nil
	}
	// Text.
	if !validText(v) {
		return fail(ReasonBadText)
	}
	if utf8.RuneCountInString(v) > d.maxText() {
		return fail(ReasonTooLong)
	}
	switch {
	case d.integer:
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return fail(ReasonNotInteger)
		}
		return v, nil
	case d.number:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fail(ReasonNotNumber)
		}
		return FormatNumber(f), nil
	}
	return v, nil
}

func (d *Definition) maxText() int {
	if d.MaxLength > 0 {
		return d.MaxLength
	}
	return DefaultMaxText
}

// allowed lists the values a choice or a check accepts.
func (d *Definition) allowed() []SupportedValue {
	switch d.kind {
	case KindChoice:
		return d.Values
	case KindBool:
		on, off := SupportedValue{Value: d.on}, SupportedValue{Value: d.off}
		for _, sv := range d.Values {
			switch sv.Value {
			case d.on:
				on.FriendlyName = sv.FriendlyName
			case d.off:
				off.FriendlyName = sv.FriendlyName
			}
		}
		return []SupportedValue{on, off}
	}
	return nil
}

// Allowed lists the values a choice or a check accepts; nil for the others.
func (d *Definition) Allowed() []SupportedValue { return d.allowed() }
