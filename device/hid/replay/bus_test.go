package replay

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device/hid"
)

func headset(path string) Spec {
	return Spec{
		Info: hid.Info{Path: path, VendorID: 0x0B0E, ProductID: 0x2E57, Interface: 3, UsagePage: 0xFF00, Usage: 5, Bus: "sim"},
		// Vendor collection, report 5: 63 bytes in and out.
		Descriptor:   []byte{0x06, 0x00, 0xFF, 0x09, 0x05, 0xA1, 0x01, 0x85, 0x05, 0x75, 0x08, 0x95, 0x3F, 0x81, 0x02, 0x91, 0x02, 0xC0},
		InputLengths: map[byte]int{5: 64},
	}
}

func open(t *testing.T, b *Bus, path string) hid.Device {
	t.Helper()
	d, err := b.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func read(t *testing.T, d hid.Device) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	buf := make([]byte, 128)
	n, err := d.Read(ctx, buf)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return buf[:n]
}

// noRead asserts that no report is waiting.
func noRead(t *testing.T, d hid.Device) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	buf := make([]byte, 128)
	if n, err := d.Read(ctx, buf); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read returned % X, %v; want nothing", buf[:n], err)
	}
}

func TestRepliesThroughTheDevice(t *testing.T) {
	padded := func(b ...byte) []byte { return append(b, make([]byte, 64-len(b))...) }
	cases := []struct {
		name    string
		rules   []Rule
		setRule *Rule
		feature bool
		write   []byte
		want    []byte // nil: no answer
	}{
		{
			name:  "output report answered and padded to the input length",
			rules: []Rule{mustRule(t, "05 01 00 ?? 46 02", "05 00 01 ?? 86 02 00 42")},
			write: []byte{0x05, 0x01, 0x00, 0x17, 0x46, 0x02, 0x00},
			want:  padded(0x05, 0x00, 0x01, 0x17, 0x86, 0x02, 0x00, 0x42),
		},
		{
			name:    "feature report answered too",
			rules:   []Rule{mustRule(t, "05 01", "05 00 01")},
			feature: true,
			write:   []byte{0x05, 0x01, 0x00},
			want:    padded(0x05, 0x00, 0x01),
		},
		{
			name:  "report id without a known length is not padded",
			rules: []Rule{mustRule(t, "02", "03 ??")},
			write: []byte{0x02, 0x09},
			want:  []byte{0x03, 0x09},
		},
		{
			name:  "unmatched write gets no answer",
			rules: []Rule{mustRule(t, "05 01", "05 00 01")},
			write: []byte{0x05, 0x08},
		},
		{
			name:    "a rule set later goes in front",
			rules:   []Rule{mustRule(t, "05 ??", "05 AA")},
			setRule: &Rule{Match: mustPattern(t, "05 01"), Reply: mustPattern(t, "05 BB")},
			write:   []byte{0x05, 0x01},
			want:    padded(0x05, 0xBB),
		},
		{
			name:    "a rule with the same match is replaced",
			rules:   []Rule{mustRule(t, "05 01", "05 AA"), mustRule(t, "05", "05 CC")},
			setRule: &Rule{Match: mustPattern(t, "05 01"), Reply: mustPattern(t, "05 DD")},
			write:   []byte{0x05, 0x01},
			want:    padded(0x05, 0xDD),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := New()
			s := headset("sim:a/3")
			s.Rules = tc.rules
			if err := b.Add(s); err != nil {
				t.Fatal(err)
			}
			if tc.setRule != nil {
				if err := b.SetRule("sim:a/3", *tc.setRule); err != nil {
					t.Fatal(err)
				}
			}
			d := open(t, b, "sim:a/3")
			write := d.Write
			kind := KindOutput
			if tc.feature {
				write, kind = d.SendFeature, KindFeature
			}
			if n, err := write(tc.write); err != nil || n != len(tc.write) {
				t.Fatalf("write = %d, %v", n, err)
			}
			if tc.want == nil {
				noRead(t, d)
			} else if got := read(t, d); !bytes.Equal(got, tc.want) {
				t.Fatalf("reply\n% X\nwant\n% X", got, tc.want)
			}
			w := b.Writes()
			if len(w) != 1 || w[0].Path != "sim:a/3" || w[0].Kind != kind || !bytes.Equal(w[0].Report, tc.write) {
				t.Fatalf("writes %+v", w)
			}
		})
	}
}

func TestInputLenFunctionWins(t *testing.T) {
	b := New()
	s := headset("p")
	s.InputLen = func(id byte) int { return int(id) + 1 }
	s.Rules = []Rule{mustRule(t, "01", "03 01")}
	if err := b.Add(s); err != nil {
		t.Fatal(err)
	}
	d := open(t, b, "p")
	if _, err := d.Write([]byte{0x01}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, d); !bytes.Equal(got, []byte{3, 1, 0, 0}) {
		t.Fatalf("got % X", got)
	}
}

