package jabra

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/hid"
)

// A settings write goes out as docs/hardware.md §2.6 predicts, is read back,
// and a value the device did not keep, or refused, fails that setting
// alone.
func TestWriteSettingsReadsBack(t *testing.T) {
	rules := []rule{
		// SETs: ACK (05 00 08 <seq> C5 FF), but the volume limiter is
		// refused with an illegal parameter.
		{match: "05 08 00 ?? 87 13 01", reply: "05 00 08 ?? C6 FE FA"},
		{match: "05 08 00 ?? 87 13 90", reply: "05 00 08 ?? C5 FF"},
		{match: "05 08 00 ?? 88 12 08", reply: "05 00 08 ?? C5 FF"},
		{match: "05 08 00 ?? 88 13 7C", reply: "05 00 08 ?? C5 FF"},
		{match: "05 08 00 ?? 87 13 3A", reply: "05 00 08 ?? C5 FF"},
	}
	dev := newFakeDev(0x24B9, append(rules, usbHeadsetRules()...)...)
	s, _ := start(t, New(testOptions()), dev)
	s.waitFor("the headset", has(device.Arrived, "hid:test"))
	// Read-back values: sidetone 0 dB unmuted, auto-off 6 × 5 min, voice
	// prompts still 01 (voice), the busylight now on.
	dev.setRule(get(AddrUSB, 0x12, 0x08, 0x01))
	h := s.handler("hid:test").(hid.SettingsHandler)
	before := len(dev.written(1))

	errs := h.WriteSettings(context.Background(), map[string]string{
		"SIDETONE": "2", "AUTO_OFF": "30", "VOICE_PROMPTS": "0", "VOLUME_LIMITER": "false", "HEADSET_BUSYLIGHT": "true",
	})
	if len(errs) != 2 {
		t.Fatalf("errors %v, want voice prompts and volume limiter", errs)
	}
	if err := errs["VOICE_PROMPTS"]; err == nil || !strings.Contains(err.Error(), "the device kept VOICE_PROMPTS = 2 after Earshot wrote 0") {
		t.Errorf("voice prompts: %v", err)
	}
	var ne *NACKError
	if err := errs["VOLUME_LIMITER"]; !errors.As(err, &ne) || ne.Reason != 0xFA {
		t.Errorf("volume limiter: %v", err)
	}
	got := dev.written(64)[before:]
	// Sorted by name: AUTO_OFF, HEADSET_BUSYLIGHT, SIDETONE, VOICE_PROMPTS,
	// VOLUME_LIMITER; each SET followed by its GET, except the refused one.
	want := []string{
		"05 08 00 0C 87 13 90 06", "05 08 00 0D 46 13 90", // §2.6 auto-off 30 min
		"05 08 00 0E 88 12 08 01 00", "05 08 00 0F 46 12 08",
		"05 08 00 10 88 13 7C 00 00", "05 08 00 11 46 13 7C", // §2.6 sidetone 0 dB
		"05 08 00 12 87 13 3A 02", "05 08 00 13 46 13 3A",
		"05 08 00 14 87 13 01 00",
	}
	if len(got) != len(want) {
		t.Fatalf("writes %q", got)
	}
	for i, w := range want {
		if full := w + strings.Repeat(" 00", 64-len(mustHex(w))); got[i] != full {
			t.Errorf("write %d\n got %s\nwant %s", i, got[i], full)
		}
	}
	evs := s.waitFor("the settings change", has(device.Changed, "hid:test"))
	ch, _ := last(evs, device.Changed, "hid:test")
	if ch.Device.Settings["HEADSET_BUSYLIGHT"] != "true" || ch.Device.Settings["VOICE_PROMPTS"] != "2" {
		t.Errorf("settings after the write: %v", ch.Device.Settings)
	}
}

func TestCanWrite(t *testing.T) {
	rules := usbHeadsetRules()
	rules = append([]rule{nack(AddrUSB, "05 08 00 ?? 46 13 01", 0xFF)}, rules...)
	dev := newFakeDev(0x24B9, rules...)
	s, _ := start(t, New(testOptions()), dev)
	s.waitFor("the headset", has(device.Arrived, "hid:test"))
	h := s.handler("hid:test").(hid.SettingsHandler)
	for _, tc := range []struct{ name, err string }{
		{"SIDETONE", ""},
		{"AUTO_OFF", ""},
		{"VOLUME_LIMITER", "did not answer"},
		{"ANC_MODE", "does not write ANC_MODE"},
	} {
		err := h.CanWrite(tc.name)
		if (tc.err == "") != (err == nil) || (err != nil && (!strings.Contains(err.Error(), tc.err) || !errors.Is(err, device.ErrNotWritable))) {
			t.Errorf("CanWrite(%s) = %v, want %q", tc.name, err, tc.err)
		}
	}
}

func TestSettingCodec(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		cur         []byte
		want        []byte
		back        string
	}{
		{"SIDETONE", "0", []byte{0, 0xFA}, []byte{1, 0xFA}, "0"},
		{"SIDETONE", "1", nil, []byte{0, 0xFA}, "1"},
		{"SIDETONE", "3", nil, []byte{0, 0x06}, "3"},
		{"VOICE_PROMPTS", "1", nil, []byte{0x00}, "1"},
		{"AUTO_OFF", "0", nil, []byte{0}, "0"},
		{"AUTO_OFF", "480", nil, []byte{96}, "480"},
		{"HEADSET_BUSYLIGHT", "false", nil, []byte{0, 0}, "false"},
		{"VOLUME_LIMITER", "true", nil, []byte{3}, "true"},
	} {
		st, _ := lookupSetting(tc.name)
		got, err := st.encode(tc.value, tc.cur)
		if err != nil || string(got) != string(tc.want) {
			t.Errorf("%s %s: % X, %v", tc.name, tc.value, got, err)
		}
		if back, err := st.decode(got); err != nil || back != tc.back {
			t.Errorf("%s % X reads back %q, %v", tc.name, got, back, err)
		}
	}
	for _, tc := range []struct{ name, value string }{
		{"SIDETONE", "4"}, {"AUTO_OFF", "7"}, {"AUTO_OFF", "-5"}, {"AUTO_OFF", "2000"},
		{"VOICE_PROMPTS", "x"}, {"VOLUME_LIMITER", "maybe"},
	} {
		st, _ := lookupSetting(tc.name)
		if _, err := st.encode(tc.value, nil); err == nil {
			t.Errorf("%s %q was accepted", tc.name, tc.value)
		}
	}
	for _, st := range settingsTable {
		if _, err := st.decode(nil); err == nil {
			t.Errorf("%s decodes an empty answer", st.name)
		}
	}
}

func TestSetLight(t *testing.T) {
	rules := append([]rule{{match: "05 08 00 ?? 88 12 08", reply: "05 00 08 ?? C5 FF"}}, usbHeadsetRules()...)
	dev := newFakeDev(0x24B9, rules...)
	s, _ := start(t, New(testOptions()), dev)
	s.waitFor("the headset", has(device.Arrived, "hid:test"))
	h := s.handler("hid:test").(hid.LightHandler)
	before := len(dev.written(1))
	if err := h.SetLight(context.Background(), device.LightState{Colour: device.Colour{R: 255}}); err != nil {
		t.Fatal(err)
	}
	if err := h.SetLight(context.Background(), device.LightState{}); err != nil {
		t.Fatal(err)
	}
	got := dev.written(9)[before:]
	if len(got) != 2 || got[0] != "05 08 00 0C 88 12 08 01 00" || got[1] != "05 08 00 0D 88 12 08 00 00" {
		t.Errorf("writes %q", got)
	}
}
