package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The frames of testdata/busylights-desk.json's lights, in hex, report ID
// first (compared without spaces and case, however the trace spells them):
// the kuando's 64-byte frame after the 00 report ID (docs/hardware.md §3.1), the
// Embrava's R B G report (§3.2).
var (
	omegaFrame = func(step, sum string) string {
		return hexKey("00 " + step + strings.Repeat(" 00", 51) + " FF FF FF " + sum)
	}
	omegaRed       = omegaFrame("10 00 64 00 00 00 00 00", "03 71")
	omegaPurple    = omegaFrame("10 00 32 00 64 00 00 00", "03 A3")
	omegaKeepAlive = omegaFrame("8F 00 00 00 00 00 00 00", "03 8C")
	blyncRed       = hexKey("00 FF 00 00 00 00 00 FF 22")
	blyncPurple    = hexKey("00 80 FF 00 00 00 00 FF 22")
)

// hexKey folds hex for comparing: no spaces, upper case.
func hexKey(s string) string { return strings.ToUpper(strings.ReplaceAll(s, " ", "")) }

// TestBusylightsFollowTheCall plays testdata/busylights-desk.json — a
// scripted kuando Omega and a scripted Embrava Blynclight Plus beside a
// simulated headset, whose call runs from 10 s to 40 s, after a Manual
// Changer posted DND at 2 s — headless with --hid-trace, and reads the
// trace: both lights get the DND colour, then the onthephone colour in
// their own formats when the call starts, the Omega gets keep-alives while
// the call lasts, and both return to DND when it ends.
func TestBusylightsFollowTheCall(t *testing.T) {
	trace := filepath.Join(t.TempDir(), "trace.jsonl")
	cmd := self(t, "service", "--data", t.TempDir(), "--sim", "testdata/busylights-desk.json", "--hid-trace", trace, "--exit-when-done")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("service: %v: %s", err, out)
	}
	if took := time.Since(start); took > 60*time.Second {
		t.Errorf("took %v", took)
	}
	f, err := os.Open(trace)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type line struct {
		T                              time.Time
		VendorID, ProductID, Dir, Rept string
	}
	var omega, blync []line
	var t0 time.Time
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l struct{ T, VendorID, ProductID, Dir, Report string }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("trace line %q: %v", sc.Text(), err)
		}
		at, err := time.Parse(time.RFC3339Nano, l.T)
		if err != nil {
			t.Fatal(err)
		}
		if t0.IsZero() {
			t0 = at
		}
		if l.Dir != "out" {
			t.Errorf("a light got %s %s", l.Dir, l.Report)
			continue
		}
		x := line{T: at, VendorID: l.VendorID, ProductID: l.ProductID, Dir: l.Dir, Rept: hexKey(l.Report)}
		switch l.VendorID + ":" + l.ProductID {
		case "27BB:3BCD":
			omega = append(omega, x)
		case "2C0D:0002":
			blync = append(blync, x)
		}
	}
	// colours are the frames that are not keep-alives, in order, without
	// repeats; at finds the first frame equal to want after from.
	colours := func(ls []line) []string {
		var out []string
		for _, l := range ls {
			if l.Rept != omegaKeepAlive && (len(out) == 0 || out[len(out)-1] != l.Rept) {
				out = append(out, l.Rept)
			}
		}
		return out
	}
	contains := func(seq []string, want ...string) bool {
		i := 0
		for _, s := range seq {
			if i < len(want) && s == want[i] {
				i++
			}
		}
		return i == len(want)
	}
	if got := colours(omega); !contains(got, omegaPurple, omegaRed, omegaPurple) {
		t.Errorf("the Omega's colours in order: %q", got)
	}
	if got := colours(blync); !contains(got, blyncPurple, blyncRed, blyncPurple) {
		t.Errorf("the Blynclight's colours in order: %q", got)
	}
	// Keep-alives between the red frame and the purple one after it: the
	// call lasts 30 s of scenario time, a keep-alive every 8 s.
	var red, back time.Time
	for _, l := range omega {
		switch {
		case l.Rept == omegaRed && red.IsZero():
			red = l.T
		case l.Rept == omegaPurple && !red.IsZero() && back.IsZero():
			back = l.T
		}
	}
	keepAlives := 0
	for _, l := range omega {
		if l.Rept == omegaKeepAlive && l.T.After(red) && l.T.Before(back) {
			keepAlives++
		}
	}
	if red.IsZero() || back.IsZero() || keepAlives < 3 {
		t.Errorf("call from %v to %v (scenario time since the first report), %d keep-alives in it", red.Sub(t0), back.Sub(t0), keepAlives)
	}
	if d := back.Sub(red); d < 25*time.Second || d > 35*time.Second {
		t.Errorf("the lights showed the call for %v of scenario time, want about 30 s", d)
	}
}