func TestInputGoesToEveryReader(t *testing.T) {
	b := New()
	if err := b.Add(headset("p")); err != nil {
		t.Fatal(err)
	}
	// Sent before anyone opened it: the first handle gets it.
	if err := b.Input("p", []byte{0x08, 0x01}); err != nil {
		t.Fatal(err)
	}
	d1 := open(t, b, "p")
	d2 := open(t, b, "p")
	if err := b.Input("p", []byte{0x08, 0x02}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, d1); !bytes.Equal(got, []byte{0x08, 0x01}) {
		t.Fatalf("d1 first %X", got)
	}
	if got := read(t, d1); !bytes.Equal(got, []byte{0x08, 0x02}) {
		t.Fatalf("d1 second %X", got)
	}
	if got := read(t, d2); !bytes.Equal(got, []byte{0x08, 0x02}) {
		t.Fatalf("d2 %X", got)
	}
	noRead(t, d2)
	// A short buffer gets the report's beginning, as hidraw does.
	if err := b.Input("p", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if n, err := d2.Read(context.Background(), buf); n != 2 || err != nil || buf[1] != 2 {
		t.Fatalf("short read %d %v % X", n, err, buf)
	}
}

func TestErrors(t *testing.T) {
	b := New()
	if err := b.Add(headset("p")); err != nil {
		t.Fatal(err)
	}
	denied := headset("denied")
	denied.NoPermission = true
	if err := b.Add(denied); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		do   func() error
		is   error
		msg  string
	}{
		{"open unknown", func() error { _, err := b.Open("nope"); return err }, fs.ErrNotExist, "open nope"},
		{"open without permission", func() error { _, err := b.Open("denied"); return err }, hid.ErrPermission, "open denied"},
		{"add twice", func() error { return b.Add(headset("p")) }, nil, "already attached"},
		{"add without path", func() error { return b.Add(Spec{}) }, nil, "needs a path"},
		{"input unknown", func() error { return b.Input("nope", []byte{1}) }, fs.ErrNotExist, "input for nope"},
		{"input empty", func() error { return b.Input("p", nil) }, nil, "is empty"},
		{"detach unknown", func() error { return b.Detach("nope") }, fs.ErrNotExist, "detach nope"},
		{"rule unknown", func() error { return b.SetRule("nope", mustRule(t, "01", "01")) }, fs.ErrNotExist, "rule for nope"},
		{"empty rule", func() error { return b.SetRule("p", Rule{}) }, nil, "needs a match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) || !contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want %v containing %q", err, tc.is, tc.msg)
			}
		})
	}
	// Permission granted later, as udev's ACL arrives after the kernel event.
	if err := b.SetPermission("denied", true); err != nil {
		t.Fatal(err)
	}
	open(t, b, "denied")
}

func contains(s, sub string) bool { return bytes.Contains([]byte(s), []byte(sub)) }

func TestFeatureAndDescriptor(t *testing.T) {
	b := New()
	s := headset("p")
	s.Features = map[byte][]byte{1: {1, 0x63, 0xFF}}
	if err := b.Add(s); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(Spec{Info: hid.Info{Path: "bare"}}); err != nil {
		t.Fatal(err)
	}
	d := open(t, b, "p")
	buf := []byte{1, 9, 9, 9, 9}
	if n, err := d.GetFeature(buf); err != nil || n != 3 || !bytes.Equal(buf[:3], []byte{1, 0x63, 0xFF}) {
		t.Fatalf("GetFeature = %d, %v, % X", n, err, buf)
	}
	if err := b.SetFeature("p", []byte{1, 0x42}); err != nil {
		t.Fatal(err)
	}
	if n, _ := d.GetFeature(buf); n != 2 || buf[1] != 0x42 {
		t.Fatalf("after SetFeature % X", buf[:n])
	}
	if _, err := d.GetFeature([]byte{7, 0}); !errors.Is(err, ErrNoFeature) {
		t.Fatalf("unknown feature: %v", err)
	}
	desc, err := d.ReportDescriptor()
	if err != nil || !bytes.Equal(desc, s.Descriptor) {
		t.Fatalf("descriptor % X, %v", desc, err)
	}
	desc[0] = 0 // the caller's copy
	if again, _ := d.ReportDescriptor(); again[0] != 0x06 {
		t.Fatal("descriptor shared with the caller")
	}
	if _, err := open(t, b, "bare").ReportDescriptor(); !errors.Is(err, hid.ErrNotSupported) {
		t.Fatalf("bare descriptor: %v", err)
	}
}

func TestReadEnds(t *testing.T) {
	cases := []struct {
		name string
		end  func(b *Bus, d hid.Device, cancel context.CancelFunc)
		want error
	}{
		{"context", func(_ *Bus, _ hid.Device, cancel context.CancelFunc) { cancel() }, context.Canceled},
		{"close", func(_ *Bus, d hid.Device, _ context.CancelFunc) { d.Close() }, hid.ErrClosed},
		{"detach", func(b *Bus, _ hid.Device, _ context.CancelFunc) { b.Detach("p") }, hid.ErrClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := New()
			if err := b.Add(headset("p")); err != nil {
				t.Fatal(err)
			}
			d := open(t, b, "p")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := d.Read(ctx, make([]byte, 64))
				done <- err
			}()
			time.Sleep(10 * time.Millisecond)
			tc.end(b, d, cancel)
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) {
					t.Fatalf("read ended with %v, want %v", err, tc.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("read did not end")
			}
			if tc.want == hid.ErrClosed {
				if _, err := d.Write([]byte{5}); !errors.Is(err, hid.ErrClosed) {
					t.Fatalf("write after end: %v", err)
				}
			}
		})
	}
}

