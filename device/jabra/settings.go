package jabra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/earshot-app/earshot/device"
)

// setting is one catalogue setting the driver reads and writes over GN
// (docs/hardware.md §2.5), with the catalogue's value (assets/catalog
// SettingsDefinition-Earshot.xml) on one side and the device's bytes on
// the other.
type setting struct {
	name     string
	cmd, sub byte
	// encode turns a catalogue value into the SET payload; cur is the
	// device's current payload (nil when unknown).
	encode func(v string, cur []byte) ([]byte, error)
	// decode turns a GET payload into a catalogue value.
	decode func(p []byte) (string, error)
}

// Catalogue names of the settings the driver writes.
const (
	SettingSidetone      = "SIDETONE"
	SettingBusylight     = "HEADSET_BUSYLIGHT"
	SettingVoicePrompts  = "VOICE_PROMPTS"
	SettingAutoOff       = "AUTO_OFF"
	SettingVolumeLimiter = "VOLUME_LIMITER"
)

// sidetoneLevels are the catalogue's levels 1–3 (Low, Medium, High) in dB;
// 0 (Off) mutes the sidetone and keeps its level.
var sidetoneLevels = map[string]int8{"1": -6, "2": 0, "3": 6}

// voicePrompts maps the catalogue's 0 off, 1 tones, 2 voice and tones to
// GN 13/3A's 02 off, 00 tones, 01 voice.
var voicePrompts = map[string]byte{"0": 0x02, "1": 0x00, "2": 0x01}

var settingsTable = []setting{
	{name: SettingSidetone, cmd: 0x13, sub: 0x7C,
		encode: func(v string, cur []byte) ([]byte, error) {
			if v == "0" {
				level := byte(0)
				if len(cur) >= 2 {
					level = cur[1]
				}
				return []byte{0x01, level}, nil
			}
			db, ok := sidetoneLevels[v]
			if !ok {
				return nil, fmt.Errorf("sidetone %q is not 0, 1, 2 or 3", v)
			}
			return []byte{0x00, byte(db)}, nil
		},
		decode: func(p []byte) (string, error) {
			if len(p) < 2 {
				return "", errShort
			}
			db := int8(p[1])
			switch {
			case p[0] != 0:
				return "0", nil
			case db >= 3:
				return "3", nil
			case db >= -3:
				return "2", nil
			}
			return "1", nil
		}},
	{name: SettingBusylight, cmd: 0x12, sub: 0x08,
		encode: func(v string, _ []byte) ([]byte, error) {
			on, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("%q is not true or false", v)
			}
			return []byte{boolByte(on), 0x00}, nil // 00: manual control
		},
		decode: func(p []byte) (string, error) {
			if len(p) < 1 {
				return "", errShort
			}
			return strconv.FormatBool(p[0] != 0), nil
		}},
	{name: SettingVoicePrompts, cmd: 0x13, sub: 0x3A,
		encode: func(v string, _ []byte) ([]byte, error) {
			b, ok := voicePrompts[v]
			if !ok {
				return nil, fmt.Errorf("voice prompts %q is not 0, 1 or 2", v)
			}
			return []byte{b}, nil
		},
		decode: func(p []byte) (string, error) {
			if len(p) < 1 {
				return "", errShort
			}
			for k, b := range voicePrompts {
				if b == p[0] {
					return k, nil
				}
			}
			return "", fmt.Errorf("voice prompts byte %02X is none Earshot knows", p[0])
		}},
	{name: SettingAutoOff, cmd: 0x13, sub: 0x90,
		encode: func(v string, _ []byte) ([]byte, error) {
			m, err := strconv.Atoi(v)
			if err != nil || m < 0 || m%5 != 0 || m/5 > 0xFF {
				return nil, fmt.Errorf("auto-off %q is not a number of minutes the device counts (0–1275, in steps of 5)", v)
			}
			return []byte{byte(m / 5)}, nil
		},
		decode: func(p []byte) (string, error) {
			if len(p) < 1 {
				return "", errShort
			}
			return strconv.Itoa(int(p[0]) * 5), nil
		}},
	{name: SettingVolumeLimiter, cmd: 0x13, sub: 0x01,
		encode: func(v string, _ []byte) ([]byte, error) {
			on, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("%q is not true or false", v)
			}
			if on {
				return []byte{0x03}, nil // IntelliTone
			}
			return []byte{0x00}, nil // PeakStop only
		},
		decode: func(p []byte) (string, error) {
			if len(p) < 1 {
				return "", errShort
			}
			return strconv.FormatBool(p[0] != 0), nil
		}},
}

var errShort = errors.New("the device's answer is too short")

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func lookupSetting(name string) (setting, bool) {
	i := slices.IndexFunc(settingsTable, func(s setting) bool { return s.name == name })
	if i < 0 {
		return setting{}, false
	}
	return settingsTable[i], true
}

