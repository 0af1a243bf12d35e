package analytics

import (
	"crypto/rand"
	"fmt"
	"maps"
	"math"
	"time"

	"github.com/earshot-app/earshot/device"
)

// SystemInfo describes the computer; every event carries it.
type SystemInfo struct {
	MachineName string
	UserName    string
	OsName      string
	OsVersion   string
	IPAddresses []string
}

// BuilderParams are a Builder's dependencies.
type BuilderParams struct {
	// ClientVersion is Earshot's version, in every event.
	ClientVersion string
	// System returns the computer's description; it is called for every
	// event, so it should cache (see CachedSystem). nil means empty.
	System func() SystemInfo
	// NewID returns a unique EventId; nil means a random UUID (version 4).
	NewID func() string
}

// Builder fills events of every type from device snapshots and system
// information. Its methods are safe for concurrent use when System and NewID
// are.
type Builder struct {
	p BuilderParams
}

// NewBuilder returns a Builder.
func NewBuilder(p BuilderParams) *Builder {
	if p.System == nil {
		p.System = func() SystemInfo { return SystemInfo{} }
	}
	if p.NewID == nil {
		p.NewID = NewUUID
	}
	return &Builder{p: p}
}

// NewUUID returns a random UUID (version 4) in its canonical text form.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// base returns an event of type typ at at, with the system fields set and
// every other field null.
func (b *Builder) base(typ string, at time.Time) Event {
	sys := b.p.System()
	ips := make([]string, len(sys.IPAddresses)) // [] rather than null when there are none
	copy(ips, sys.IPAddresses)
	return Event{
		EventID:       b.p.NewID(),
		EventType:     typ,
		Timestamp:     formatTimestamp(at),
		ClientVersion: b.p.ClientVersion,
		MachineName:   str(sys.MachineName),
		UserName:      str(sys.UserName),
		OsName:        str(sys.OsName),
		OsVersion:     str(sys.OsVersion),
		IPAddresses:   ips,
	}
}

// forDevice returns an event of type typ about d at at.
func (b *Builder) forDevice(typ string, d device.Device, at time.Time) Event {
	e := b.base(typ, at)
	e.DeviceName = str(d.Name)
	e.VendorID = str(fmt.Sprintf("%04X", d.VendorID))
	e.ProductID = str(fmt.Sprintf("%04X", d.ProductID))
	e.VariantType = str(d.Variant)
	e.ESN = str(d.ESN)
	e.FirmwareVersion = str(d.Firmware)
	e.ConnectionType = str(string(d.Connection))
	e.InstanceID = str(d.InstanceID)
	if d.Battery != nil {
		level, low, charging := d.Battery.Level, d.Battery.Low, d.Battery.Charging
		e.BatteryLevel, e.BatteryLow, e.BatteryCharging = &level, &low, &charging
	}
	return e
}

// AddedType returns the event type reporting that a device of kind k was
// attached: the family follows the kind (docs/analytics.md).
func AddedType(k device.Kind) string { return k.EventFamily() + TypeDeviceAdded }

// RemovedType is AddedType for removals.
func RemovedType(k device.Kind) string { return k.EventFamily() + TypeDeviceRemoved }

// DeviceAdded reports that d was attached, or was present at start.
func (b *Builder) DeviceAdded(d device.Device, at time.Time) Event {
	return b.forDevice(AddedType(d.Kind), d, at)
}

// DeviceRemoved reports that d was removed; d is its last snapshot.
func (b *Builder) DeviceRemoved(d device.Device, at time.Time) Event {
	return b.forDevice(RemovedType(d.Kind), d, at)
}

// PeopleCount reports the camera's current people count (null when the
// camera has none).
func (b *Builder) PeopleCount(d device.Device, at time.Time) Event {
	e := b.forDevice(TypePeopleCount, d, at)
	e.PeopleCount = clone(d.PeopleCount)
	return e
}

// CallStarted reports that d went from idle to in-call; callID links it to
// the CallEnded event.
func (b *Builder) CallStarted(d device.Device, at time.Time, callID string) Event {
	e := b.forDevice(TypeCallStatus, d, at)
	e.CallStatus = str(CallStarted)
	e.CallID = str(callID)
	return e
}

