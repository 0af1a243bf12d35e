package hid_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/replay"
)

func traceBus(t *testing.T) *replay.Bus {
	t.Helper()
	b := replay.New()
	rule, err := replay.ParseRule("05 01", "05 00 01")
	if err != nil {
		t.Fatal(err)
	}
	err = b.Add(replay.Spec{
		Info:     hid.Info{Path: "sim:bw/3", VendorID: 0x047F, ProductID: 0xC056},
		Rules:    []replay.Rule{rule},
		Features: map[byte][]byte{0x1B: {0x1B, 0x02, 0x00}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTraceLines(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 12, 1, 12, 0, 0, 123456789, time.UTC))
	bus := traceBus(t)
	var out bytes.Buffer
	tr := hid.NewTrace(bus, &out, fake.Now)
	d, err := tr.Open("sim:bw/3")
	if err != nil {
		t.Fatal(err)
	}
	bus.Input("sim:bw/3", []byte{0x08, 0x02})
	buf := make([]byte, 64)
	if _, err := d.Read(context.Background(), buf); err != nil {
		t.Fatal(err)
	}
	fake.Advance(1500 * time.Microsecond)
	d.Write([]byte{0x09, 0x01})
	d.SendFeature([]byte{0x05, 0x01, 0xAB})
	d.Read(context.Background(), buf) // the rule's reply
	d.GetFeature([]byte{0x1B, 0, 0})
	d.GetFeature([]byte{0x77}) // fails: no line
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`{"t":"2026-12-01T12:00:00.123456789Z","vendorId":"047F","productId":"C056","path":"sim:bw/3","dir":"in","report":"0802"}`,
		`{"t":"2026-12-01T12:00:00.124956789Z","vendorId":"047F","productId":"C056","path":"sim:bw/3","dir":"out","report":"0901"}`,
		`{"t":"2026-12-01T12:00:00.124956789Z","vendorId":"047F","productId":"C056","path":"sim:bw/3","dir":"feature-out","report":"0501AB"}`,
		`{"t":"2026-12-01T12:00:00.124956789Z","vendorId":"047F","productId":"C056","path":"sim:bw/3","dir":"in","report":"050001"}`,
		`{"t":"2026-12-01T12:00:00.124956789Z","vendorId":"047F","productId":"C056","path":"sim:bw/3","dir":"feature-in","report":"1B0200"}`,
	}, "\n") + "\n"
	if out.String() != want {
		t.Fatalf("trace:\n%s\nwant:\n%s", out.String(), want)
	}
	// Reports in the trace read back as the replay's hex.
	if b, err := replay.ParseHex("0501AB"); err != nil || !bytes.Equal(b, []byte{5, 1, 0xAB}) {
		t.Fatalf("read back % X, %v", b, err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// blockingWriter blocks every write until released.
type blockingWriter struct {
	release chan struct{}
	mu      sync.Mutex
	n       int
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	w.n++
	w.mu.Unlock()
	return len(p), nil
}

func TestTraceNeverBlocksTheDevice(t *testing.T) {
	cases := []struct {
		name    string
		w       func() (interface{ Write([]byte) (int, error) }, func())
		writes  int
		wantErr string
	}{
		{
			name:    "failing writer",
			w:       func() (interface{ Write([]byte) (int, error) }, func()) { return failingWriter{}, func() {} },
			writes:  10,
			wantErr: "HID trace: disk full",
		},
		{
			name: "stuck writer",
			w: func() (interface{ Write([]byte) (int, error) }, func()) {
				w := &blockingWriter{release: make(chan struct{})}
				return w, func() { close(w.release) }
			},
			writes:  2*hid.TraceQueue + 10, // one batch taken by the stuck writer, one queued, the rest dropped
			wantErr: "lines dropped",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, release := tc.w()
			tr := hid.NewTrace(traceBus(t), w, time.Now)
			d, err := tr.Open("sim:bw/3")
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			for i := 0; i < tc.writes; i++ {
				if _, err := d.Write([]byte{0x09, byte(i)}); err != nil {
					t.Fatal(err)
				}
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Fatalf("%d writes took %v", tc.writes, el)
			}
			release()
			if err := tr.Close(); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Close = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
