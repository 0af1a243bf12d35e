// Package replay is a scriptable hid.Bus: devices with a real report
// descriptor whose input reports a test or a simulator scenario injects, and
// which answer the reports a driver writes by reply rules. The simulator's
// scripted HID devices (docs/simulator.md, issue 10) and every HID driver test run the
// real drivers through it, so a driver cannot tell a replay from a headset.
//
// Rule semantics: when a driver writes an output or feature report that
// begins with a rule's match, the first matching rule answers with its reply
// as an input report. "??" in a match matches any byte; "??" in a reply
// copies the request's byte at the same offset. A reply is zero-padded to the
// length of the input report its first byte (the report ID) names. A written
// report no rule matches gets no answer.
package replay

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hid/descriptor"
)

// MaxQueued bounds the input reports waiting for one reader (hidraw keeps
// 64 per open file; a replay keeps more so a scripted burst is not lost).
const MaxQueued = 1024

// ErrQueueFull: an input report was dropped because a reader's queue held
// MaxQueued reports.
var ErrQueueFull = errors.New("replay: input queue full, report dropped")

// ErrNoFeature: GetFeature asked for a feature report the device was not
// given (see Spec.Features and Bus.SetFeature).
var ErrNoFeature = errors.New("replay: no such feature report")

// Spec describes one scripted HID interface.
type Spec struct {
	// Info is what Enumerate lists; Info.Path is the device's key. A zero
	// UsagePage and Usage are taken from the descriptor's first top-level
	// collection, as the Linux transport does.
	Info hid.Info
	// Descriptor is the raw report descriptor (ReportDescriptor returns
	// hid.ErrNotSupported when it is empty).
	Descriptor []byte
	// InputLen returns the length in bytes, report ID included, of the input
	// report with the given ID, 0 when unknown. It takes precedence over
	// InputLengths; replies shorter than the length are zero-padded.
	InputLen func(reportID byte) int
	// InputLengths is the same as a table. With neither, the lengths come
	// from the descriptor's input reports.
	InputLengths map[byte]int
	// Rules answer written reports, first match first.
	Rules []Rule
	// Features are the feature reports GetFeature returns, by report ID.
	Features map[byte][]byte
	// NoPermission makes Open fail with an error wrapping hid.ErrPermission.
	NoPermission bool
}

// Kind tells which way a written report went.
type Kind string

// The kinds of written reports (the names of the HID trace's "dir").
const (
	KindOutput  Kind = "out"
	KindFeature Kind = "feature-out"
)

// Write is one report a driver wrote.
type Write struct {
	Path   string
	Kind   Kind
	Report []byte
}

// Bus is a scriptable hid.Bus. The zero value is not ready; use New.
type Bus struct {
	mu       sync.Mutex
	devs     map[string]*device
	order    []string
	watchers map[*watcher]struct{}
	writes   []Write
	wrote    chan struct{} // closed and replaced on every write
}

type device struct {
	spec     Spec
	rules    []Rule
	features map[byte][]byte
	handles  map[*handle]struct{}
	pending  [][]byte // input reports that arrived while nobody had it open
	denied   bool
}

type watcher struct {
	queue  []hid.Change
	signal chan struct{}
}

var _ hid.Bus = (*Bus)(nil)

// New returns an empty bus.
func New() *Bus {
	return &Bus{
		devs:     map[string]*device{},
		watchers: map[*watcher]struct{}{},
		wrote:    make(chan struct{}),
	}
}

// Add puts a device on the bus without a hot-plug notice: a device that was
// there before anyone watched.
func (b *Bus) Add(s Spec) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.addLocked(s)
}

// Attach plugs a device in: it is added and every watcher gets a Change.
func (b *Bus) Attach(s Spec) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.addLocked(s); err != nil {
		return err
	}
	b.notifyLocked(hid.Change{Added: true, Info: b.devs[s.Info.Path].spec.Info})
	return nil
}

