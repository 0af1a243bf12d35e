package hidhost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
)

// MaxRecorded bounds the reports one recording keeps (a headset sends a
// few a second; a stuck device sending thousands must not fill memory).
const MaxRecorded = 100000

// Recording is what `earshot hid record` keeps of one interface: its
// identity, its report descriptor, and every input report it sent with the
// time since the start.
type Recording struct {
	Info       hid.Info
	Descriptor []byte
	Reports    []Recorded
	Truncated  bool // MaxRecorded was reached
}

// Recorded is one input report and when it came.
type Recorded struct {
	At     time.Duration
	Report []byte
}

// Record opens the interface at path on bus and keeps its input reports for
// d (on clk) or until ctx ends. It never writes to the device.
func Record(ctx context.Context, bus hid.Bus, path string, d time.Duration, clk clock.Clock) (*Recording, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	dev, err := bus.Open(path)
	if err != nil {
		return nil, err
	}
	defer dev.Close()
	rec := &Recording{Info: dev.Info()}
	if rec.Descriptor, err = dev.ReportDescriptor(); err != nil {
		return nil, fmt.Errorf("read the report descriptor of %s: %w", path, err)
	}
	start := clk.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-clk.After(d):
			cancel()
		case <-ctx.Done():
		}
	}()
	buf := make([]byte, 16384)
	for {
		n, err := dev.Read(ctx, buf)
		switch {
		case ctx.Err() != nil:
			return rec, nil
		case errors.Is(err, hid.ErrClosed):
			return rec, nil // unplugged: keep what came
		case err != nil:
			return rec, fmt.Errorf("read %s: %w", path, err)
		}
		if len(rec.Reports) == MaxRecorded {
			rec.Truncated = true
			continue
		}
		rec.Reports = append(rec.Reports, Recorded{At: clk.Now().Sub(start), Report: append([]byte(nil), buf[:n]...)})
	}
}

// Scenario writes the recording as a simulator scenario with one scripted
// HID device ("rec") and its reports as input steps, so a developer replays
// it with `earshot --sim FILE`.
func (r *Recording) Scenario() []byte {
	in := r.Info
	dev := map[string]any{
		"id": "rec", "vendorId": fmt.Sprintf("%04X", in.VendorID), "productId": fmt.Sprintf("%04X", in.ProductID),
		"hid": map[string]any{"descriptor": Hex(r.Descriptor), "interface": max(in.Interface, 0),
			"usagePage": fmt.Sprintf("%04X", in.UsagePage), "usage": fmt.Sprintf("%04X", in.Usage)},
	}
	if in.Product != "" {
		dev["name"] = in.Product
	}
	if in.Serial != "" {
		dev["esn"] = in.Serial
	}
	var b bytes.Buffer
	b.WriteString("{\n  \"speed\": 1,\n  \"devices\": [\n    ")
	d, _ := json.Marshal(dev)
	b.Write(d)
	b.WriteString("\n  ],\n  \"timeline\": [")
	for i, rep := range r.Reports {
		step, _ := json.Marshal(map[string]any{"at": rep.At.Seconds(), "do": "input", "device": "rec", "report": Hex(rep.Report)})
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n    ")
		b.Write(step)
	}
	b.WriteString("\n  ]\n}\n")
	return b.Bytes()
}

// Hex writes bytes as scenario files do: upper-case pairs separated by
// spaces.
func Hex(b []byte) string {
	var s strings.Builder
	for i, x := range b {
		if i > 0 {
			s.WriteByte(' ')
		}
		fmt.Fprintf(&s, "%02X", x)
	}
	return s.String()
}
