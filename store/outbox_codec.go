package store

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// An outbox value packs an event in a few hundred bytes instead of the
// 1.2 KB of its JSON (docs/analytics.md events are flat, so most of a body is field
// names and nulls), which keeps 100 000 queued events well under 60 MB:
//
//	byte 0        format: 1
//	uvarint n, n bytes   EventId
//	uvarint n, n bytes   EventType
//	rest          the JSON body, DEFLATE-compressed with eventDictV1 as the
//	              preset dictionary
//
// and, like every stored value, sealed with its CRC-32C (seal.go).
//
// The dictionary is part of format 1: changing it needs a new format byte,
// with format 1 still decoded.
const packFormatV1 = 1

// maxBodySize caps an event body, packed or unpacked.
const maxBodySize = 256 << 10

// eventDictV1 is a typical docs/analytics.md event: the field names in their order,
// nulls and common values. Frozen with format 1.
var eventDictV1 = []byte(`{"EventId":"","EventType":"CallStatus","Timestamp":"2026-01-01T00:00:00.000Z","ClientVersion":"","MachineName":"","UserName":"","OsName":"Windows","OsVersion":"10.0","IpAddresses":["192.168.1.1"],"DeviceName":"Jabra ","VendorId":"0B0E","ProductId":"","VariantType":"01-","ESN":"","FirmwareVersion":"1.0.0","ConnectionType":"USB","InstanceId":null,"BatteryLevel":100,"BatteryLow":false,"BatteryCharging":true,"CallStatus":"CallStarted","CallId":null,"CallDurationMinutes":null,"TimesMuteButtonPressedDuringCall":null,"TimesVolumeUpButtonPressedDuringCall":null,"TimesVolumeDownButtonPressedDuringCall":null,"AverageAudioExposureDb":null,"MaximumAudioExposureDb":null,"AverageBackgroundNoiseDb":null,"MaximumBackgroundNoiseDb":null,"TimesBoomArmBadlyPositioned":null,"MicrophoneMalfunctionDetected":null,"LinkQualityDistribution":null,"LinkQualityIndicators":null,"PeopleCount":null,"PeopleCountAtStart":null,"PeopleCountAtEnd":null,"PeopleCountMin":null,"PeopleCountMax":null,"PeopleCountAverage":null,"StreamingDurationMinutes":null,"FirmwareUpdateCompletedStatus":null,"FirmwareUpdateFailureDescription":null,"AppliedSettings":null,"RejectedSettings":null}`)

// inflaters are compress/flate's readers with eventDictV1; deflaters
// (outbox_deflate.go) are the encoder's.
var inflaters = sync.Pool{New: func() any {
	return flate.NewReaderDict(bytes.NewReader(nil), eventDictV1)
}}

// packEvent encodes e as an outbox value.
func packEvent(e OutboxEvent) ([]byte, error) {
	if len(e.Body) > maxBodySize {
		return nil, fmt.Errorf("event %s: body of %d bytes exceeds %d", e.ID, len(e.Body), maxBodySize)
	}
	out := make([]byte, 0, 2*binary.MaxVarintLen64+len(e.ID)+len(e.Type)+64+len(e.Body)/4+sealSize)
	out = append(out, packFormatV1)
	out = binary.AppendUvarint(out, uint64(len(e.ID)))
	out = append(out, e.ID...)
	out = binary.AppendUvarint(out, uint64(len(e.Type)))
	out = append(out, e.Type...)
	d := deflaters.Get().(*dictDeflater)
	out = d.deflate(out, e.Body)
	deflaters.Put(d)
	return sealInPlace(tagOf(kindEvents), out), nil
}

// unpackEvent decodes an outbox value. It copies everything out of v, so v
// may be bbolt's memory.
func unpackEvent(sealed []byte) (OutboxEvent, error) {
	v, err := unseal(sealed)
	if err != nil {
		return OutboxEvent{}, err
	}
	if len(v) == 0 {
		return OutboxEvent{}, errors.New("empty outbox value")
	}
	if v[0] != packFormatV1 {
		return OutboxEvent{}, fmt.Errorf("unknown outbox value format %d", v[0])
	}
	rest := v[1:]
	id, rest, err := cutString(rest, "EventId")
	if err != nil {
		return OutboxEvent{}, err
	}
	typ, rest, err := cutString(rest, "EventType")
	if err != nil {
		return OutboxEvent{}, err
	}
	r := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(rest), eventDictV1); err != nil {
		return OutboxEvent{}, fmt.Errorf("event %s: %w", id, err)
	}
	body, err := io.ReadAll(io.LimitReader(r, maxBodySize+1))
	if err != nil {
		return OutboxEvent{}, fmt.Errorf("event %s: decompress: %w", id, err)
	}
	if len(body) > maxBodySize {
		return OutboxEvent{}, fmt.Errorf("event %s: body exceeds %d bytes", id, maxBodySize)
	}
	return OutboxEvent{ID: id, Type: typ, Body: body}, nil
}

// cutString reads a uvarint length and that many bytes.
func cutString(b []byte, what string) (string, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, fmt.Errorf("outbox value: bad %s length", what)
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}
