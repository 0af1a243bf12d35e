package hid

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// benchTree is a fake sysfs with n Blackwire-like interfaces.
func benchTree(b *testing.B, n int) *Hidraw {
	root := b.TempDir()
	h := &Hidraw{SysRoot: filepath.Join(root, "sys"), DevRoot: filepath.Join(root, "dev")}
	for _, p := range []string{filepath.Join(h.SysRoot, "class", "hidraw"), h.DevRoot} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		d := blackwire(b, fmt.Sprintf("hidraw%d", i))
		d.usb = fmt.Sprintf("usb1/1-%d", i+1)
		plug(b, h, d)
	}
	return h
}

// The enumeration a throttled hot-plug repeats, with the diff it feeds:
// its cost per listing, and the share of a core at one listing per
// PollInterval.
func BenchmarkEnumerateAndDiff(b *testing.B) {
	for _, n := range []int{1, 8} {
		b.Run(fmt.Sprintf("%d-interfaces", n), func(b *testing.B) {
			h := benchTree(b, n)
			known := map[string]Info{}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				infos, err := h.Enumerate()
				if err != nil || len(infos) != n {
					b.Fatalf("%d infos, %v", len(infos), err)
				}
				diffInfos(known, infos)
			}
			perOp := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(100*float64(perOp)/float64(PollInterval), "%core@2s")
		})
	}
}

// Baseline of the same run: reading one sysfs-sized file.
func BenchmarkBaselineReadFile(b *testing.B) {
	p := filepath.Join(b.TempDir(), "uevent")
	if err := os.WriteFile(p, []byte("HID_ID=0003:0000047F:0000C056\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// A Read waiting on a quiet device and a Watch on the kernel's uevents cost
// no CPU: both sleep in poll(2) until something happens.
func TestIdleWaitingCostsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("measures one second")
	}
	h := fakeTree(t, blackwire(t, "hidraw0"))
	d, err := h.Open(filepath.Join(h.DevRoot, "hidraw0"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	h.uevents = nil // the real netlink socket
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.Read(ctx, make([]byte, 64))
	watching := make(chan error, 1)
	go func() { watching <- h.Watch(ctx, make(chan Change)) }()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-watching:
		t.Skipf("no netlink here: %v", err)
	default:
	}
	before, start := cpuTime(), time.Now()
	time.Sleep(time.Second)
	used, wall := cpuTime()-before, time.Since(start)
	share := float64(used) / float64(wall)
	t.Logf("idle Read + Watch: %v CPU in %v (%.3f %% of a core)", used, wall.Round(time.Millisecond), 100*share)
	if share > 0.002 {
		t.Fatalf("idle waiting costs %.3f %% of a core", 100*share)
	}
}