// CallSummary is what a call aggregated, for its CallEnded event. A nil
// field was not seen during the call and is reported as null (docs/analytics.md: a
// counter is null when no such press was seen).
type CallSummary struct {
	CallID                        string
	Duration                      time.Duration
	MutePresses                   *int
	VolumeUpPresses               *int
	VolumeDownPresses             *int
	AverageAudioExposureDb        *float64
	MaximumAudioExposureDb        *float64
	AverageBackgroundNoiseDb      *float64
	MaximumBackgroundNoiseDb      *float64
	TimesBoomArmBadlyPositioned   *int
	MicrophoneMalfunctionDetected *bool
	LinkQualityDistribution       map[string]float64 // percent of call time per level
	DectHandovers                 *int
}

// CallEnded reports that d went back to idle, with the call's aggregates.
func (b *Builder) CallEnded(d device.Device, at time.Time, s CallSummary) Event {
	e := b.forDevice(TypeCallStatus, d, at)
	e.CallStatus = str(CallEnded)
	e.CallID = str(s.CallID)
	e.CallDurationMinutes = minutes(s.Duration)
	e.TimesMuteButtonPressedDuringCall = clone(s.MutePresses)
	e.TimesVolumeUpButtonPressedDuringCall = clone(s.VolumeUpPresses)
	e.TimesVolumeDownButtonPressedDuringCall = clone(s.VolumeDownPresses)
	e.AverageAudioExposureDb = clone(s.AverageAudioExposureDb)
	e.MaximumAudioExposureDb = clone(s.MaximumAudioExposureDb)
	e.AverageBackgroundNoiseDb = clone(s.AverageBackgroundNoiseDb)
	e.MaximumBackgroundNoiseDb = clone(s.MaximumBackgroundNoiseDb)
	e.TimesBoomArmBadlyPositioned = clone(s.TimesBoomArmBadlyPositioned)
	e.MicrophoneMalfunctionDetected = clone(s.MicrophoneMalfunctionDetected)
	e.LinkQualityDistribution = maps.Clone(s.LinkQualityDistribution)
	if s.DectHandovers != nil {
		e.LinkQualityIndicators = &LinkQualityIndicators{Dect: &DectIndicators{Handovers: *s.DectHandovers}}
	}
	return e
}

// CameraStreamingStarted reports that camera d started streaming.
func (b *Builder) CameraStreamingStarted(d device.Device, at time.Time) Event {
	return b.forDevice(TypeCameraStreamingStarted, d, at)
}

// StreamingSummary is what a camera's streaming session aggregated, for its
// CameraStreamingEnded event. A nil count means the camera counted nobody.
type StreamingSummary struct {
	Duration time.Duration
	AtStart  *int
	AtEnd    *int
	Min      *int
	Max      *int
	Average  *float64 // time-weighted
}

// CameraStreamingEnded reports that camera d stopped streaming.
func (b *Builder) CameraStreamingEnded(d device.Device, at time.Time, s StreamingSummary) Event {
	e := b.forDevice(TypeCameraStreamingEnded, d, at)
	e.StreamingDurationMinutes = minutes(s.Duration)
	e.PeopleCountAtStart = clone(s.AtStart)
	e.PeopleCountAtEnd = clone(s.AtEnd)
	e.PeopleCountMin = clone(s.Min)
	e.PeopleCountMax = clone(s.Max)
	e.PeopleCountAverage = clone(s.Average)
	return e
}

// FirmwareUpdateCompleted reports the end of a firmware update of d: Success
// when failure is "", else Failure with failure as the description (one of
// the exact descriptions of docs/firmware.md).
func (b *Builder) FirmwareUpdateCompleted(d device.Device, at time.Time, failure device.FirmwareFailure) Event {
	e := b.forDevice(TypeFirmwareUpdateCompleted, d, at)
	if failure == "" {
		e.FirmwareUpdateCompletedStatus = str(FirmwareSuccess)
	} else {
		e.FirmwareUpdateCompletedStatus = str(FirmwareFailure)
		e.FirmwareUpdateFailureDescription = str(string(failure))
	}
	return e
}

// DeviceConfigurationApplied reports a configuration from the
// device-management endpoint applied to d: the settings written (name →
// value) and those refused (name → reason). Both are objects, empty when
// nothing was.
func (b *Builder) DeviceConfigurationApplied(d device.Device, at time.Time, applied, rejected map[string]string) Event {
	e := b.forDevice(TypeDeviceConfigurationApplied, d, at)
	e.AppliedSettings = copyMap(applied)
	e.RejectedSettings = copyMap(rejected)
	return e
}

// minutes rounds d to hundredths of a minute.
func minutes(d time.Duration) *float64 {
	m := math.Round(d.Minutes()*100) / 100
	return &m
}

// str returns nil for "" (a field that does not apply), else &s.
func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// clone copies the value p points to, so an event shares nothing with the
// summary it was built from; nil stays nil.
func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
