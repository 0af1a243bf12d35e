// Package hidtel is the standard call-control protocol driver: any headset
// or speakerphone with a Telephony collection, or Consumer-page mute and
// volume keys, read through the HID host (device/hidhost).
//
// Hook Switch is a level and gives the call state; Phone Mute is a one-shot
// press and gives the mute count and the mute state (a toggle, only in a
// call); Consumer volume up and down are counted as button presses. A call
// made in a softphone counts too: while the headset's microphone is in use
// (device/micuse) the device is in a call, whatever the hook says.
//
// By default the driver only observes: it writes no output report, because
// the softphone owns the call and a second writer would fight it. With
// Options.LEDs (configuration HIDTELLEDS) it answers the LEDs itself, as
// docs/hardware.md §2.10 says a host does: Off-Hook follows the Hook Switch
// (clearing Ring and Ringer when the call is taken), the mute LED is sent
// after every mute press, and every output report is rebuilt whole.
package hidtel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/descriptor"
	"github.com/earshot-app/earshot/device/micuse"
)

// Claims: a Telephony interface outranks a Consumer-keys one; the vendor
// drivers (jabra) claim higher still.
const (
	ClaimTelephony = 10
	ClaimConsumer  = 5
)

// DefaultMicInterval is how often the microphone-in-use signal is read:
// one poll reads a few small /proc files (about 0.5 ms, docs/PERFORMANCE.md).
const DefaultMicInterval = time.Second

// Options configure the driver.
type Options struct {
	// LEDs makes the driver write the LED output reports (HIDTELLEDS).
	LEDs bool
	// Mic is the microphone-in-use signal; nil: none.
	Mic micuse.Source
	// Clock paces the microphone polls; nil: the wall clock.
	Clock clock.Clock
	// MicInterval is the poll period; 0: DefaultMicInterval.
	MicInterval time.Duration
	// HeadsetVendors are the vendors whose interfaces with Consumer keys
	// alone are claimed (a keyboard's volume keys are not a headset's).
	// Nil: Earshot's headset vendors (0b0e, 1395, 047f, 6993).
	HeadsetVendors []uint16
}

// Protocol is the hidtel hid.Protocol.
type Protocol struct{ o Options }

// New returns the driver.
func New(o Options) *Protocol {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.MicInterval <= 0 {
		o.MicInterval = DefaultMicInterval
	}
	if o.HeadsetVendors == nil {
		o.HeadsetVendors = []uint16{0x0b0e, 0x1395, 0x047f, 0x6993}
	}
	return &Protocol{o: o}
}

// Name returns "hidtel".
func (p *Protocol) Name() string { return "hidtel" }

// parse parses a descriptor, keeping what parsed before an error (a
// truncated dump still yields its complete fields).
func parse(desc []byte) *descriptor.Descriptor {
	d, _ := descriptor.Parse(desc)
	return d
}

// Claim claims an interface with a Telephony collection (or a Hook Switch
// or Phone Mute in any collection), or with
// Consumer mute or volume keys when it belongs to a headset (its vendor is
// a headset vendor, or its product string names one).
func (p *Protocol) Claim(in hid.Info, desc []byte) int {
	d := parse(desc)
	cc := NewCallControl(d)
	switch {
	case cc.HasTelephony() || hasTelephonyCollection(d):
		return ClaimTelephony
	case cc.HasCallControl() && (slices.Contains(p.o.HeadsetVendors, in.VendorID) || headsetName(in.Product)):
		return ClaimConsumer
	}
	return 0
}

// hasTelephonyCollection tells whether a top-level collection is on the
// Telephony page.
func hasTelephonyCollection(d *descriptor.Descriptor) bool {
	if d == nil {
		return false
	}
	for _, c := range d.TopLevel() {
		if c.UsagePage() == 0x0B {
			return true
		}
	}
	return false
}

// headsetName tells whether a USB product string names a headset or
// speakerphone.
func headsetName(product string) bool {
	p := strings.ToLower(product)
	for _, w := range []string{"headset", "headphone", "earbud", "speakerphone", "speak"} {
		if strings.Contains(p, w) {
			return true
		}
	}
	return false
}

// kindOf tells a speakerphone from a headset by its product string: the
// Telephony page has no usage that tells them apart (a Jabra Speak reports
// the Headset usage).
func kindOf(product string) device.Kind {
	p := strings.ToLower(product)
	for _, w := range []string{"speak", "speakerphone", "conference"} {
		if strings.Contains(p, w) {
			return device.KindSpeakerphone
		}
	}
	return device.KindHeadset
}

