// Package management is Earshot's client of the partner's device-management
// endpoint (docs/device-management.md): the Poller asks the endpoint for each managed device's
// configuration when the device arrives and every
// CHECKFORUPDATESINTERVALMINUTES, and the Applier applies the answer:
// settings through the catalog's validation and the driver, client-side
// settings in the store, firmware through app/firmware.
package management

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/earshot-app/earshot/app/firmware"
)

// Answer is a device-management configuration (docs/device-management.md):
//
//	{ "firmware": { "version": "2.0.0", "downloadUrl": "Firmware/x.zip" },
//	  "settings": { "AUDIO_PROTECTION": "5" } }
type Answer struct {
	Firmware Firmware
	// Settings are the settings whose value is a string, by name.
	Settings map[string]string
	// BadValues are settings whose value is not a string, with the reason;
	// they are rejected one by one like any other invalid setting.
	BadValues map[string]string
}

// Firmware is the answer's firmware element; zero when it is {}.
type Firmware struct {
	Version     string
	DownloadURL string
}

// Empty tells whether the answer manages no firmware.
func (f Firmware) Empty() bool { return f == Firmware{} }

// Limits of an answer.
const (
	// MaxAnswerBytes caps the body read from the endpoint.
	MaxAnswerBytes = 1 << 20
	maxSettings    = 2000
	maxNameLen     = 128
	maxValueLen    = 4096
	maxURLLen      = 4096
)

// ErrHostileAnswer is wrapped by every error that refuses an answer for
// what it says (rather than for failing to arrive).
var ErrHostileAnswer = errors.New("refused device-management answer")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrHostileAnswer, fmt.Sprintf(format, args...))
}

// ParseAnswer reads an answer. It refuses, with the reason: a body that is
// not one JSON object, a missing "firmware" or "settings" key, either of
// them not an object, a firmware element without a string version and
// downloadUrl (unless it is {}), a version that is not numeric, and more
// than the limits allow. Unknown keys are ignored (a newer minor version of
// the protocol may add some). A setting's value is read as import reads it
// (see scalar); an object or array there is kept in BadValues, to be
// rejected alone.
func ParseAnswer(body []byte) (Answer, error) {
	if len(body) > MaxAnswerBytes {
		return Answer{}, refuse("%d bytes is more than the %d allowed", len(body), MaxAnswerBytes)
	}
	if !utf8.Valid(body) {
		return Answer{}, refuse("not UTF-8 text")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return Answer{}, refuse("empty body")
		case errors.As(err, &syn):
			return Answer{}, refuse("not JSON: %v at byte %d", syn, syn.Offset)
		case errors.As(err, &typ):
			return Answer{}, refuse("the top level is a JSON %s, not an object", typ.Value)
		}
		return Answer{}, refuse("not JSON: %v", err)
	}
	if top == nil {
		return Answer{}, refuse("the top level is null, not an object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Answer{}, refuse("more data after the JSON object")
	}
	var a Answer
	rawFW, ok := top["firmware"]
	if !ok {
		return Answer{}, refuse(`the "firmware" key is missing (send {} for no firmware)`)
	}
	fw, err := object(rawFW, "firmware")
	if err != nil {
		return Answer{}, err
	}
	if len(fw) > 0 {
		if a.Firmware.Version, err = stringKey(fw, "firmware", "version"); err != nil {
			return Answer{}, err
		}
		if _, err := firmware.CompareVersions(a.Firmware.Version, "0"); err != nil {
			return Answer{}, refuse("firmware.version: %v", err)
		}
		if a.Firmware.DownloadURL, err = stringKey(fw, "firmware", "downloadUrl"); err != nil {
			return Answer{}, err
		}
		if len(a.Firmware.DownloadURL) > maxURLLen {
			return Answer{}, refuse("firmware.downloadUrl is longer than %d characters", maxURLLen)
		}
	}
	rawSettings, ok := top["settings"]
	if !ok {
		return Answer{}, refuse(`the "settings" key is missing (send {} for no settings)`)
	}
	settings, err := object(rawSettings, "settings")
	if err != nil {
		return Answer{}, err
	}
	if len(settings) > maxSettings {
		return Answer{}, refuse("%d settings is more than the %d allowed", len(settings), maxSettings)
	}
	a.Settings = make(map[string]string, len(settings))
	for name, raw := range settings {
		switch {
		case name == "" || len(name) > maxNameLen:
			return Answer{}, refuse("a setting name is empty or longer than %d characters", maxNameLen)
		case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			return Answer{}, refuse("setting name %q holds control characters", name)
		}
		v, ok := scalar(raw)
		if !ok {
			if a.BadValues == nil {
				a.BadValues = map[string]string{}
			}
			a.BadValues[name] = "the value is " + jsonKind(raw) + ", not a string"
			continue
		}
		if len(v) > maxValueLen {
			if a.BadValues == nil {
				a.BadValues = map[string]string{}
			}
			a.BadValues[name] = fmt.Sprintf("the value is longer than %d characters", maxValueLen)
			continue
		}
		a.Settings[name] = v
	}
	return a, nil
}

// scalar reads a setting's value as import does (settings.ParseManagementConfig):
// a string as it is, a number or boolean as its JSON text ("WIRELESS_RANGE":
// 2 is "2"), null as "" (not set). An object or array is not a value.
func scalar(raw json.RawMessage) (string, bool) {
	t := bytes.TrimSpace(raw)
	switch {
	case len(t) == 0:
		return "", false
	case t[0] == '"':
		var s string
		err := json.Unmarshal(t, &s)
		return s, err == nil
	case t[0] == '{' || t[0] == '[':
		return "", false
	case string(t) == "null":
		return "", true
	}
	return string(t), true // a number, true or false: valid JSON already
}

// object decodes raw as a JSON object.
func object(raw json.RawMessage, key string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, refuse("%q is %s, not an object", key, jsonKind(raw))
	}
	return m, nil
}

// stringKey returns the non-empty string under key of obj.
func stringKey(obj map[string]json.RawMessage, parent, key string) (string, error) {
	raw, ok := obj[key]
	if !ok {
		return "", refuse("%s.%s is missing", parent, key)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", refuse("%s.%s is %s, not a string", parent, key, jsonKind(raw))
	}
	if strings.TrimSpace(s) == "" {
		return "", refuse("%s.%s is empty", parent, key)
	}
	return strings.TrimSpace(s), nil
}

// jsonKind names the JSON type of raw.
func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "empty"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// digest identifies a map of settings, independent of key order.
func digest(parts ...map[string]string) string {
	h := sha256.New()
	for _, m := range parts {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			fmt.Fprintf(h, "%q=%q\n", k, m[k])
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
