package device

import (
	"math"
	"strconv"
)

// The plausible range of a sound level in a telemetry sample, in dB. A
// value outside it, or one that is not a finite number, is a faulty
// reading, not a measurement: the Manager drops it before any subscriber
// sees it (two samples of 1.7e308 once made a call's mean +Inf, which no
// JSON can hold, and the call record went with it).
const (
	MinSoundDb = 0
	MaxSoundDb = 200
)

// saneTelemetry returns t without its implausible sound levels, and
// "Name=value" for each value it removed.
func saneTelemetry(t Telemetry) (Telemetry, []string) {
	var bad []string
	check := func(name string, p **float64) {
		if *p == nil {
			return
		}
		v := **p
		if math.IsNaN(v) || math.IsInf(v, 0) || v < MinSoundDb || v > MaxSoundDb {
			bad = append(bad, name+"="+strconv.FormatFloat(v, 'g', -1, 64))
			*p = nil
		}
	}
	check("AudioExposureDb", &t.AudioExposureDb)
	check("BackgroundNoiseDb", &t.BackgroundNoiseDb)
	return t, bad
}

// empty tells whether a sample holds nothing.
func (t Telemetry) empty() bool {
	return t.AudioExposureDb == nil && t.BackgroundNoiseDb == nil && t.BoomArmBadlyPositioned == nil && t.MicrophoneMalfunction == nil
}

// checkTelemetry cleans a telemetry sample of e as it enters from a
// driver, logging the first faulty one of a device per episode (an episode
// ends with a sample that is all sound, or with the device's removal). It
// reports whether anything of e is left to publish. m.mu is held.
func (m *Manager) checkTelemetry(d Driver, e *Event) bool {
	switch e.Type {
	case Removed:
		delete(m.faulty, e.Device.ID)
		return true
	case TelemetrySample:
	default:
		return true
	}
	clean, bad := saneTelemetry(e.Telemetry)
	if len(bad) == 0 {
		delete(m.faulty, e.Device.ID)
		return true
	}
	m.rejected += uint64(len(bad))
	if !m.faulty[e.Device.ID] {
		m.faulty[e.Device.ID] = true
		m.log.Warn("implausible telemetry ignored until the device reports sound values again",
			"driver", d.Name(), "device", e.Device.Name, "id", e.Device.ID, "values", bad,
			"range", strconv.Itoa(MinSoundDb)+"–"+strconv.Itoa(MaxSoundDb)+" dB")
	}
	e.Telemetry = clean
	return !clean.empty()
}

// RejectedTelemetry is how many telemetry values the Manager has dropped as
// implausible.
func (m *Manager) RejectedTelemetry() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rejected
}
