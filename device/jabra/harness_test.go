package jabra

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
)

// gnDescriptor is a GN interface as docs/hardware.md §1.6 and §2.1 describe it:
// a Telephony collection (report 3) and the vendor collection FF00/05 with
// report 5 of 63 data bytes out and in.
var gnDescriptor = mustHex(`
05 0B 09 05 A1 01 85 03 15 00 25 01 09 20 09 2F 75 01 95 02 81 02 75 06 95 01 81 01 C0
06 00 FF 09 05 A1 01 85 05 15 00 26 FF 00 75 08 95 3F 09 01 91 02 09 01 81 02 C0`)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// rule answers a written report that begins with match (?? any byte) with
// reply (?? copies the request's byte), zero-padded: the scripted-device
// rules of issue 10, played by the replay bus.
type rule struct{ match, reply string }

func (r rule) parse() replay.Rule {
	rr, err := replay.ParseRule(r.match, r.reply)
	if err != nil {
		panic(err)
	}
	return rr
}

// fakeDev is a scripted HID interface on a replay bus: rules answer
// writes; script (when set) answers after them with any number of input
// reports, as a device that keeps state does.
type fakeDev struct {
	hid.Device // the open replay handle
	bus        *replay.Bus
	info       hid.Info
	size       int

	mu     sync.Mutex
	script func(req []byte) [][]byte
}

func newFakeDev(pid uint16, rules ...rule) *fakeDev {
	info := hid.Info{Path: "sim:test/3", VendorID: VendorID, ProductID: pid, Serial: "USB-SERIAL",
		Product: "USB product", Interface: 3, Bus: "sim"}
	spec := replay.Spec{Info: info, Descriptor: gnDescriptor, InputLengths: map[byte]int{ReportID: 64}}
	for _, r := range rules {
		spec.Rules = append(spec.Rules, r.parse())
	}
	bus := replay.New()
	if err := bus.Add(spec); err != nil {
		panic(err)
	}
	h, err := bus.Open(info.Path)
	if err != nil {
		panic(err)
	}
	return &fakeDev{Device: h, bus: bus, info: info, size: 64}
}

func (d *fakeDev) Write(report []byte) (int, error) {
	n, err := d.Device.Write(report)
	if err != nil {
		return n, err
	}
	d.mu.Lock()
	script := d.script
	d.mu.Unlock()
	if script != nil {
		for _, r := range script(report) {
			d.bus.Input(d.info.Path, r)
		}
	}
	return n, nil
}

func (d *fakeDev) setScript(f func([]byte) [][]byte) {
	d.mu.Lock()
	d.script = f
	d.mu.Unlock()
}

// unplug detaches the device from the bus.
func (d *fakeDev) unplug() { d.bus.Detach(d.info.Path) }

// input sends an unsolicited report.
func (d *fakeDev) input(h string) {
	if err := d.bus.Input(d.info.Path, padded(mustHex(h), d.size)); err != nil {
		panic(err)
	}
}

func padded(b []byte, n int) []byte { return append(b, make([]byte, max(0, n-len(b)))...) }

// setRule replaces the rule with the same match, or puts r in front.
func (d *fakeDev) setRule(r rule) {
	if err := d.bus.SetRule(d.info.Path, r.parse()); err != nil {
		panic(err)
	}
}

// setRules puts rules in front, in their order.
func (d *fakeDev) setRules(rules ...rule) {
	for i := len(rules) - 1; i >= 0; i-- {
		d.setRule(rules[i])
	}
}

// written returns the writes so far, each cut to n bytes, as hex.
func (d *fakeDev) written(n int) []string {
	ws := d.bus.Writes()
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = fmt.Sprintf("% X", w.Report[:min(n, len(w.Report))])
	}
	return out
}

// fakeSession records what the driver reports.
type fakeSession struct {
	t      *testing.T
	clk    clock.Clock // nil: a fixed time
	mu     sync.Mutex
	events []device.Event
	served map[string]any
	signal chan struct{}
	// settledAt is how many events had been emitted when the driver said
	// it had reported the devices present at start (-1: not yet).
	settledAt int
}

func (s *fakeSession) Settled() {
	s.mu.Lock()
	s.settledAt = len(s.events)
	s.mu.Unlock()
}

func newSession(t *testing.T) *fakeSession {
	return &fakeSession{t: t, served: map[string]any{}, signal: make(chan struct{}, 1), settledAt: -1}
}

func (s *fakeSession) ID(sub string) string {
	if sub == "" {
		return "hid:test"
	}
	return "hid:test/" + sub
}
func (s *fakeSession) Now() time.Time {
	if s.clk != nil {
		return s.clk.Now()
	}
	return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
}
func (s *fakeSession) Log() *slog.Logger { return slog.New(slog.DiscardHandler) }
func (s *fakeSession) Emit(ev device.Event) {
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
	select {
	case s.signal <- struct{}{}:
	default:
	}
}
func (s *fakeSession) Serve(id string, h any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h == nil {
		delete(s.served, id)
		return
	}
	s.served[id] = h
}

func (s *fakeSession) handler(id string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served[id]
}

// waitFor waits until ok holds for the events so far.
func (s *fakeSession) waitFor(what string, ok func([]device.Event) bool) []device.Event {
	s.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		s.mu.Lock()
		evs := append([]device.Event(nil), s.events...)
		s.mu.Unlock()
		if ok(evs) {
			return evs
		}
		select {
		case <-s.signal:
		case <-deadline:
			s.t.Fatalf("timed out waiting for %s; events: %v", what, describe(evs))
		}
	}
}

func describe(evs []device.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprintf("%s %s %q", e.Type, e.Device.ID, e.Device.Name)
	}
	return out
}

// last returns the last event of id of type t.
func last(evs []device.Event, t device.EventType, id string) (device.Event, bool) {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type == t && evs[i].Device.ID == id {
			return evs[i], true
		}
	}
	return device.Event{}, false
}

func has(t device.EventType, id string) func([]device.Event) bool {
	return func(evs []device.Event) bool { _, ok := last(evs, t, id); return ok }
}

// start runs the driver on dev until the test ends.
func start(t *testing.T, p *Protocol, dev *fakeDev) (*fakeSession, <-chan error) {
	t.Helper()
	s := newSession(t)
	if _, fake := p.opt.Clock.(*clock.Fake); fake {
		s.clk = p.opt.Clock
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, dev, s) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return")
		}
	})
	return s, done
}

// str builds the rule of a GET whose answer is [len][text] (02/00, 02/01,
// 02/03): the request from host to addr and the reply back, the sequence
// echoed.
func str(addr byte, sub byte, text string) rule {
	payload := append([]byte{byte(len(text))}, text...)
	return get(addr, 0x02, sub, payload...)
}

// get builds the rule of a GET of cmd/sub at addr answered with payload.
func get(addr, cmd, sub byte, payload ...byte) rule {
	n := 6 + len(payload)
	reply := fmt.Sprintf("05 00 %02X ?? %02X %02X %02X % X", addr, 0xC0|n, cmd, sub, payload)
	return rule{match: fmt.Sprintf("05 %02X 00 ?? 46 %02X %02X", addr, cmd, sub), reply: strings.TrimSpace(reply)}
}

// nack builds the rule of any request to addr answered by NACK reason.
func nack(addr byte, match string, reason byte) rule {
	return rule{match: match, reply: fmt.Sprintf("05 00 %02X ?? C6 FE %02X", addr, reason)}
}

// testOptions keep the tests quick: short timeouts, fast child polls.
func testOptions() Options {
	return Options{Timeout: 50 * time.Millisecond, Attempts: 2, ChildPoll: time.Second}
}
