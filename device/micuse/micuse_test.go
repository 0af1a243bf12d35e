package micuse

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// Status files as the kernel writes them (sound/core/pcm.c
// snd_pcm_substream_proc_status_read): a running capture stream, and a
// closed one.
const (
	running  = "state: RUNNING\nowner_pid   : 4242\ntrigger_time: 1234.5\ntstamp      : 0.0\ndelay       : 256\navail       : 0\navail_max   : 480\n-----\nhw_ptr      : 48000\nappl_ptr    : 47744\n"
	prepared = "state: PREPARED\nowner_pid   : 4242\n"
	closed   = "closed\n"
)

func asound(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

func TestALSAInUse(t *testing.T) {
	tests := []struct {
		name         string
		files        map[string]string
		vid, pid     uint16
		inUse, known bool
	}{
		{"no cards", nil, 0x047f, 0xc056, false, false},
		{"other card only", map[string]string{"card0/usbid": "0b0e:245e\n", "card0/pcm0c/sub0/status": running}, 0x047f, 0xc056, false, false},
		{"headset capturing", map[string]string{"card1/usbid": "047f:c056\n", "card1/pcm0c/sub0/status": running, "card1/pcm0p/sub0/status": closed}, 0x047f, 0xc056, true, true},
		{"headset closed", map[string]string{"card1/usbid": "047f:c056\n", "card1/pcm0c/sub0/status": closed}, 0x047f, 0xc056, false, true},
		{"only playback runs", map[string]string{"card1/usbid": "047f:c056\n", "card1/pcm0c/sub0/status": closed, "card1/pcm0p/sub0/status": running}, 0x047f, 0xc056, false, true},
		{"prepared is not running", map[string]string{"card1/usbid": "047f:c056\n", "card1/pcm0c/sub0/status": prepared}, 0x047f, 0xc056, false, true},
		{"second substream runs", map[string]string{"card2/usbid": "047f:c056", "card2/pcm0c/sub0/status": closed, "card2/pcm0c/sub1/status": running}, 0x047f, 0xc056, true, true},
		{"upper-case id", map[string]string{"card3/usbid": "047F:C056\n", "card3/pcm0c/sub0/status": running}, 0x047f, 0xc056, true, true},
		{"garbage usbid", map[string]string{"card0/usbid": "hello\n", "card0/pcm0c/sub0/status": running}, 0x047f, 0xc056, false, false},
		{"oversize status", map[string]string{"card0/usbid": "047f:c056", "card0/pcm0c/sub0/status": "state: RUNNING\n" + string(make([]byte, 5000))}, 0x047f, 0xc056, false, true},
		{"two identical headsets, second runs", map[string]string{"card0/usbid": "047f:c056", "card0/pcm0c/sub0/status": closed, "card1/usbid": "047f:c056", "card1/pcm0c/sub0/status": running}, 0x047f, 0xc056, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inUse, known := ALSA{Root: asound(tt.files)}.InUse(tt.vid, tt.pid)
			if inUse != tt.inUse || known != tt.known {
				t.Errorf("InUse = %v, %v; want %v, %v", inUse, known, tt.inUse, tt.known)
			}
		})
	}
}

func TestParse(t *testing.T) {
	usbids := []struct {
		in   string
		v, p uint16
		ok   bool
	}{
		{"0b0e:245e\n", 0x0b0e, 0x245e, true},
		{"0b0e:245", 0, 0, false},
		{"0b0e245e", 0, 0, false},
		{"zzzz:245e", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, u := range usbids {
		v, p, ok := ParseUSBID([]byte(u.in))
		if v != u.v || p != u.p || ok != u.ok {
			t.Errorf("ParseUSBID(%q) = %04x, %04x, %v", u.in, v, p, ok)
		}
	}
	statuses := map[string]bool{running: true, prepared: false, closed: false, "state: DRAINING\n": true, "": false, "state:RUNNING": true}
	for in, want := range statuses {
		if got := ParseStatus([]byte(in)); got != want {
			t.Errorf("ParseStatus(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{running, prepared, closed, "0b0e:245e\n", "047F:C056", ":", "state"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ParseStatus(raw)
		if v, p, ok := ParseUSBID(raw); !ok && (v != 0 || p != 0) {
			t.Fatalf("ids %04x:%04x without ok", v, p)
		}
	})
}

// BenchmarkALSAInUse measures one poll on a machine with three sound cards
// (onboard, HDMI, the headset), read from real files through os.DirFS;
// BenchmarkStatBaseline is one os.Stat of the same tree, the baseline.
func BenchmarkALSAInUse(b *testing.B) {
	root := fakeProc(b)
	src := ALSA{Root: os.DirFS(root)}
	b.ResetTimer()
	for b.Loop() {
		if _, known := src.InUse(0x047f, 0xc056); !known {
			b.Fatal("headset card not found")
		}
	}
}

func BenchmarkStatBaseline(b *testing.B) {
	root := fakeProc(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := os.Stat(filepath.Join(root, "card2", "usbid")); err != nil {
			b.Fatal(err)
		}
	}
}

func fakeProc(b *testing.B) string {
	root := b.TempDir()
	files := map[string]string{
		"card0/pcm0c/sub0/status": closed, "card0/pcm0p/sub0/status": closed,
		"card1/pcm3p/sub0/status": closed,
		"card2/usbid":             "047f:c056\n", "card2/pcm0c/sub0/status": closed, "card2/pcm0p/sub0/status": running,
	}
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return root
}
