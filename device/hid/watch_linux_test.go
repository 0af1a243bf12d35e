package hid

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// chanSource replays messages handed to it; nil stands for a lost burst.
type chanSource struct{ msgs chan []byte }

func (s chanSource) next(ctx context.Context, buf []byte) (int, error) {
	select {
	case m := <-s.msgs:
		if m == nil {
			return 0, errOverflow
		}
		return copy(buf, m), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (s chanSource) close() error { return nil }

// recorded reads the messages of one testdata/uevent directory in order.
func recorded(t *testing.T, dir string) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "uevent", dir, "*.uevent"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no messages in %s: %v", dir, err)
	}
	sort.Strings(files)
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func nextChange(t *testing.T, changes <-chan Change) Change {
	t.Helper()
	select {
	case c := <-changes:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no change within 5 s")
	}
	return Change{}
}

func noChange(t *testing.T, changes <-chan Change) {
	t.Helper()
	select {
	case c := <-changes:
		t.Fatalf("unexpected change %+v", c)
	case <-time.After(50 * time.Millisecond):
	}
}

func startWatch(t *testing.T, h *Hidraw) (chanSource, chan Change) {
	t.Helper()
	src := chanSource{msgs: make(chan []byte)}
	h.uevents = func() (ueventSource, error) { return src, nil }
	ctx, cancel := context.WithCancel(context.Background())
	changes := make(chan Change)
	done := make(chan error, 1)
	go func() { done <- h.Watch(ctx, changes) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("watch: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("watch did not end")
		}
	})
	return src, changes
}

func TestWatchPlugAndUnplug(t *testing.T) {
	h := fakeTree(t)
	// udev gives the seat's user access a moment after the kernel's event.
	var probes atomic.Int32
	h.access = func(string) error {
		if probes.Add(1) <= 2 {
			return unix.EACCES
		}
		return nil
	}
	src, changes := startWatch(t, h)
	plug(t, h, blackwire(t, "hidraw0"))
	start := time.Now()
	for _, m := range recorded(t, "blackwire-plug") {
		src.msgs <- m
	}
	c := nextChange(t, changes)
	if !c.Added || c.Info.Path != filepath.Join(h.DevRoot, "hidraw0") || c.Info.VendorID != 0x047F || c.Info.Interface != 3 || c.Info.Product != "Plantronics Blackwire 3220 Series" {
		t.Fatalf("arrival %+v", c)
	}
	if probes.Load() != 3 {
		t.Fatalf("probed access %d times, want 3 (two refusals, then access)", probes.Load())
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("arrival took %v", d)
	}
	noChange(t, changes) // the other nine messages are not hidraw arrivals
	unplug(t, h, "hidraw0")
	for _, m := range recorded(t, "blackwire-unplug") {
		src.msgs <- m
	}
	c = nextChange(t, changes)
	if c.Added || c.Info.Path != filepath.Join(h.DevRoot, "hidraw0") || c.Info.ProductID != 0xC056 {
		t.Fatalf("removal %+v", c)
	}
	noChange(t, changes)
}

func TestWatchUdevFraming(t *testing.T) {
	h := fakeTree(t)
	h.access = func(string) error { return nil }
	src, changes := startWatch(t, h)
	plug(t, h, blackwire(t, "hidraw0"))
	src.msgs <- recorded(t, "udev")[0]
	if c := nextChange(t, changes); !c.Added || c.Info.VendorID != 0x047F {
		t.Fatalf("arrival %+v", c)
	}
}

func TestWatchGivesUpWaitingForAccess(t *testing.T) {
	h := fakeTree(t)
	h.OpenRetry = 100 * time.Millisecond
	h.access = func(string) error { return unix.EACCES }
	src, changes := startWatch(t, h)
	plug(t, h, blackwire(t, "hidraw0"))
	src.msgs <- recorded(t, "blackwire-plug")[6]
	// Still reported, so the host lists it with the permission hint.
	if c := nextChange(t, changes); !c.Added || c.Info.Interface != 3 {
		t.Fatalf("arrival %+v", c)
	}
}

func TestWatchRemovalWhileWaiting(t *testing.T) {
	h := fakeTree(t)
	h.access = func(string) error { return unix.EACCES }
	src, changes := startWatch(t, h)
	plug(t, h, blackwire(t, "hidraw0"))
	src.msgs <- recorded(t, "blackwire-plug")[6]
	unplug(t, h, "hidraw0")
	src.msgs <- recorded(t, "blackwire-unplug")[0]
	if c := nextChange(t, changes); c.Added {
		t.Fatalf("got %+v, want only the removal", c)
	}
	noChange(t, changes)
}

func TestWatchRescansAfterLostMessages(t *testing.T) {
	h := fakeTree(t, blackwire(t, "hidraw0"))
	src, changes := startWatch(t, h)
	time.Sleep(20 * time.Millisecond) // Watch has enumerated hidraw0
	unplug(t, h, "hidraw0")
	other := blackwire(t, "hidraw1")
	other.hidDir, other.usb = "0003:047F:C056.0009", "usb1/1-5"
	plug(t, h, other)
	src.msgs <- nil
	got := []Change{nextChange(t, changes), nextChange(t, changes)}
	if got[0].Added || filepath.Base(got[0].Info.Path) != "hidraw0" || !got[1].Added || filepath.Base(got[1].Info.Path) != "hidraw1" {
		t.Fatalf("changes %+v", got)
	}
}

func TestWatchFailsWithoutNetlink(t *testing.T) {
	h := fakeTree(t)
	h.uevents = func() (ueventSource, error) { return nil, errors.New("no netlink here") }
	if err := h.Watch(context.Background(), make(chan Change)); err == nil {
		t.Fatal("Watch without a source returned nil")
	}
}

// The real socket: it opens and ends with its context (no device needed).
func TestNetlinkSourceEnds(t *testing.T) {
	src, err := openNetlink()
	if err != nil {
		t.Skipf("no netlink uevent socket here: %v", err)
	}
	defer src.close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, maxUeventSize)
		for {
			if _, err := src.next(ctx, buf); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("next ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("next did not end")
	}
}
