package jabra

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
)

// usbHeadset is an Evolve2 85 (0B0E:24B9) on its own cable, address 08,
// answering every read of the identity, the battery and the five settings.
func usbHeadsetRules() []rule {
	return []rule{
		str(AddrUSB, 0x00, "Jabra Evolve2 85"),
		str(AddrUSB, 0x01, "0123456789AB"),
		get(AddrUSB, 0x02, 0x02, 0x02, 0x01, 0x96),
		str(AddrUSB, 0x03, "1.2.14"),
		get(AddrUSB, 0x02, 0x13, 0xB9, 0x24),
		get(AddrUSB, 0x02, 0x14, 0x07),
		// docs/hardware.md §2.6: the expected battery reply, charging at 80 %.
		{match: "05 08 00 ?? 46 12 02", reply: "05 00 08 ?? CA 12 02 01 50 0F A0"},
		get(AddrUSB, 0x13, 0x7C, 0x00, 0x00),
		get(AddrUSB, 0x12, 0x08, 0x00),
		get(AddrUSB, 0x13, 0x3A, 0x01),
		get(AddrUSB, 0x13, 0x90, 0x06),
		get(AddrUSB, 0x13, 0x01, 0x03),
	}
}

func TestUSBHeadsetIdentityAndBattery(t *testing.T) {
	dev := newFakeDev(0x24B9, usbHeadsetRules()...)
	s, _ := start(t, New(testOptions()), dev)
	evs := s.waitFor("the headset's arrival", has(device.Arrived, "hid:test"))
	got, _ := last(evs, device.Arrived, "hid:test")
	want := device.Device{
		Info: device.Info{ID: "hid:test", Kind: device.KindHeadset, Name: "Jabra Evolve2 85", VendorID: 0x0B0E,
			ProductID: 0x24B9, Variant: "01-96", ESN: "0123456789AB", Firmware: "1.2.14", Connection: device.ConnUSB,
			InstanceID: "sim:test/3"},
		State: device.State{Battery: &device.Battery{Level: 80, Charging: true}},
		Settings: map[string]string{"SIDETONE": "2", "HEADSET_BUSYLIGHT": "false", "VOICE_PROMPTS": "2",
			"AUTO_OFF": "30", "VOLUME_LIMITER": "true"},
	}
	if !reflect.DeepEqual(got.Device, want) {
		t.Errorf("arrived\n got %+v %+v\nwant %+v %+v", got.Device, *got.Device.Battery, want, *want.Battery)
	}
	// The requests, byte by byte, in order, each padded with 00 to 64.
	wantWrites := []string{
		"05 08 00 00 46 02 00", "05 08 00 01 46 02 01", "05 08 00 02 46 02 02",
		"05 08 00 03 46 02 03", // jabridge's capture (docs/hardware.md §2.6)
		"05 08 00 04 46 02 13", "05 08 00 05 46 02 14",
		"05 08 00 06 46 12 02", // §2.6 battery of a USB headset
		"05 08 00 07 46 13 7C", "05 08 00 08 46 12 08", "05 08 00 09 46 13 3A",
		"05 08 00 0A 46 13 90", "05 08 00 0B 46 13 01",
	}
	checkWrites(t, dev, wantWrites)
	if _, ok := s.handler("hid:test").(*lightHandler); !ok {
		t.Errorf("served %T, want a handler with the busylight", s.handler("hid:test"))
	}
}

// checkWrites compares the writes with want (prefixes) and checks that
// every write is a full 64-byte report padded with zeros.
func checkWrites(t *testing.T, dev *fakeDev, want []string) {
	t.Helper()
	got := dev.written(64)
	if len(got) < len(want) {
		t.Fatalf("%d writes, want at least %d: %q", len(got), len(want), got)
	}
	for i, w := range want {
		full := w + strings.Repeat(" 00", 64-len(mustHex(w)))
		if got[i] != full {
			t.Errorf("write %d\n got %s\nwant %s", i, got[i], full)
		}
	}
}

// dongleRules: a Link 390 (0B0E:2E57) at address 01; address 04 NACKs
// (F4, no child) until the headset connects.
func dongleRules() []rule {
	return []rule{
		str(AddrDongle, 0x00, "Jabra Link 390"),
		str(AddrDongle, 0x01, "LINK390ESN"),
		str(AddrDongle, 0x03, "3.1.0"),
		nack(AddrDongle, "05 01 00 ?? 46", 0xFF),
		nack(AddrChild, "05 04 00", 0xF4),
	}
}

