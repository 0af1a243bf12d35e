package hidtel

import (
	"testing"

	"github.com/earshot-app/earshot/device/hid/descriptor"
)

// FuzzCallControl feeds garbage, short and oversize descriptors and reports
// to the decoder and the LED report builder: they never panic, and an LED
// report never exceeds its declared length.
func FuzzCallControl(f *testing.F) {
	bw := blackwire(f)
	f.Add(bw, []byte{0x08, 0x03})
	f.Add(bw, []byte{0x01, 0x01})
	f.Add(bw, []byte{0x08})
	f.Add(bw, []byte{})
	f.Add(hexFile(f, "047F_C056_0001_000C.hex"), []byte{0x01, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{0x05, 0x0C, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x03, 0x15, 0x00, 0x26, 0xFF, 0x03,
		0x19, 0x00, 0x2A, 0xFF, 0x03, 0x75, 0x10, 0x95, 0x04, 0x81, 0x00, 0xC0}, []byte{0x03, 0xE9, 0x00, 0xEA, 0x00})
	f.Add([]byte{0xFF, 0x00}, []byte{0x00})
	f.Add(hexFile(f, "0B0E_speak510_partial.hex"), []byte{0x04, 0x11, 0x00})
	f.Fuzz(func(t *testing.T, desc, report []byte) {
		d, _ := descriptor.Parse(desc)
		for _, pages := range []Pages{JabraPages, StandardPages} {
			cc := NewCallControlOn(d, pages)
			for range 3 {
				in := cc.Decode(report)
				if in.Mute < 0 || in.VolumeUp < 0 || in.VolumeDown < 0 {
					t.Fatalf("negative counts %+v", in)
				}
			}
		}
		cc := NewCallControl(d)
		cc.Decode(report)
		cc.Known(0)
		for _, u := range []descriptor.Usage{LEDOffHook, LEDMute, LEDMicrophone, LEDRing, UsageRinger} {
			cc.Set(u, true)
		}
		for _, r := range cc.OutputReports(LEDOffHook, LEDMute, LEDMicrophone, LEDRing, UsageRinger) {
			if len(r) == 0 || len(r) != d.Length(descriptor.Output, r[0]) {
				t.Fatalf("LED report % X does not have its declared length", r)
			}
		}
	})
}

func TestDecodeArrayAndConstant(t *testing.T) {
	// A Consumer array of 16-bit usages (two elements), and a Telephony
	// report whose Hook Switch and Phone Mute are flagged Constant, as
	// Jabra does (docs/hardware.md §1.2): flags 0x23 and 0x07.
	desc := []byte{
		0x05, 0x0C, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x03, 0x15, 0x00, 0x26, 0xFF, 0x03,
		0x19, 0x00, 0x2A, 0xFF, 0x03, 0x75, 0x10, 0x95, 0x02, 0x81, 0x00, 0xC0,
		0x05, 0x0B, 0x09, 0x05, 0xA1, 0x01, 0x85, 0x04, 0x15, 0x00, 0x25, 0x01,
		0x09, 0x20, 0x75, 0x01, 0x95, 0x01, 0x81, 0x23,
		0x09, 0x2F, 0x75, 0x01, 0x95, 0x01, 0x81, 0x07,
		0x75, 0x01, 0x95, 0x06, 0x81, 0x01, 0xC0,
	}
	d, err := descriptor.Parse(desc)
	if err != nil {
		t.Fatal(err)
	}
	cc := NewCallControl(d)
	steps := []struct {
		report []byte
		want   Input
	}{
		{[]byte{0x03, 0xE9, 0x00, 0x00, 0x00}, Input{VolumeUp: 1}},
		{[]byte{0x03, 0xE9, 0x00, 0xEA, 0x00}, Input{VolumeDown: 1}}, // up still held
		{[]byte{0x03, 0x00, 0x00, 0x00, 0x00}, Input{}},
		{[]byte{0x04, 0x01}, Input{Hook: true, OffHook: true}},
		{[]byte{0x04, 0x03}, Input{Hook: true, OffHook: true, Mute: 1}},
		{[]byte{0x04, 0x01}, Input{Hook: true, OffHook: true}},
		{[]byte{0x04, 0x00}, Input{Hook: true}},
		{[]byte{0x04}, Input{}}, // short: nothing read
	}
	for i, s := range steps {
		if got := cc.Decode(s.report); got != s.want {
			t.Errorf("step %d (% X): %+v, want %+v", i, s.report, got, s.want)
		}
	}
}

// TestJabraMirrorPages reads the Jabra Speak 510's real (partial)
// descriptor: its standard Telephony report 3, and report 4 on Jabra's
// vendor mirror page 0xFF30, whose Hook Switch and Phone Mute are flagged
// Constant (0x23, 0x07) although they carry live buttons.
func TestJabraMirrorPages(t *testing.T) {
	d, _ := descriptor.Parse(hexFile(t, "0B0E_speak510_partial.hex")) // truncated: what parsed
	tests := []struct {
		name   string
		pages  Pages
		steps  [][]byte
		want   []Input
		outIDs []byte // reports carrying Off-Hook or the mute LED
	}{
		{"standard pages: report 3", StandardPages,
			[][]byte{{0x03, 0x01}, {0x03, 0x11}, {0x03, 0x01}, {0x01, 0x02}},
			[]Input{{Hook: true, OffHook: true}, {Hook: true, OffHook: true, Mute: 1}, {Hook: true, OffHook: true}, {VolumeUp: 1}}, nil},
		{"Jabra's pages: report 4", JabraPages,
			[][]byte{{0x04, 0x01, 0x00}, {0x04, 0x11, 0x00}, {0x04, 0x00, 0x00}},
			[]Input{{Hook: true, OffHook: true}, {Hook: true, OffHook: true, Mute: 1}, {Hook: true}}, []byte{0x04}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := NewCallControlOn(d, tt.pages)
			if !cc.HasTelephony() {
				t.Fatal("no hook switch or phone mute found")
			}
			for i, r := range tt.steps {
				if got := cc.Decode(r); got != tt.want[i] {
					t.Errorf("report % X: %+v, want %+v", r, got, tt.want[i])
				}
			}
			cc.Set(LEDOffHook, true)
			var ids []byte
			for _, r := range cc.OutputReports(LEDOffHook, LEDMute) {
				ids = append(ids, r[0])
			}
			if string(ids) != string(tt.outIDs) {
				t.Errorf("LED reports % X, want % X", ids, tt.outIDs)
			}
		})
	}
}
