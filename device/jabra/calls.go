package jabra

import (
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/hid/descriptor"
	"github.com/earshot-app/earshot/device/hidtel"
)

// The GN interface of most Jabra devices also carries the standard
// Telephony collection (docs/hardware.md §1.6): the jabra driver claims the
// whole interface, so it reads the call state there with hidtel's decoder,
// as the hidtel driver would. It only observes: the softphone owns the
// call and its LEDs.

// callControl returns the decoder of the interface's call-control inputs,
// or nil when it has none.
func callControl(desc []byte) *hidtel.CallControl {
	d, _ := descriptor.Parse(desc)
	if d == nil {
		return nil
	}
	cc := hidtel.NewCallControl(d)
	if !cc.HasCallControl() {
		return nil
	}
	return cc
}

// callReport handles one input report that is not a GN frame: hook switch
// (the call), mute presses (counted; they toggle the mute in a call) and
// volume presses. The headset behind a dongle is the device in the call
// when it is connected, else the interface's own device.
func (r *run) callReport(report []byte) {
	if r.cc == nil || len(report) == 0 || !r.cc.Known(report[0]) {
		return
	}
	in := r.cc.Decode(report)
	if !in.Any() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.nodes[AddrChild]
	if n == nil {
		n = r.nodes[r.self]
	}
	if n == nil {
		return
	}
	if in.Hook && in.OffHook != n.dev.InCall {
		n.dev.InCall = in.OffHook
		if !n.dev.InCall {
			n.dev.Muted = false
		}
		r.emit(device.Changed, n)
	}
	press := func(b device.Button) {
		r.s.Emit(device.Event{Type: device.ButtonPressed, At: r.s.Now(), Device: n.dev.Clone(), Button: b})
	}
	for range in.Mute {
		press(device.ButtonMute)
		if n.dev.InCall {
			n.dev.Muted = !n.dev.Muted
			r.emit(device.Changed, n)
		}
	}
	for range in.VolumeUp {
		press(device.ButtonVolumeUp)
	}
	for range in.VolumeDown {
		press(device.ButtonVolumeDown)
	}
}