func childRules() []rule {
	return []rule{
		str(AddrChild, 0x00, "Jabra Evolve2 65"),
		str(AddrChild, 0x01, "HEADSET-ESN-1"),
		str(AddrChild, 0x03, "2.5.1"),
		get(AddrChild, 0x02, 0x13, 0xB3, 0x24),
		{match: "05 04 00 ?? 46 12 02", reply: "05 00 04 ?? CA 12 02 00 37 0F A0"},
		nack(AddrChild, "05 04 00 ?? 46 13", 0xFF),
		nack(AddrChild, "05 04 00 ?? 46", 0xF6),
	}
}

func TestHeadsetBehindDongleComesAndGoes(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	opt := testOptions()
	opt.Clock = clk
	dev := newFakeDev(0x2E57, dongleRules()...)
	s, _ := start(t, New(opt), dev)
	evs := s.waitFor("the dongle", has(device.Arrived, "hid:test"))
	dongle, _ := last(evs, device.Arrived, "hid:test")
	if d := dongle.Device; d.Kind != device.KindDongle || d.Name != "Jabra Link 390" || d.Firmware != "3.1.0" ||
		d.ESN != "LINK390ESN" || d.Battery != nil {
		t.Errorf("dongle = %+v", d)
	}
	// The dongle asked address 04 for its name and was told F4.
	waitWrite(t, dev, "05 04 00 00 46 02 00")
	if has(device.Arrived, "hid:test/04")(evs) {
		t.Fatal("a headset arrived while none is connected")
	}

	// The headset connects and says so with a battery event (docs/hardware.md
	// §2.4's unsolicited form) before the next poll.
	dev.setRules(childRules()...)
	dev.input("05 00 04 00 0A 12 02 00 37 0F A0")
	evs = s.waitFor("the headset", has(device.Arrived, "hid:test/04"))
	hs, _ := last(evs, device.Arrived, "hid:test/04")
	want := device.Info{ID: "hid:test/04", Kind: device.KindHeadset, Name: "Jabra Evolve2 65", VendorID: 0x0B0E,
		ProductID: 0x24B3, ESN: "HEADSET-ESN-1", Firmware: "2.5.1", Connection: device.ConnBluetooth, Parent: "hid:test"}
	if hs.Device.Info != want || hs.Device.Battery == nil || *hs.Device.Battery != (device.Battery{Level: 55}) {
		t.Errorf("headset\n got %+v %v\nwant %+v", hs.Device.Info, hs.Device.Battery, want)
	}
	if s.handler("hid:test/04") == nil {
		t.Error("the headset is not served")
	}

	// It is switched off: the next poll (ChildPoll later) is refused with
	// F3, and the headset leaves; the dongle stays.
	for _, r := range childRules() {
		dev.setRule(nack(AddrChild, r.match, 0xF3))
	}
	for !has(device.Removed, "hid:test/04")(s.snapshot()) {
		clk.Advance(time.Second)
		time.Sleep(5 * time.Millisecond)
	}
	if s.handler("hid:test/04") != nil {
		t.Error("the headset that left is still served")
	}
	if has(device.Removed, "hid:test")(s.snapshot()) {
		t.Error("the dongle left with the headset")
	}
}

func (s *fakeSession) snapshot() []device.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]device.Event(nil), s.events...)
}

// waitWrite waits until a write begins with prefix (hex).
func waitWrite(t *testing.T, dev *fakeDev, prefix string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, w := range dev.written(64) {
			if strings.HasPrefix(w, prefix) {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("no write %s; writes: %q", prefix, dev.written(8))
}

func TestUnsolicitedBatteryEvent(t *testing.T) {
	dev := newFakeDev(0x24B9, usbHeadsetRules()...)
	s, _ := start(t, New(testOptions()), dev)
	s.waitFor("the headset", has(device.Arrived, "hid:test"))
	before := len(dev.written(1))
	// Type 0, length 10: flags 02 (low), 15 %.
	dev.input("05 00 08 00 0A 12 02 02 0F 0F A0")
	evs := s.waitFor("the battery change", has(device.Changed, "hid:test"))
	ch, _ := last(evs, device.Changed, "hid:test")
	if b := ch.Device.Battery; b == nil || *b != (device.Battery{Level: 15, Low: true}) {
		t.Errorf("battery = %+v", b)
	}
	if after := len(dev.written(1)); after != before {
		t.Errorf("the driver wrote %d reports after the event; it must not poll for it", after-before)
	}
}

func TestNACKForHeadsetThatIsOff(t *testing.T) {
	for _, tc := range []struct {
		name   string
		addr   byte
		reason byte
		is     error
		text   string
	}{
		{"headset off behind the dongle", AddrChild, 0xF3, ErrNotConnected, "GN 12/02 at address 04: headset not connected to the dongle"},
		{"no child", AddrChild, 0xF4, ErrNotConnected, "headset not connected to the dongle"},
		{"USB device offline", AddrUSB, 0xF5, ErrNotConnected, "device offline"},
		{"unknown group", AddrUSB, 0xF6, ErrNotSupported, "GN 12/02 at address 08: not supported"},
		{"unknown sub-command", AddrChild, 0xFF, ErrNotSupported, "not supported"},
		{"other reason", AddrUSB, 0xFA, nil, "refused (NACK FA, illegal parameter)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := newFakeDev(0x2E57, nack(tc.addr, fmt.Sprintf("05 %02X 00 ?? 46 12 02", tc.addr), tc.reason))
			opt := testOptions().withDefaults()
			l := newLink(dev, Layout{Out: 64, In: 64}, &opt, newSession(t).Log())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go l.read(ctx)
			_, err := l.request(ctx, tc.addr, TypeGet, 0x12, 0x02)
			var ne *NACKError
			if !errors.As(err, &ne) || ne.Reason != tc.reason || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %v, want a NACK saying %q", err, tc.text)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v is not %v", err, tc.is)
			}
			if n := len(dev.written(1)); n != 1 {
				t.Errorf("a NACK was retried: %d writes", n)
			}
		})
	}
}

