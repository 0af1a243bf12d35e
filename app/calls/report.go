package calls

import (
	"github.com/earshot-app/earshot/app/analytics"
	"github.com/earshot-app/earshot/store"
)

// AnalyticsReport returns a Report that queues the analytics event of each
// transition (docs/analytics.md) through r: CallStatus CallStarted / CallEnded, with
// the call's aggregates and why it ended (CallEndReason), and
// CameraStreamingStarted / Ended with the people-count aggregates. A device
// whose EVENT_CALL_STATUS or EVENT_CAMERA_STREAMING_STATUS is "0" gets none
// of that family (analytics.Enqueue checks).
func AnalyticsReport(r *analytics.Reporter) Report {
	b := r.Builder()
	return func(tx *store.Tx, t Transition) error {
		var ev analytics.Event
		key := t.Call.Device.Key
		switch t.Kind {
		case CallStarted:
			ev = b.CallStarted(t.Device, t.Call.Start, t.Call.CallID)
		case CallEnded:
			ev = b.CallEnded(t.Device, t.Call.End, CallSummary(t.Call))
			reason := t.Call.EndReason
			ev.CallEndReason = &reason
		case StreamingStarted:
			key = t.Session.Device.Key
			ev = b.CameraStreamingStarted(t.Device, t.Session.Start)
		case StreamingEnded:
			key = t.Session.Device.Key
			ev = b.CameraStreamingEnded(t.Device, t.Session.End, StreamingSummary(t.Session))
		default:
			return nil
		}
		ob, err := ev.Outbox()
		if err != nil {
			return err
		}
		// The key the record carries, not t.Device.Key(): a device rebuilt
		// from history after a crash has no ID.
		return analytics.Enqueue(tx, key, ob)
	}
}

// CallSummary is what the CallEnded event of c reports.
func CallSummary(c store.CallRecord) analytics.CallSummary {
	return analytics.CallSummary{
		CallID:                        c.CallID,
		Duration:                      c.End.Sub(c.Start),
		MutePresses:                   c.MutePresses,
		VolumeUpPresses:               c.VolumeUpPresses,
		VolumeDownPresses:             c.VolumeDownPresses,
		AverageAudioExposureDb:        c.AudioExposureAvgDb,
		MaximumAudioExposureDb:        c.AudioExposureMaxDb,
		AverageBackgroundNoiseDb:      c.BackgroundNoiseAvgDb,
		MaximumBackgroundNoiseDb:      c.BackgroundNoiseMaxDb,
		TimesBoomArmBadlyPositioned:   c.BoomArmBadlyPositioned,
		MicrophoneMalfunctionDetected: c.MicrophoneMalfunction,
		LinkQualityDistribution:       c.LinkQuality,
		DectHandovers:                 c.DectHandovers,
	}
}

// StreamingSummary is what the CameraStreamingEnded event of s reports.
func StreamingSummary(s store.SessionRecord) analytics.StreamingSummary {
	return analytics.StreamingSummary{
		Duration: s.End.Sub(s.Start),
		AtStart:  s.PeopleCountAtStart,
		AtEnd:    s.PeopleCountAtEnd,
		Min:      s.PeopleCountMin,
		Max:      s.PeopleCountMax,
		Average:  s.PeopleCountAverage,
	}
}
