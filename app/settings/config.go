package settings

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/earshot-app/earshot/store"
)

// MaxConfigSize bounds a device-management configuration document.
const MaxConfigSize = 1 << 20

// ManagementConfig is the device-management JSON of docs/device-management.md: the firmware
// and the settings one device should have.
type ManagementConfig struct {
	Firmware FirmwareConfig `json:"firmware"`
	// Service are raw values by setting name; nil is "not set" (JSON null).
	Settings map[string]*string `json:"settings"`
}

// FirmwareConfig is the "firmware" object; both empty = nothing to manage.
type FirmwareConfig struct {
	Version     string `json:"version,omitempty"`
	DownloadURL string `json:"downloadUrl,omitempty"`
}

// Empty tells whether the configuration asks for no firmware.
func (f FirmwareConfig) Empty() bool { return f.Version == "" && f.DownloadURL == "" }

// Values are the settings as Apply takes them: null becomes "" (not set).
func (c ManagementConfig) Values() map[string]string {
	out := make(map[string]string, len(c.Settings))
	for k, v := range c.Settings {
		if v != nil {
			out[k] = *v
		} else {
			out[k] = ""
		}
	}
	return out
}

// Marshal writes the configuration as people read it: indented, keys sorted.
func (c ManagementConfig) Marshal() ([]byte, error) {
	if c.Settings == nil {
		c.Settings = map[string]*string{}
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParseManagementConfig reads a device-management configuration (docs/device-management.md).
// "firmware" and "settings" are both required objects (either may be {});
// other top-level keys are ignored, as later minor versions may add them.
// A setting's value is a string or null; a number or a boolean is taken as
// its JSON text, since backends write "WIRELESS_RANGE": 2 as often as "2".
func ParseManagementConfig(data []byte) (ManagementConfig, error) {
	var c ManagementConfig
	if len(data) > MaxConfigSize {
		return c, fmt.Errorf("configuration: larger than %d bytes", MaxConfigSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		if errors.Is(err, io.EOF) {
			return c, errors.New("configuration: empty")
		}
		return c, fmt.Errorf("configuration: %w", jsonOffset(data, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return c, errors.New("configuration: unexpected data after the top-level object")
	}
	if top == nil {
		return c, errors.New("configuration: want an object with firmware and settings, got null")
	}
	for _, key := range []string{"firmware", "settings"} {
		if raw, ok := top[key]; !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return c, fmt.Errorf("configuration: %q is required (it may be {})", key)
		}
	}
	var fw map[string]json.RawMessage
	if err := json.Unmarshal(top["firmware"], &fw); err != nil {
		return c, fmt.Errorf("configuration: firmware: want an object: %w", err)
	}
	for key, into := range map[string]*string{"version": &c.Firmware.Version, "downloadUrl": &c.Firmware.DownloadURL} {
		raw, ok := fw[key]
		if !ok {
			continue
		}
		v, err := scalar(raw)
		if err != nil {
			return c, fmt.Errorf("configuration: firmware.%s: %w", key, err)
		}
		if v != nil {
			*into = *v
		}
	}
	var settings map[string]json.RawMessage
	if err := json.Unmarshal(top["settings"], &settings); err != nil {
		return c, fmt.Errorf("configuration: settings: want an object: %w", err)
	}
	c.Settings = make(map[string]*string, len(settings))
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		if name == "" {
			return c, errors.New("configuration: settings: an empty setting name")
		}
		v, err := scalar(settings[name])
		if err != nil {
			return c, fmt.Errorf("configuration: settings.%s: %w", name, err)
		}
		c.Settings[name] = v
	}
	return c, nil
}

// scalar reads a JSON string, number, boolean or null.
func scalar(raw json.RawMessage) (*string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	var s string
	switch v := tok.(type) {
	case nil:
		return nil, nil
	case string:
		s = v
	case json.Number:
		s = v.String()
	case bool:
		s = strconv.FormatBool(v)
	default:
		return nil, fmt.Errorf("want a string, got %s", raw)
	}
	return &s, nil
}

// jsonOffset adds the line of a JSON syntax error.
func jsonOffset(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte{'\n'})
		return fmt.Errorf("line %d: %w", line, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("want an object with firmware and settings, got %s", te.Value)
	}
	return err
}

// Export is the device-management configuration of the attached device id
// as it stands (docs/device-management.md): every setting of its form with its current value
// (null when not set), and no firmware. It leaves out the settings that take
// effect only with a firmware file, since the configuration carries none.
// Handed to a device-management backend, it configures a fleet like this
// device; imported, it configures another device of the model.
func (s *Service) Export(id string) (ManagementConfig, error) {
	form, err := s.Form(id)
	if err != nil {
		return ManagementConfig{}, err
	}
	c := ManagementConfig{Settings: map[string]*string{}}
	for _, f := range form.Fields {
		if NeedsFirmware(f.Name) {
			continue
		}
		if f.Value == "" {
			c.Settings[f.Name] = nil
			continue
		}
		v := f.Value
		c.Settings[f.Name] = &v
	}
	return c, nil
}

// ImportResult is what Import did.
type ImportResult struct {
	ApplyResult
	// FirmwareIgnored: the file asks for firmware, which an import does not
	// install (stage it with `earshot firmware stage`).
	FirmwareIgnored bool
}

// Import reads a device-management configuration and applies its settings
// to the attached device id with the validation of the management endpoint,
// all or nothing: any refused setting leaves the device unchanged.
func (s *Service) Import(ctx context.Context, id string, data []byte) (ImportResult, error) {
	c, err := ParseManagementConfig(data)
	if err != nil {
		return ImportResult{}, err
	}
	res, err := s.Apply(ctx, id, c.Values(), ApplyOptions{Source: store.SourceImport, AllOrNothing: true})
	return ImportResult{ApplyResult: res, FirmwareIgnored: !c.Firmware.Empty()}, err
}