// Run reads the interface until ctx ends or the device is gone.
func (p *Protocol) Run(ctx context.Context, dev hid.Device, s hid.Session) error {
	raw, err := dev.ReportDescriptor()
	if err != nil {
		return fmt.Errorf("hidtel: read the report descriptor: %w", err)
	}
	in := dev.Info()
	r := &runner{o: p.o, dev: dev, s: s, cc: NewCallControl(parse(raw)), unknown: map[byte]bool{}}
	r.d = device.Device{Info: deviceInfo(s.ID(""), in)}
	s.Emit(device.Event{Type: device.Arrived, At: s.Now(), Device: r.d.Clone()})
	if p.o.LEDs && r.cc.HasLEDs() {
		s.Log().Info("hidtel: answering the headset's LEDs (HIDTELLEDS is on)")
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if p.o.Mic != nil {
		wg.Go(func() { r.pollMic(ctx, in.VendorID, in.ProductID) })
	}
	defer wg.Wait()
	buf := make([]byte, descriptor.MaxReportLen)
	for {
		n, err := dev.Read(ctx, buf)
		switch {
		case errors.Is(err, hid.ErrClosed) || ctx.Err() != nil:
			return nil
		case err != nil:
			return fmt.Errorf("hidtel: read: %w", err)
		}
		r.report(buf[:n])
	}
}

// deviceInfo is the device an interface shows as.
func deviceInfo(id string, in hid.Info) device.Info {
	name := in.Product
	if name == "" {
		name = fmt.Sprintf("USB headset %04X:%04X", in.VendorID, in.ProductID)
	}
	conn := device.ConnUSB
	if in.Bus == "bluetooth" {
		conn = device.ConnBluetooth
	}
	return device.Info{ID: id, Kind: kindOf(in.Product), Name: name, VendorID: in.VendorID,
		ProductID: in.ProductID, ESN: in.Serial, Connection: conn, InstanceID: in.Path}
}

// runner is one Run's state.
type runner struct {
	o   Options
	dev hid.Device
	s   hid.Session

	mu      sync.Mutex // guards everything below, and orders the emitted events
	cc      *CallControl
	d       device.Device
	offHook bool // the headset's Hook Switch
	mic     bool // its microphone is in use
	unknown map[byte]bool
}

// report handles one input report.
func (r *runner) report(report []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(report) == 0 {
		return
	}
	if !r.cc.Known(report[0]) {
		if !r.unknown[report[0]] {
			r.unknown[report[0]] = true
			r.s.Log().Info("hidtel: input report with an ID the descriptor does not declare; ignored (logged once)",
				"reportId", fmt.Sprintf("0x%02X", report[0]), "length", len(report))
		}
		return
	}
	in := r.cc.Decode(report)
	if in.Hook && in.OffHook != r.offHook {
		r.offHook = in.OffHook
		r.setCall()
		if r.o.LEDs {
			// Taking the call stops the ringing; ending it clears the mute.
			r.cc.Set(LEDOffHook, r.offHook)
			if r.offHook {
				r.cc.Set(LEDRing, false)
				r.cc.Set(UsageRinger, false)
				r.write(LEDOffHook, LEDRing, UsageRinger)
			} else {
				r.cc.Set(LEDMute, r.d.Muted)
				r.cc.Set(LEDMicrophone, r.d.Muted)
				r.write(LEDOffHook, LEDMute, LEDMicrophone)
			}
		}
	}
	for range in.Mute {
		r.press(device.ButtonMute)
		if r.d.InCall {
			r.d.Muted = !r.d.Muted
			r.emit(device.Changed)
		}
		if r.o.LEDs {
			r.cc.Set(LEDMute, r.d.Muted)
			r.cc.Set(LEDMicrophone, r.d.Muted)
			r.write(LEDMute, LEDMicrophone)
		}
	}
	for range in.VolumeUp {
		r.press(device.ButtonVolumeUp)
	}
	for range in.VolumeDown {
		r.press(device.ButtonVolumeDown)
	}
}

// setCall sets InCall from the two signals (in a call while either says
// so) and emits Changed when it changed; a call's end clears the mute.
func (r *runner) setCall() {
	call := r.offHook || r.mic
	if call == r.d.InCall {
		return
	}
	r.d.InCall = call
	if !call {
		r.d.Muted = false
	}
	r.emit(device.Changed)
}

func (r *runner) press(b device.Button) {
	r.s.Emit(device.Event{Type: device.ButtonPressed, At: r.s.Now(), Device: r.d.Clone(), Button: b})
}

func (r *runner) emit(t device.EventType) {
	r.s.Emit(device.Event{Type: t, At: r.s.Now(), Device: r.d.Clone()})
}

// write sends the whole output reports that carry the usages.
func (r *runner) write(usages ...descriptor.Usage) {
	for _, rep := range r.cc.OutputReports(usages...) {
		if _, err := r.dev.Write(rep); err != nil {
			r.s.Log().Warn("hidtel: write LED report", "report", fmt.Sprintf("% X", rep), "err", err)
		}
	}
}

// pollMic reads the microphone-in-use signal every MicInterval.
func (r *runner) pollMic(ctx context.Context, vid, pid uint16) {
	for {
		inUse, _ := r.o.Mic.InUse(vid, pid)
		r.mu.Lock()
		if inUse != r.mic {
			r.mic = inUse
			r.s.Log().Debug("hidtel: microphone in use changed", "inUse", inUse)
			r.setCall()
		}
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-r.o.Clock.After(r.o.MicInterval):
		}
	}
}
