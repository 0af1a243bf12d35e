//go:build darwin && cgo

package hid

/*
// hidapi 0.14's macOS backend (compiled into github.com/karalabe/hid) calls
// hid_darwin_set_open_exclusive(1) in hid_init, so every device would be
// opened with kIOHIDOptionsTypeSeizeDevice and taken from the softphone.
// hid_init does that only once, when it creates its IOHIDManager; calling it
// first and then clearing the option makes every later open shared. Both
// functions are defined in that package's C code (docs/hardware.md §4.5).
extern int hid_init(void);
extern void hid_darwin_set_open_exclusive(int open_exclusive);

static void earshot_hid_open_shared(void) {
	hid_init();
	hid_darwin_set_open_exclusive(0);
}
*/
import "C"

import "sync"

var sharedOnce sync.Once

// prepareOS makes hidapi open devices shared, before its first use.
func prepareOS() { sharedOnce.Do(func() { C.earshot_hid_open_shared() }) }

// platformDevice: macOS needs nothing beyond hidapi.
type platformDevice struct{}

func (d *hidapiDevice) openPlatform() error { return nil }

func (d *hidapiDevice) closePlatform() {}

// writeOutput hands the report to hidapi as it is: on macOS hid_write
// takes the report ID first (0x00 for an unnumbered device).
func (d *hidapiDevice) writeOutput(report []byte) (int, error) {
	return d.dev.Write(report)
}