// SettingNames lists the catalogue settings the driver can write.
func SettingNames() []string {
	out := make([]string, len(settingsTable))
	for i, s := range settingsTable {
		out[i] = s.name
	}
	return out
}

// handler is what the host calls for one device of the run: settings and
// firmware (hid.SettingsHandler, hid.FirmwareHandler).
type handler struct {
	r    *run
	addr byte
}

// lightHandler is a handler whose device has a busylight the protocol can
// switch (hid.LightHandler too).
type lightHandler struct{ *handler }

func (h *handler) node() *node {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	return h.r.nodes[h.addr]
}

// CanWrite tells whether the device answers the setting's GN command.
func (h *handler) CanWrite(name string) error {
	if _, ok := lookupSetting(name); !ok {
		return fmt.Errorf("the jabra driver does not write %s: %w", name, device.ErrNotWritable)
	}
	n := h.node()
	if n == nil {
		return fmt.Errorf("the device is no longer attached: %w", device.ErrNotWritable)
	}
	h.r.mu.Lock()
	has := n.has[name]
	h.r.mu.Unlock()
	if !has {
		return fmt.Errorf("%s did not answer when asked for %s: %w", n.dev.Name, name, device.ErrNotWritable)
	}
	return nil
}

// WriteSettings writes each value, reads it back, and reports a value the
// device did not keep as that setting's failure. The settings written are
// reported in one Changed event.
func (h *handler) WriteSettings(ctx context.Context, values map[string]string) map[string]error {
	errs := map[string]error{}
	n := h.node()
	if n == nil {
		for k := range values {
			errs[k] = fmt.Errorf("the device is no longer attached: %w", device.ErrDeviceLost)
		}
		return errs
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	slices.Sort(names)
	kept := map[string]string{}
	for _, name := range names {
		got, err := h.write(ctx, name, values[name])
		if got != "" {
			kept[name] = got
		}
		if err != nil {
			errs[name] = err
		}
	}
	if len(kept) > 0 {
		h.r.mu.Lock()
		changed := false
		for k, v := range kept {
			if n.dev.Settings == nil {
				n.dev.Settings = map[string]string{}
			}
			if n.dev.Settings[k] != v {
				n.dev.Settings[k] = v
				changed = true
			}
		}
		if changed && h.r.nodes[h.addr] == n {
			h.r.emit(device.Changed, n)
		}
		h.r.mu.Unlock()
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// write writes one setting and returns what the device holds afterwards
// ("" when unknown).
func (h *handler) write(ctx context.Context, name, value string) (string, error) {
	st, ok := lookupSetting(name)
	if !ok {
		return "", fmt.Errorf("the jabra driver does not write %s: %w", name, device.ErrNotWritable)
	}
	var cur []byte
	if name == SettingSidetone && value == "0" {
		if f, err := h.r.l.request(ctx, h.addr, TypeGet, st.cmd, st.sub); err == nil {
			cur = f.Payload
		}
	}
	payload, err := st.encode(value, cur)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if _, err := h.r.l.request(ctx, h.addr, TypeSet, st.cmd, st.sub, payload...); err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	f, err := h.r.l.request(ctx, h.addr, TypeGet, st.cmd, st.sub)
	if err != nil {
		return "", fmt.Errorf("read %s back: %w", name, err)
	}
	got, err := st.decode(f.Payload)
	if err != nil {
		return "", fmt.Errorf("read %s back: %w", name, err)
	}
	if got != normal(name, value) {
		return got, fmt.Errorf("the device kept %s = %s after Earshot wrote %s", name, got, value)
	}
	return got, nil
}

// normal writes a value the way decode reads it ("1" → "true" for a
// boolean).
func normal(name, v string) string {
	switch name {
	case SettingBusylight, SettingVolumeLimiter:
		if b, err := strconv.ParseBool(v); err == nil {
			return strconv.FormatBool(b)
		}
	}
	return v
}

// SetLight switches the headset's busylight (GN 12/08): any colour but
// black is on. The headset has one red light; it does not blink.
func (h *lightHandler) SetLight(ctx context.Context, state device.LightState) error {
	n := h.node()
	if n == nil {
		return fmt.Errorf("set the busylight: the device is no longer attached")
	}
	h.r.mu.Lock()
	light := n.light
	h.r.mu.Unlock()
	if !light {
		return fmt.Errorf("set the busylight of %s: %w", n.dev.Name, ErrNotSupported)
	}
	if _, err := h.r.l.request(ctx, h.addr, TypeSet, 0x12, 0x08, boolByte(!state.Colour.Off()), 0x00); err != nil {
		return fmt.Errorf("set the busylight of %s: %w", n.dev.Name, err)
	}
	return nil
}
