package sim

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/hid/replay"
)

// Scenario is a parsed scenario file: the format of docs/simulator.md plus Earshot's
// optional top-level "loopFrom" (see the package doc), which makes the
// timeline repeat from that time on.
type Scenario struct {
	speed    float64
	devices  []deviceSpec // parents before their children
	timeline []step       // sorted stably by at
	// loops says whether the timeline repeats: after its last step, the steps
	// from index loopStart (the first with at ≥ loopFrom) play again, shifted by
	// period = last at − loopFrom.
	loops     bool
	loopStart int
	period    time.Duration
}

// deviceSpec is one entry of "devices": the device as it stands before the
// timeline starts.
type deviceSpec struct {
	device.Device
	firmwareUpdate *FirmwareUpdate
	hasAttachStep  bool // the device is attached by the timeline, not from time zero
	// readOnly are the settings the simulated driver cannot write, with why
	// ("readOnlySettings", Earshot's extension; see settings.go).
	readOnly map[string]string
	// hid are the interfaces of a scripted HID device (hidspec.go); such a
	// device is played through the HID host, not the simulated driver.
	hid []hidInterface
}

// FirmwareUpdate is how a simulated device answers a firmware update.
type FirmwareUpdate struct {
	Result   string // "Success" or one of device.FirmwareFailures
	Duration time.Duration
}

// step is one entry of "timeline".
type step struct {
	at          time.Duration
	do          string
	device      string
	button      device.Button
	telemetry   device.Telemetry
	linkQuality device.LinkQuality
	battery     device.Battery
	count       int
	// application and event of a "presence" step: an application posting
	// its state, as through the presence API (no device).
	application, event string
	report             []byte       // input
	rule               *replay.Rule // reply
	iface              int          // input and reply: the interface, -1 for the default
}

// actions maps each "do" to the keys it takes besides at, do and device, and
// to the function that reads them.
var actions = map[string]struct {
	keys  []string
	parse func(o object, s *step)
}{
	"attach":       {},
	"detach":       {},
	"callStart":    {},
	"callEnd":      {},
	"dectHandover": {},
	"streamStart":  {},
	"streamEnd":    {},
	"press":        {[]string{"button"}, parsePress},
	"telemetry": {[]string{"audioExposureDb", "backgroundNoiseDb", "boomArmBadlyPositioned", "microphoneMalfunction"},
		parseTelemetry},
	"linkQuality": {[]string{"level"}, parseLinkQuality},
	"battery":     {[]string{"level", "charging", "low"}, func(o object, s *step) { s.battery = parseBattery(o) }},
	"peopleCount": {[]string{"count"}, func(o object, s *step) { s.count = o.integer("count", true, 0, math.MaxInt32) }},
	"presence": {[]string{"application", "event"}, func(o object, s *step) {
		s.application, s.event = o.str("application", true), o.str("event", true)
	}},
	"input": {[]string{"report", "interface"}, parseInput},
	"reply": {[]string{"match", "reply", "interface"}, parseReply},
}

// deviceless are the actions that name no device.
var deviceless = map[string]bool{"presence": true}

// Loops tells whether the timeline repeats ("loopFrom"): such a scenario
// never ends.
func (s *Scenario) Loops() bool { return s.loops }

// Speed is how many times faster than real time the scenario plays.
func (s *Scenario) Speed() float64 { return s.speed }

// Devices returns every device the scenario has, attached at some time or
// not, in device.DisplayOrder: a command can tell at once that a name is
// none of them.
func (s *Scenario) Devices() []device.Device {
	out := make([]device.Device, 0, len(s.devices))
	for _, d := range s.devices {
		out = append(out, d.Device)
	}
	return device.DisplayOrder(out)
}

// AtZero returns the devices as they stand once every step at time zero has
// been applied: devices without an attach step in the timeline are attached
// from the start, detached ones are left out. They come in
// device.DisplayOrder, as a Manager lists them.
func (s *Scenario) AtZero() []device.Device {
	st := newState(s)
	for _, step := range s.timeline {
		if step.at > 0 {
			break
		}
		st.play(step, time.Time{}, func(device.Event) {}, slog.New(slog.DiscardHandler))
	}
	return device.DisplayOrder(st.attached())
}

// ParseScenario reads a scenario file. It is strict: an unknown key, a value
// of the wrong type or out of range is an error of one line naming its path,
// such as `scenario: timeline[3].device: no device "hs9"`.
func ParseScenario(data []byte) (*Scenario, error) {
	v, err := decodeJSONTree(data)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", jsonError(data, err))
	}
	p := &parser{}
	s := p.scenario(p.object("", v))
	if p.err != nil {
		return nil, fmt.Errorf("scenario: %w", p.err)
	}
	return s, nil
}