// A reply is taken only when report, destination, source, sequence and
// command all match; everything else is skipped, and a silent device is
// asked again with a new sequence number, a bounded number of times.
func TestReplyMatchingAndRetry(t *testing.T) {
	dev := newFakeDev(0x24B9)
	answered := 0
	dev.setScript(func(req []byte) [][]byte {
		if req[3] == 0 { // the first try gets only frames to skip
			return [][]byte{
				padded(mustHex("02 00 08 00 CA 12 02 00 11"), 64),       // another report
				padded(mustHex("05 00 04 00 CA 12 02 00 12"), 64),       // another source
				padded(mustHex("05 00 08 07 CA 12 02 00 13"), 64),       // another sequence
				padded(mustHex("05 00 08 00 CA 13 7C 00 14"), 64),       // another command
				padded(mustHex("05 08 08 00 CA 12 02 00 15"), 64),       // not to the host
				padded(mustHex("05 00 08 00 0A 12 02 00 16 00 00"), 64), // an event
				padded(mustHex("05 00 08"), 64),                         // too short to be a frame
			}
		}
		answered++
		return [][]byte{padded(mustHex(fmt.Sprintf("05 00 08 %02X CA 12 02 00 42 00 00", req[3])), 64)}
	})
	opt := Options{Timeout: 30 * time.Millisecond, Attempts: 3}.withDefaults()
	l := newLink(dev, Layout{Out: 64, In: 64}, &opt, newSession(t).Log())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.read(ctx)
	f, err := l.request(ctx, AddrUSB, TypeGet, 0x12, 0x02)
	if err != nil || f.Payload[1] != 0x42 || f.Seq != 1 {
		t.Fatalf("reply %v, %v; want the second try's", f, err)
	}
	checkWrites(t, dev, []string{"05 08 00 00 46 12 02", "05 08 00 01 46 12 02"})

	dev.setScript(func([]byte) [][]byte { return [][]byte{} }) // silent
	_, err = l.request(ctx, AddrUSB, TypeGet, 0x12, 0x02)
	if !errors.Is(err, ErrNoReply) || !strings.Contains(err.Error(), "after 3 tries") {
		t.Errorf("err = %v", err)
	}
	if n := len(dev.written(1)); n != 5 {
		t.Errorf("%d writes, want 2 + 3", n)
	}
}

func TestInterfaceWithoutGNCollectionIsIgnored(t *testing.T) {
	raw, err := os.ReadFile("testdata/speak510-partial.hex")
	if err != nil {
		t.Fatal(err)
	}
	speak510 := string(raw)
	p := New(Options{})
	for _, tc := range []struct {
		name string
		desc string
		want int
	}{
		{"GN collection", fmt.Sprintf("% X", gnDescriptor), 20},
		{"telephony only", "05 0B 09 05 A1 01 85 03 15 00 25 01 09 20 75 01 95 01 81 02 75 07 95 01 81 01 C0", 0},
		// The Speak 510 (docs/hardware.md §1.2): report 5 inside FF00 is one
		// byte of buttons, no GN channel.
		{"Speak 510 report 5", "06 00 FF 09 01 A1 01 85 05 06 20 FF 15 00 25 01 09 EA 09 E9 09 E2 75 01 95 03 81 07 0A FB FF 0A FA FF 75 01 95 02 91 06 75 01 95 06 91 01 C0", 0},
		{"Speak 510, the real partial dump of docs/hardware.md §1.2", speak510, 0},
		{"report 5 on another page", "06 A0 FF 09 01 A1 01 85 05 75 08 95 3F 09 01 91 02 C0", 0},
		{"empty", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := newFakeDev(0x24B9).info
			if got := p.Claim(info, mustHex(tc.desc)); got != tc.want {
				t.Errorf("Claim = %d, want %d", got, tc.want)
			}
		})
	}
	l, err := FindLayout(gnDescriptor)
	if err != nil || l != (Layout{Out: 64, In: 64}) {
		t.Errorf("layout = %+v, %v", l, err)
	}
	// A 62-byte report 5 (jabridge saw 63 with the ID) sizes frames to 63.
	l, err = FindLayout(mustHex("06 00 FF 09 01 A1 01 85 05 75 08 95 1F 91 02 95 1F 91 02 95 3E 81 02 C0"))
	if err != nil || l != (Layout{Out: 63, In: 63}) {
		t.Errorf("split layout = %+v, %v", l, err)
	}
}

