package hidhost

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/descriptor"
)

// groupDevice is one hid.Device made of the open collections of one USB
// interface that the OS lists apart. Its report descriptor is theirs in
// order (a USB interface's descriptor is its top-level collections one
// after the other, sharing one report-ID space); input reports of every
// member come out of Read; an output or feature report goes to the member
// whose descriptor declares it.
type groupDevice struct {
	members []hid.Device
	descs   []*descriptor.Descriptor // nil where a member's did not parse
	raw     []byte

	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	in     chan groupInput
	closed chan struct{}
	closer sync.Once
}

type groupInput struct {
	report []byte
	err    error
}

func newGroupDevice(devs []hid.Device) (hid.Device, error) {
	g := &groupDevice{members: devs, in: make(chan groupInput, 64), closed: make(chan struct{})}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	for _, d := range devs {
		raw, err := d.ReportDescriptor()
		if err != nil {
			g.descs = append(g.descs, nil)
			continue
		}
		g.raw = append(g.raw, raw...)
		parsed, err := descriptor.Parse(raw)
		if err != nil {
			parsed = nil
		}
		g.descs = append(g.descs, parsed)
	}
	return g, nil
}

// Info is the first member's (the group's paths differ only in the
// collection).
func (g *groupDevice) Info() hid.Info { return g.members[0].Info() }

// start runs one reader per member, once.
func (g *groupDevice) start() {
	g.once.Do(func() {
		for _, m := range g.members {
			go func() {
				buf := make([]byte, descriptor.MaxReportLen)
				for {
					n, err := m.Read(g.ctx, buf)
					if err != nil {
						if g.ctx.Err() == nil {
							select {
							case g.in <- groupInput{err: err}:
							case <-g.ctx.Done():
							}
						}
						return
					}
					select {
					case g.in <- groupInput{report: append([]byte(nil), buf[:n]...)}:
					case <-g.ctx.Done():
						return
					}
				}
			}()
		}
	})
}

// Read returns the next input report of any member; the first member that
// is gone ends the group (ErrClosed).
func (g *groupDevice) Read(ctx context.Context, buf []byte) (int, error) {
	g.start()
	select {
	case in := <-g.in:
		if in.err != nil {
			if errors.Is(in.err, hid.ErrClosed) {
				return 0, hid.ErrClosed
			}
			return 0, in.err
		}
		return copy(buf, in.report), nil
	case <-g.closed:
		return 0, hid.ErrClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// member returns the member whose descriptor declares the report, else the
// first.
func (g *groupDevice) member(k descriptor.Kind, report []byte) hid.Device {
	if len(report) > 0 {
		for i, d := range g.descs {
			if d != nil && d.Length(k, report[0]) > 0 {
				return g.members[i]
			}
		}
	}
	return g.members[0]
}

func (g *groupDevice) Write(report []byte) (int, error) {
	return g.member(descriptor.Output, report).Write(report)
}

func (g *groupDevice) GetFeature(buf []byte) (int, error) {
	return g.member(descriptor.Feature, buf).GetFeature(buf)
}

func (g *groupDevice) SendFeature(report []byte) (int, error) {
	return g.member(descriptor.Feature, report).SendFeature(report)
}

func (g *groupDevice) ReportDescriptor() ([]byte, error) {
	if len(g.raw) == 0 {
		return nil, fmt.Errorf("no member's report descriptor could be read: %w", hid.ErrNotSupported)
	}
	return append([]byte(nil), g.raw...), nil
}

// Close closes every member.
func (g *groupDevice) Close() error {
	var err error
	g.closer.Do(func() {
		close(g.closed)
		g.cancel()
		for _, m := range g.members {
			if e := m.Close(); e != nil && err == nil {
				err = e
			}
		}
	})
	return err
}
