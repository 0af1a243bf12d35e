package analytics

import (
	"time"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/store"
)

// Reporter builds events and queues them inside the caller's transaction,
// honouring the device's EVENT_* toggles: the way other services (calls,
// device management, firmware) report what they record, in the same
// transaction as their own record (house habit 9 in docs/ARCHITECTURE.md).
//
//	err := st.Write(ctx, func(tx *store.Tx) error {
//		if err := tx.PutCall(rec); err != nil {
//			return err
//		}
//		return reporter.CallEnded(tx, d, at, summary)
//	})
type Reporter struct {
	b *Builder
}

// NewReporter returns a Reporter that builds with b.
func NewReporter(b *Builder) *Reporter { return &Reporter{b: b} }

// Builder returns the Reporter's builder.
func (r *Reporter) Builder() *Builder { return r.b }

// Report queues e, about device d, inside tx.
func (r *Reporter) Report(tx *store.Tx, d device.Device, e Event) error {
	ob, err := e.Outbox()
	if err != nil {
		return err
	}
	return Enqueue(tx, d.Key(), ob)
}

// CallStarted queues a CallStatus CallStarted event.
func (r *Reporter) CallStarted(tx *store.Tx, d device.Device, at time.Time, callID string) error {
	return r.Report(tx, d, r.b.CallStarted(d, at, callID))
}

// CallEnded queues a CallStatus CallEnded event.
func (r *Reporter) CallEnded(tx *store.Tx, d device.Device, at time.Time, s CallSummary) error {
	return r.Report(tx, d, r.b.CallEnded(d, at, s))
}

// CameraStreamingStarted queues a CameraStreamingStarted event.
func (r *Reporter) CameraStreamingStarted(tx *store.Tx, d device.Device, at time.Time) error {
	return r.Report(tx, d, r.b.CameraStreamingStarted(d, at))
}

// CameraStreamingEnded queues a CameraStreamingEnded event.
func (r *Reporter) CameraStreamingEnded(tx *store.Tx, d device.Device, at time.Time, s StreamingSummary) error {
	return r.Report(tx, d, r.b.CameraStreamingEnded(d, at, s))
}

// FirmwareUpdateCompleted queues a FirmwareUpdateCompleted event: Success
// when failure is "", else Failure with that description.
func (r *Reporter) FirmwareUpdateCompleted(tx *store.Tx, d device.Device, at time.Time, failure device.FirmwareFailure) error {
	return r.Report(tx, d, r.b.FirmwareUpdateCompleted(d, at, failure))
}

// DeviceConfigurationApplied queues a DeviceConfigurationApplied event.
func (r *Reporter) DeviceConfigurationApplied(tx *store.Tx, d device.Device, at time.Time, applied, rejected map[string]string) error {
	return r.Report(tx, d, r.b.DeviceConfigurationApplied(d, at, applied, rejected))
}