// jsonError adds the line number to a syntax error.
func jsonError(data []byte, err error) error {
	var syn *jsonSyntaxError
	if errors.As(err, &syn) {
		line := 1 + bytes.Count(data[:min(syn.offset, len(data))], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, err)
	}
	return err
}

// parser keeps the first error found; the readers below record errors in it
// and return zero values, so the parsing code reads straight through.
type parser struct{ err error }

func (p *parser) failf(path, format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
}

func (p *parser) scenario(o object) *Scenario {
	o.allow("", "speed", "loopFrom", "devices", "timeline")
	s := &Scenario{speed: 1}
	if speed, ok := o.number("speed"); ok {
		if speed <= 0 {
			p.failf("speed", "must be greater than 0")
		}
		s.speed = speed
	}
	devices := o.array("devices")
	s.devices = make([]deviceSpec, 0, len(devices))
	for i, v := range devices {
		s.devices = append(s.devices, p.device(p.object(fmt.Sprintf("devices[%d]", i), v)))
	}
	ids := make(map[string]*deviceSpec, len(s.devices))
	for i := range s.devices {
		d := &s.devices[i]
		if ids[d.ID] != nil {
			p.failf(fmt.Sprintf("devices[%d].id", i), "duplicate id %q", d.ID)
		}
		ids[d.ID] = d
	}
	depths := make(map[string]int, len(s.devices))
	for i, d := range s.devices {
		depths[d.ID] = depth(ids, d.ID)
		if d.Parent != "" && ids[d.Parent] == nil {
			p.failf(fmt.Sprintf("devices[%d].parent", i), "no device %q", d.Parent)
		} else if d.Parent != "" && len(ids[d.Parent].hid) > 0 {
			p.failf(fmt.Sprintf("devices[%d].parent", i), "%q is a scripted HID device; its drivers report what is behind it", d.Parent)
		} else if depths[d.ID] > len(s.devices) {
			p.failf(fmt.Sprintf("devices[%d].parent", i), "the chain of parents loops")
		}
	}
	if p.err != nil {
		return nil
	}
	timeline := o.array("timeline")
	// Each step is read in its place: a step read into a variable of its
	// own would go to the heap (its address goes to the action's reader)
	// and be copied once more.
	s.timeline = make([]step, len(timeline))
	for i, v := range timeline {
		path := fmt.Sprintf("timeline[%d]", i)
		st := &s.timeline[i]
		p.step(p.object(path, v), st)
		if deviceless[st.do] {
			// no device to check
		} else if d := ids[st.device]; d == nil {
			p.failf(path+".device", "no device %q", st.device)
		} else {
			p.checkHIDStep(path, st, d)
			if st.do == "attach" {
				d.hasAttachStep = true
			}
		}
	}
	slices.SortStableFunc(s.timeline, func(a, b step) int { return cmp.Compare(a.at, b.at) })
	slices.SortStableFunc(s.devices, func(a, b deviceSpec) int { return depths[a.ID] - depths[b.ID] })
	if loopFrom, ok := o.duration("loopFrom", false); ok {
		if len(s.timeline) == 0 || loopFrom >= s.timeline[len(s.timeline)-1].at {
			p.failf("loopFrom", "must be before the last step of the timeline")
			return nil
		}
		s.loops = true
		s.loopStart = slices.IndexFunc(s.timeline, func(st step) bool { return st.at >= loopFrom })
		s.period = s.timeline[len(s.timeline)-1].at - loopFrom
	}
	return s
}

// depth is how many ancestors the device has, or more than len(ids) when its
// parents form a cycle.
func depth(ids map[string]*deviceSpec, id string) int {
	n := 0
	for d := ids[id]; d != nil && d.Parent != "" && n <= len(ids); d = ids[d.Parent] {
		n++
	}
	return n
}