func (b *Bus) addLocked(s Spec) error {
	p := s.Info.Path
	if p == "" {
		return errors.New("replay: a device needs a path")
	}
	if _, ok := b.devs[p]; ok {
		return fmt.Errorf("replay: %s is already attached", p)
	}
	if len(s.Descriptor) > MaxHexBytes {
		return fmt.Errorf("replay: %s: descriptor of %d bytes is longer than %d", p, len(s.Descriptor), MaxHexBytes)
	}
	d := &device{
		spec:     s,
		rules:    append([]Rule(nil), s.Rules...),
		features: map[byte][]byte{},
		handles:  map[*handle]struct{}{},
		denied:   s.NoPermission,
	}
	d.spec.Descriptor = append([]byte(nil), s.Descriptor...)
	if len(s.Descriptor) > 0 {
		// A partial descriptor still gives the reports it declares.
		parsed, _ := descriptor.Parse(d.spec.Descriptor)
		if top := parsed.TopLevel(); len(top) > 0 && s.Info.UsagePage == 0 && s.Info.Usage == 0 {
			d.spec.Info.UsagePage, d.spec.Info.Usage = top[0].Usage.Page(), top[0].Usage.ID()
		}
		if s.InputLen == nil && s.InputLengths == nil {
			d.spec.InputLen = func(id byte) int { return parsed.Length(descriptor.Input, id) }
		}
	}
	for id, r := range s.Features {
		d.features[id] = append([]byte(nil), r...)
	}
	b.devs[p] = d
	b.order = append(b.order, p)
	return nil
}

// Detach unplugs a device: its open handles' Reads return hid.ErrClosed
// once they have drained what was queued, and every watcher gets a Change.
func (b *Bus) Detach(path string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.devs[path]
	if !ok {
		return fmt.Errorf("replay: detach %s: %w", path, fs.ErrNotExist)
	}
	delete(b.devs, path)
	for i, p := range b.order {
		if p == path {
			b.order = append(b.order[:i:i], b.order[i+1:]...)
			break
		}
	}
	for h := range d.handles {
		h.gone = true
		h.wake()
	}
	b.notifyLocked(hid.Change{Added: false, Info: d.spec.Info})
	return nil
}

// SetPermission grants (true) or refuses (false) opening a device, as udev
// does when it sets the uaccess ACL a moment after the device arrived.
func (b *Bus) SetPermission(path string, ok bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, found := b.devs[path]
	if !found {
		return fmt.Errorf("replay: %s: %w", path, fs.ErrNotExist)
	}
	d.denied = !ok
	return nil
}

// Input makes the device send an input report (report ID first): every open
// handle's Read returns it; while none is open it waits for the first Open.
func (b *Bus) Input(path string, report []byte) error {
	if len(report) == 0 {
		return fmt.Errorf("replay: input for %s is empty", path)
	}
	if len(report) > MaxHexBytes {
		return fmt.Errorf("replay: input for %s is %d bytes, more than %d", path, len(report), MaxHexBytes)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.devs[path]
	if !ok {
		return fmt.Errorf("replay: input for %s: %w", path, fs.ErrNotExist)
	}
	return d.deliverLocked(append([]byte(nil), report...))
}

// deliverLocked queues report for every open handle, or for the next Open.
func (d *device) deliverLocked(report []byte) error {
	full := false
	if len(d.handles) == 0 {
		if len(d.pending) >= MaxQueued {
			return fmt.Errorf("%s: %w", d.spec.Info.Path, ErrQueueFull)
		}
		d.pending = append(d.pending, report)
		return nil
	}
	for h := range d.handles {
		if len(h.queue) >= MaxQueued {
			full = true
			continue
		}
		h.queue = append(h.queue, report)
		h.wake()
	}
	if full {
		return fmt.Errorf("%s: %w", d.spec.Info.Path, ErrQueueFull)
	}
	return nil
}

// SetRule replaces the device's rule with the same match, or adds r in
// front of the others.
func (b *Bus) SetRule(path string, r Rule) error {
	if len(r.Match) == 0 || len(r.Reply) == 0 {
		return errors.New("replay: a rule needs a match and a reply")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.devs[path]
	if !ok {
		return fmt.Errorf("replay: rule for %s: %w", path, fs.ErrNotExist)
	}
	d.rules = setRule(d.rules, r)
	return nil
}

// Rules returns the device's rules in the order they are tried.
func (b *Bus) Rules(path string) []Rule {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d, ok := b.devs[path]; ok {
		return append([]Rule(nil), d.rules...)
	}
	return nil
}

// SetFeature sets the feature report GetFeature returns for its report ID.
func (b *Bus) SetFeature(path string, report []byte) error {
	if len(report) == 0 || len(report) > MaxHexBytes {
		return fmt.Errorf("replay: feature report for %s has %d bytes", path, len(report))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.devs[path]
	if !ok {
		return fmt.Errorf("replay: feature for %s: %w", path, fs.ErrNotExist)
	}
	d.features[report[0]] = append([]byte(nil), report...)
	return nil
}

// Writes returns every report written so far, oldest first.
func (b *Bus) Writes() []Write {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Write, len(b.writes))
	for i, w := range b.writes {
		out[i] = Write{Path: w.Path, Kind: w.Kind, Report: append([]byte(nil), w.Report...)}
	}
	return out
}

// WaitWrites waits until at least n reports were written and returns them
// all, or returns ctx's error with those written so far.
func (b *Bus) WaitWrites(ctx context.Context, n int) ([]Write, error) {
	for {
		b.mu.Lock()
		have, wrote := len(b.writes), b.wrote
		b.mu.Unlock()
		if have >= n {
			return b.Writes(), nil
		}
		select {
		case <-wrote:
		case <-ctx.Done():
			return b.Writes(), ctx.Err()
		}
	}
}

// Watching returns how many Watch calls are running; tests wait for it
// before they plug a device in.
func (b *Bus) Watching() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.watchers)
}

