package sim

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hidhost"
	"github.com/earshot-app/earshot/device/hidtel"
)

// playHID is play with protocols for the scripted HID devices.
func playHID(t *testing.T, json string, protocols ...hid.Protocol) *player {
	t.Helper()
	s, err := ParseScenario([]byte(json))
	if err != nil {
		t.Fatal(err)
	}
	p := &player{t: t, clk: clock.NewFake(t0)}
	p.driver = New(s, p.clk)
	p.driver.Protocols = protocols
	p.driver.Logger = slog.New(slog.NewTextHandler(p, nil))
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error)
	go func() {
		ran <- p.driver.Run(ctx, func(e device.Event) {
			p.mu.Lock()
			p.events = append(p.events, e)
			p.mu.Unlock()
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	})
	return p
}

// timed describes every event with its second on the scenario clock.
func (p *player) timed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, e := range p.events {
		out = append(out, fmt.Sprintf("%v %s", e.At.Sub(t0).Seconds(), describe(e)))
	}
	return out
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestScriptedHIDCall plays the Blackwire 3220 with its real descriptor
// through the HID host and hidtel, beside a plain simulated headset: the
// reports' events come at the reports' scenario times, as a simulated call
// would.
func TestScriptedHIDCall(t *testing.T) {
	p := playHID(t, readFile(t, "testdata/blackwire-call.json"), hidtel.New(hidtel.Options{}))
	p.finish()
	eventually(t, "the removal", func() bool { return len(p.timed()) == 14 })
	got := p.timed()
	// The plain device and the HID host start concurrently.
	slices.Sort(got[:2])
	want := []string{
		"0 arrived hs1", "0 arrived sim:bw/0",
		"10 changed sim:bw/0 call",
		"20 button sim:bw/0 mute", "20 changed sim:bw/0 call muted",
		"40 button sim:bw/0 mute", "40 changed sim:bw/0 call",
		"60 button sim:bw/0 mute", "60 changed sim:bw/0 call muted",
		"70 button sim:bw/0 volumeUp", "80 button sim:bw/0 volumeUp", "90 button sim:bw/0 volumeDown",
		"190 changed sim:bw/0", "200 removed sim:bw/0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	p.mu.Lock()
	var bw device.Device
	for _, e := range p.events {
		if e.Device.ID == "sim:bw/0" {
			bw = e.Device
			break
		}
	}
	p.mu.Unlock()
	if bw.Kind != device.KindHeadset || bw.Name != "Plantronics Blackwire 3220 Series" || bw.VendorID != 0x047f ||
		bw.ProductID != 0xc056 || bw.ESN != "BW3220-0001" {
		t.Errorf("device %+v", bw.Info)
	}
}

const blackwireTelephony = "05 0B 09 05 A1 01 85 08 15 00 25 01 09 2F 75 01 95 01 81 06 09 20 09 21 75 01 95 02 81 22 95 05 81 01 05 08 85 09 09 09 95 01 91 22 95 07 91 01 85 17 09 17 95 01 91 22 95 07 91 01 C0"

func TestScriptedHIDHotPlugAndReplies(t *testing.T) {
	dev := `{"id": "bw", "name": "Blackwire", "vendorId": "047F", "productId": "C056",
		"hid": {"descriptor": "` + blackwireTelephony + `", "interface": 3, "replies": [{"match": "17 01", "reply": "08 03"}]}}`
	timeline := `{"at": 5, "do": "attach", "device": "bw"}, {"at": 6, "do": "input", "device": "bw", "report": "08 02"},
		{"at": 7, "do": "reply", "device": "bw", "match": "17 ??", "reply": "08 ??"},
		{"at": 8, "do": "detach", "device": "bw"}, {"at": 9, "do": "input", "device": "bw", "report": "08 00"},
		{"at": 10, "do": "attach", "device": "bw"}`
	tests := []struct {
		name      string
		protocols []hid.Protocol
		want      []string
	}{
		{"through hidtel", []hid.Protocol{hidtel.New(hidtel.Options{})}, []string{
			"5 arrived sim:bw/0", "6 changed sim:bw/0 call", "8 removed sim:bw/0 call", "10 arrived sim:bw/0"}},
		{"no protocol: listed as other", nil, []string{
			"5 arrived sim:bw/0", "8 removed sim:bw/0", "10 arrived sim:bw/0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := playHID(t, scenario(dev, timeline), tt.protocols...)
			p.finish()
			eventually(t, "the events", func() bool { return len(p.timed()) >= len(tt.want) })
			time.Sleep(20 * time.Millisecond)
			if got := p.timed(); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if !strings.Contains(p.logged(), "HID step skipped") {
				t.Errorf("the input to the detached device is not logged:\n%s", p.logged())
			}
			// The reply step replaced nothing (another match) and went in
			// front; the device keeps its rules across the re-attach.
			rules := p.driver.hid.bus.Rules("sim:bw/0")
			var got []string
			for _, r := range rules {
				got = append(got, r.Match.String()+"→"+r.Reply.String())
			}
			if want := []string{"17 ??→08 ??", "17 01→08 03"}; !slices.Equal(got, want) {
				t.Errorf("rules %q, want %q", got, want)
			}
		})
	}
}

func TestPlayAtZero(t *testing.T) {
	s, err := ParseScenario([]byte(readFile(t, "testdata/blackwire-call.json")))
	if err != nil {
		t.Fatal(err)
	}
	if !s.HasHID() {
		t.Fatal("HasHID = false")
	}
	if got := s.AtZero(); len(got) != 1 || got[0].ID != "hs1" {
		t.Errorf("AtZero lists %v; the scripted device is only read by the drivers", got)
	}
	devs, ifaces, err := PlayAtZero(context.Background(), s, []hid.Protocol{hidtel.New(hidtel.Options{})}, 5*time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if len(ifaces) != 1 || ifaces[0].Info.Path != "sim:bw/0" || ifaces[0].Protocol != "hidtel" || ifaces[0].Info.Interface != 3 {
		t.Errorf("interfaces %+v", ifaces)
	}
	var got []string
	for _, d := range devs {
		got = append(got, string(d.Kind)+" "+d.Name)
	}
	want := []string{"headset Jabra Evolve2 65", "headset Plantronics Blackwire 3220 Series"}
	if !slices.Equal(got, want) {
		t.Errorf("devices %q, want %q", got, want)
	}
}

// slowProtocol never reports its interface: PlayAtZero gives up after its
// bound and says so.
type slowProtocol struct{}

func (slowProtocol) Name() string               { return "slow" }
func (slowProtocol) Claim(hid.Info, []byte) int { return 1 }
func (slowProtocol) Run(ctx context.Context, _ hid.Device, _ hid.Session) error {
	<-ctx.Done()
	return nil
}

func TestPlayAtZeroIsBounded(t *testing.T) {
	s, err := ParseScenario([]byte(readFile(t, "testdata/blackwire-call.json")))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err = PlayAtZero(context.Background(), s, []hid.Protocol{slowProtocol{}}, 100*time.Millisecond, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "did not finish reading") || time.Since(start) > 3*time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
}

// TestRecordedScenarioPlays: what `earshot hid record` writes is a
// scenario the simulator takes.
func TestRecordedScenarioPlays(t *testing.T) {
	rec := &hidhost.Recording{
		Info:       hid.Info{Path: "/dev/hidraw3", VendorID: 0x047f, ProductID: 0xc056, Serial: "X1", Product: "Blackwire", Interface: 3, UsagePage: 0x0B, Usage: 5},
		Descriptor: []byte{0x05, 0x0B, 0x09, 0x05, 0xA1, 0x01, 0x85, 0x08, 0x15, 0x00, 0x25, 0x01, 0x09, 0x20, 0x75, 0x01, 0x95, 0x01, 0x81, 0x22, 0x95, 0x07, 0x81, 0x01, 0xC0},
		Reports:    []hidhost.Recorded{{At: time.Second, Report: []byte{0x08, 0x01}}, {At: 3 * time.Second, Report: []byte{0x08, 0x00}}},
	}
	p := playHID(t, string(rec.Scenario()), hidtel.New(hidtel.Options{}))
	p.finish()
	want := []string{"0 arrived sim:rec/0", "1 changed sim:rec/0 call", "3 changed sim:rec/0"}
	eventually(t, "the events", func() bool { return len(p.timed()) == len(want) })
	if got := p.timed(); !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}