// The battery is asked for only when no battery event came for
// BatteryPoll, which is bounded.
func TestBatteryPollOnlyWithoutEvents(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	opt := testOptions()
	opt.Clock, opt.BatteryPoll = clk, time.Millisecond // raised to MinBatteryPoll
	p := New(opt)
	if p.opt.BatteryPoll != MinBatteryPoll {
		t.Fatalf("BatteryPoll = %v, want the bound %v", p.opt.BatteryPoll, MinBatteryPoll)
	}
	if New(Options{BatteryPoll: time.Hour}).opt.BatteryPoll != MaxBatteryPoll || New(Options{ChildPoll: time.Hour}).opt.ChildPoll != MaxChildPoll {
		t.Error("the intervals are not bounded above")
	}
	dev := newFakeDev(0x24B9, usbHeadsetRules()...)
	s, _ := start(t, p, dev)
	s.waitFor("the headset", has(device.Arrived, "hid:test"))
	polls := func() int {
		n := 0
		for _, w := range dev.written(7)[12:] {
			if strings.HasSuffix(w, "46 12 02") {
				n++
			}
		}
		return n
	}
	step := func(d time.Duration) {
		for clk.Waiters() == 0 {
			time.Sleep(time.Millisecond)
		}
		clk.Advance(d)
		time.Sleep(20 * time.Millisecond)
	}
	step(5 * time.Second) // 5 s since the arrival's reading: no poll
	if polls() != 0 {
		t.Fatalf("polled after 5 s")
	}
	step(5 * time.Second) // 10 s: poll
	if !eventually(func() bool { return polls() == 1 }) {
		t.Fatalf("%d polls after 10 s, want 1", polls())
	}
	clk.Advance(2 * time.Second)
	dev.input("05 00 08 00 0A 12 02 00 40 0F A0") // at 12 s
	s.waitFor("the event", has(device.Changed, "hid:test"))
	step(3 * time.Second) // 15 s
	step(5 * time.Second) // 20 s: 8 s since the event
	if polls() != 1 {
		t.Fatalf("%d polls after an event 8 s ago, want 1", polls())
	}
	step(5 * time.Second) // 25 s: 13 s since the event
	if !eventually(func() bool { return polls() == 2 }) {
		t.Fatalf("%d polls, want 2", polls())
	}
}

// eventually waits up to 5 s for cond.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return true
}

// A Jabra device whose product id is not in the model table is found at
// the address that answers, and driven through its descriptor.
func TestUnknownProductID(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules []rule
		kind  device.Kind
		addr  string
	}{
		{"headset on its cable", usbHeadsetRules(), device.KindHeadset, "05 08 00 00 46 02 00"},
		{"dongle", dongleRules(), device.KindDongle, "05 01 00 00 46 02 00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := newFakeDev(0x9999, tc.rules...)
			s, _ := start(t, New(testOptions()), dev)
			evs := s.waitFor("the device", has(device.Arrived, "hid:test"))
			got, _ := last(evs, device.Arrived, "hid:test")
			if got.Device.Kind != tc.kind || got.Device.ProductID != 0x9999 || !strings.HasPrefix(got.Device.Name, "Jabra ") {
				t.Errorf("arrived %+v", got.Device.Info)
			}
			waitWrite(t, dev, tc.addr)
		})
	}
}

// A dongle with its headset connected at start reports both before it
// tells the host it has settled, so a one-shot listing finds both.
func TestSettledAfterDongleAndHeadset(t *testing.T) {
	dev := newFakeDev(0x2E57, append(childRules(), dongleRules()...)...)
	s, _ := start(t, New(testOptions()), dev)
	if !New(Options{}).SettlesItself() {
		t.Fatal("the driver does not settle itself")
	}
	s.waitFor("both", has(device.Arrived, "hid:test/04"))
	if !eventually(func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.settledAt >= 0 }) {
		t.Fatal("never settled")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settledAt != 2 || s.events[0].Device.ID != "hid:test" || s.events[1].Device.ID != "hid:test/04" {
		t.Errorf("settled after %d events: %v", s.settledAt, describe(s.events))
	}
}