func TestDetachDrainsQueuedReportsFirst(t *testing.T) {
	b := New()
	if err := b.Add(headset("p")); err != nil {
		t.Fatal(err)
	}
	d := open(t, b, "p")
	if err := b.Input("p", []byte{8, 1}); err != nil {
		t.Fatal(err)
	}
	if err := b.Detach("p"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, d); !bytes.Equal(got, []byte{8, 1}) {
		t.Fatalf("got % X", got)
	}
	if _, err := d.Read(context.Background(), make([]byte, 8)); !errors.Is(err, hid.ErrClosed) {
		t.Fatalf("after drain: %v", err)
	}
	if infos, _ := b.Enumerate(); len(infos) != 0 {
		t.Fatalf("still listed: %v", infos)
	}
}

func TestWatch(t *testing.T) {
	b := New()
	if err := b.Add(headset("before")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	changes := make(chan hid.Change)
	done := make(chan error, 1)
	go func() { done <- b.Watch(ctx, changes) }()
	for b.Watching() == 0 {
		time.Sleep(time.Millisecond)
	}
	// Several changes in a row, while nobody reads yet: order is kept.
	if err := b.Attach(headset("a")); err != nil {
		t.Fatal(err)
	}
	if err := b.Attach(headset("b")); err != nil {
		t.Fatal(err)
	}
	if err := b.Detach("a"); err != nil {
		t.Fatal(err)
	}
	want := []hid.Change{{Added: true, Info: headset("a").Info}, {Added: true, Info: headset("b").Info}, {Added: false, Info: headset("a").Info}}
	for i, w := range want {
		select {
		case c := <-changes:
			if c != w {
				t.Fatalf("change %d = %+v, want %+v", i, c, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("change %d did not come", i)
		}
	}
	infos, _ := b.Enumerate()
	if len(infos) != 2 || infos[0].Path != "before" || infos[1].Path != "b" {
		t.Fatalf("enumerate %+v", infos)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("watch: %v", err)
	}
	if b.Watching() != 0 {
		t.Fatal("watcher left registered")
	}
}

func TestWaitWrites(t *testing.T) {
	b := New()
	if err := b.Add(headset("p")); err != nil {
		t.Fatal(err)
	}
	d := open(t, b, "p")
	go func() {
		time.Sleep(10 * time.Millisecond)
		d.Write([]byte{9, 1})
		d.Write([]byte{9, 0})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w, err := b.WaitWrites(ctx, 2)
	if err != nil || len(w) != 2 || w[1].Report[1] != 0 {
		t.Fatalf("WaitWrites = %+v, %v", w, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if w, err := b.WaitWrites(short, 3); !errors.Is(err, context.DeadlineExceeded) || len(w) != 2 {
		t.Fatalf("WaitWrites past the end = %d, %v", len(w), err)
	}
}

func TestQueueBound(t *testing.T) {
	b := New()
	if err := b.Add(headset("p")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < MaxQueued; i++ {
		if err := b.Input("p", []byte{1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Input("p", []byte{1}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("overflow: %v", err)
	}
}

func TestDescriptorGivesLengthsAndUsage(t *testing.T) {
	b := New()
	// Blackwire 3220's Telephony collection: input report 8 is 2 bytes.
	desc, err := ParseHex("05 0B 09 05 A1 01 85 08 15 00 25 01 09 2F 75 01 95 01 81 06 09 20 09 21 75 01 95 02 81 22 95 05 81 01 05 08 85 09 09 09 95 01 91 22 95 07 91 01 C0")
	if err != nil {
		t.Fatal(err)
	}
	s := Spec{Info: hid.Info{Path: "bw"}, Descriptor: desc, Rules: []Rule{mustRule(t, "09 01", "08 02")}}
	if err := b.Add(s); err != nil {
		t.Fatal(err)
	}
	infos, _ := b.Enumerate()
	if infos[0].UsagePage != 0x0B || infos[0].Usage != 0x05 {
		t.Fatalf("usage %04X:%04X", infos[0].UsagePage, infos[0].Usage)
	}
	d := open(t, b, "bw")
	if _, err := d.Write([]byte{0x09, 0x01}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, d); !bytes.Equal(got, []byte{0x08, 0x02}) {
		t.Fatalf("reply % X", got)
	}
	s.Info.Path, s.Rules = "bw2", []Rule{mustRule(t, "09 01", "08")}
	if err := b.Add(s); err != nil {
		t.Fatal(err)
	}
	d2 := open(t, b, "bw2")
	d2.Write([]byte{0x09, 0x01})
	if got := read(t, d2); !bytes.Equal(got, []byte{0x08, 0x00}) {
		t.Fatalf("padded reply % X", got)
	}
}