func (p *parser) device(o object) deviceSpec {
	var d deviceSpec
	if o.has("hid") {
		d.ID = o.str("id", true)
		d.Name = o.str("name", false)
		d.VendorID = o.hex16("vendorId")
		d.ProductID = o.hex16("productId")
		d.ESN = o.str("esn", false)
		p.parseHID(o, &d)
		return d
	}
	o.allow("", "id", "kind", "name", "vendorId", "productId", "variant", "esn", "firmware",
		"connection", "parent", "battery", "settings", "firmwareUpdate", "readOnlySettings", "hid")
	d.ID = o.str("id", true)
	if kind, err := device.ParseKind(o.str("kind", true)); err != nil {
		p.failf(o.key("kind"), "%v", err)
	} else {
		d.Kind = kind
	}
	d.Name = orDefault(o.str("name", false), d.ID)
	d.VendorID = o.hex16("vendorId")
	d.ProductID = o.hex16("productId")
	d.Variant = o.str("variant", false)
	d.ESN = o.str("esn", false)
	d.Firmware = o.str("firmware", false)
	if conn, err := device.ParseConnection(orDefault(o.str("connection", false), "USB")); err != nil {
		p.failf(o.key("connection"), "%v", err)
	} else {
		d.Connection = conn
	}
	d.Parent = o.str("parent", false)
	if b, ok := o.object("battery"); ok {
		b.allow("", "level", "charging", "low")
		battery := parseBattery(b)
		d.Battery = &battery
	}
	if settings, ok := o.object("settings"); ok {
		d.Settings = make(map[string]string, len(settings.m))
		for name := range settings.m {
			d.Settings[name] = settings.str(name, false)
		}
	}
	if ro, ok := o.object("readOnlySettings"); ok {
		d.readOnly = make(map[string]string, len(ro.m))
		for name := range ro.m {
			d.readOnly[name] = ro.str(name, false)
		}
	}
	if fu, ok := o.object("firmwareUpdate"); ok {
		fu.allow("", "result", "seconds")
		result := fu.str("result", true)
		if _, failure := device.ParseFirmwareFailure(result); result != "Success" && !failure {
			p.failf(fu.key("result"), "%q is neither Success nor a failure description of docs/firmware.md", result)
		}
		d.firmwareUpdate = &FirmwareUpdate{Result: result}
		d.firmwareUpdate.Duration, _ = fu.duration("seconds", false)
	}
	return d
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (p *parser) step(o object, s *step) {
	*s = step{do: o.str("do", true), iface: -1}
	if !deviceless[s.do] {
		s.device = o.str("device", true)
	}
	s.at, _ = o.duration("at", true)
	a, ok := actions[s.do]
	if !ok && o.has("do") {
		names := make([]string, 0, len(actions))
		for name := range actions {
			names = append(names, name)
		}
		slices.Sort(names)
		p.failf(o.key("do"), "unknown action %q (want one of %s)", s.do, strings.Join(names, ", "))
	}
	var keys [8]string // on the stack: every action has fewer keys
	allowed := append(keys[:0], "at", "do")
	if !deviceless[s.do] {
		allowed = append(allowed, "device")
	}
	o.allow(s.do, append(allowed, a.keys...)...)
	if a.parse != nil {
		a.parse(o, s)
	}
}

func parsePress(o object, s *step) {
	s.button = device.Button(o.str("button", true))
	switch s.button {
	case device.ButtonMute, device.ButtonVolumeUp, device.ButtonVolumeDown:
	default:
		if o.has("button") {
			o.p.failf(o.key("button"), "unknown button %q (want mute, volumeUp or volumeDown)", s.button)
		}
	}
}

func parseTelemetry(o object, s *step) {
	if v, ok := o.number("audioExposureDb"); ok {
		s.telemetry.AudioExposureDb = &v
	}
	if v, ok := o.number("backgroundNoiseDb"); ok {
		s.telemetry.BackgroundNoiseDb = &v
	}
	if v, ok := o.boolean("boomArmBadlyPositioned"); ok {
		s.telemetry.BoomArmBadlyPositioned = &v
	}
	if v, ok := o.boolean("microphoneMalfunction"); ok {
		s.telemetry.MicrophoneMalfunction = &v
	}
	if s.telemetry == (device.Telemetry{}) {
		o.p.failf(o.path, "telemetry needs at least one of audioExposureDb, backgroundNoiseDb, "+
			"boomArmBadlyPositioned, microphoneMalfunction")
	}
}

func parseLinkQuality(o object, s *step) {
	switch level := o.str("level", true); {
	case strings.EqualFold(level, string(device.LinkHigh)):
		s.linkQuality = device.LinkHigh
	case strings.EqualFold(level, string(device.LinkLow)):
		s.linkQuality = device.LinkLow
	case o.has("level"):
		o.p.failf(o.key("level"), "unknown link quality %q (want high or low)", level)
	}
}

// parseBattery reads level, charging and low; low defaults to a level at or
// under device.LowBatteryLevel while not charging.
func parseBattery(o object) device.Battery {
	b := device.Battery{Level: o.integer("level", true, 0, 100)}
	b.Charging, _ = o.boolean("charging")
	var explicit bool
	if b.Low, explicit = o.boolean("low"); !explicit {
		b.Low = b.Level <= device.LowBatteryLevel && !b.Charging
	}
	return b
}

// object is a JSON object at a path of the scenario.
type object struct {
	p    *parser
	path string
	m    map[string]any
}

func (p *parser) object(path string, v any) object {
	m, ok := v.(map[string]any)
	switch {
	case ok:
	case path == "":
		p.err = errors.New("the top level must be an object")
	default:
		p.failf(path, "want an object")
	}
	return object{p: p, path: path, m: m}
}

// key is the path of the object's key k.
func (o object) key(k string) string {
	if o.path == "" {
		return k
	}
	return o.path + "." + k
}

func (o object) has(k string) bool {
	_, ok := o.m[k]
	return ok
}

// allow records an error for the first key (in sorted order) not in keys;
// action, when not empty, names the timeline action the keys belong to.
func (o object) allow(action string, keys ...string) {
	var unknown []string
	for k := range o.m {
		if !slices.Contains(keys, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 || o.p.err != nil {
		return
	}
	slices.Sort(unknown)
	if action != "" {
		o.p.err = fmt.Errorf("unknown key %q for action %q", o.key(unknown[0]), action)
		return
	}
	o.p.err = fmt.Errorf("unknown key %q", o.key(unknown[0]))
}

// get returns the value of key k as a T; absent (or of another type, which is
// recorded as an error) it returns false.
func get[T any](o object, k, want string, required bool) (T, bool) {
	var zero T
	v, ok := o.m[k]
	if !ok {
		if required {
			o.p.failf(o.key(k), "missing")
		}
		return zero, false
	}
	t, ok := v.(T)
	if !ok {
		o.p.failf(o.key(k), "want %s", want)
	}
	return t, ok
}

func (o object) str(k string, required bool) string {
	s, _ := get[string](o, k, "a string", required)
	if required && s == "" && o.has(k) {
		o.p.failf(o.key(k), "must not be empty")
	}
	return s
}

func (o object) boolean(k string) (bool, bool) {
	return get[bool](o, k, "true or false", false)
}

func (o object) number(k string) (float64, bool) {
	n, ok := get[json.Number](o, k, "a number", false)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	if err != nil {
		o.p.failf(o.key(k), "%s is out of range", n)
		return 0, false
	}
	return f, true
}

func (o object) integer(k string, required bool, lo, hi int) int {
	n, ok := get[json.Number](o, k, "a whole number", required)
	if !ok {
		return 0
	}
	i, err := strconv.Atoi(n.String())
	if err != nil || i < lo || i > hi {
		o.p.failf(o.key(k), "want a whole number from %d to %d, got %s", lo, hi, n)
		return 0
	}
	return i
}

func (o object) array(k string) []any {
	a, _ := get[[]any](o, k, "an array", false)
	return a
}

func (o object) object(k string) (object, bool) {
	v, ok := o.m[k]
	if !ok {
		return object{}, false
	}
	return o.p.object(o.key(k), v), true
}

// hex16 reads a USB vendor or product id: 1 to 4 hex digits.
func (o object) hex16(k string) uint16 {
	s := o.str(k, false)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseUint(s, 16, 16)
	if err != nil || len(s) > 4 {
		o.p.failf(o.key(k), "want 1 to 4 hex digits, got %q", s)
	}
	return uint16(n)
}

// maxSeconds (about 31 years) keeps a duration in seconds well inside
// time.Duration.
const maxSeconds = 1e9

// duration reads a non-negative Go duration string ("1m30s") or a number of
// seconds.
func (o object) duration(k string, required bool) (time.Duration, bool) {
	v, ok := o.m[k]
	if !ok {
		if required {
			o.p.failf(o.key(k), "missing")
		}
		return 0, false
	}
	var d time.Duration
	switch v := v.(type) {
	case string:
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			o.p.failf(o.key(k), "want a duration such as \"1m30s\" or a number of seconds, got %q", v)
			return 0, false
		}
	case json.Number:
		secs, ok := o.number(k)
		if !ok || secs >= maxSeconds {
			o.p.failf(o.key(k), "%s seconds is out of range", v)
			return 0, false
		}
		d = time.Duration(secs * float64(time.Second))
	default:
		o.p.failf(o.key(k), "want a duration such as \"1m30s\" or a number of seconds")
		return 0, false
	}
	if d < 0 {
		o.p.failf(o.key(k), "must not be negative")
		return 0, false
	}
	return d, true
}