// Enumerate lists the attached devices in the order they were added.
func (b *Bus) Enumerate() ([]hid.Info, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]hid.Info, 0, len(b.order))
	for _, p := range b.order {
		out = append(out, b.devs[p].spec.Info)
	}
	return out, nil
}

// Open opens an attached device. Input reports that arrived while it was not
// open are handed to the first handle.
func (b *Bus) Open(path string) (hid.Device, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.devs[path]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", path, fs.ErrNotExist)
	}
	if d.denied {
		return nil, fmt.Errorf("open %s: %w", path, hid.ErrPermission)
	}
	h := &handle{bus: b, dev: d, signal: make(chan struct{}, 1)}
	h.queue, d.pending = d.pending, nil
	d.handles[h] = struct{}{}
	return h, nil
}

// Watch sends every Attach and Detach to changes until ctx ends; it returns
// nil then.
func (b *Bus) Watch(ctx context.Context, changes chan<- hid.Change) error {
	w := &watcher{signal: make(chan struct{}, 1)}
	b.mu.Lock()
	b.watchers[w] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.watchers, w)
		b.mu.Unlock()
	}()
	for {
		b.mu.Lock()
		q := w.queue
		w.queue = nil
		b.mu.Unlock()
		for _, c := range q {
			select {
			case changes <- c:
			case <-ctx.Done():
				return nil
			}
		}
		select {
		case <-w.signal:
		case <-ctx.Done():
			return nil
		}
	}
}

func (b *Bus) notifyLocked(c hid.Change) {
	for w := range b.watchers {
		w.queue = append(w.queue, c)
		select {
		case w.signal <- struct{}{}:
		default:
		}
	}
}

// write records a report a handle wrote and answers it by the rules.
func (b *Bus) write(h *handle, kind Kind, report []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if h.closed || h.gone {
		return 0, hid.ErrClosed
	}
	if len(report) == 0 {
		return 0, fmt.Errorf("write %s: empty report", h.dev.spec.Info.Path)
	}
	cp := append([]byte(nil), report...)
	b.writes = append(b.writes, Write{Path: h.dev.spec.Info.Path, Kind: kind, Report: cp})
	close(b.wrote)
	b.wrote = make(chan struct{})
	if reply, ok := answer(h.dev.rules, cp); ok {
		if n := h.dev.inputLen(reply[0]); n > len(reply) && n <= MaxHexBytes {
			reply = append(reply, make([]byte, n-len(reply))...)
		}
		if err := h.dev.deliverLocked(reply); err != nil {
			return len(report), err
		}
	}
	return len(report), nil
}

func (d *device) inputLen(id byte) int {
	if d.spec.InputLen != nil {
		return d.spec.InputLen(id)
	}
	return d.spec.InputLengths[id]
}
