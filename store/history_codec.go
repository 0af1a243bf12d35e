package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// History records are stored in a compact binary form rather than JSON:
// listing a month of one device's calls decodes every one of them, and JSON
// costs about ten times as much per record (BenchmarkListCalls).
//
//	record  = version(1 byte, 0x01) fields… CRC-32C of what precedes (4 bytes; seal.go)
//	string  = uvarint length, bytes
//	int     = zigzag varint
//	time    = int (Unix seconds), int (nanoseconds 0–999 999 999); decoded in UTC
//	*int    = 0x00 (nil) | 0x01 int
//	*float  = 0x00 (nil) | 0x01 8 bytes IEEE 754 big-endian
//	*bool   = 0x00 (nil) | 0x01 (false) | 0x02 (true)
//	map     = uvarint (0 = nil, else 1 + entries) then entries of string, float (sorted by key)
//
// CallRecord fields in order: callId, device, start, end, endReason,
// mutePresses, volumeUpPresses, volumeDownPresses, audioExposureAvgDb,
// audioExposureMaxDb, backgroundNoiseAvgDb, backgroundNoiseMaxDb,
// boomArmBadlyPositioned, microphoneMalfunction, linkQuality, dectHandovers.
// SessionRecord: sessionId, device, start, end, endReason,
// peopleCountAtStart, peopleCountAtEnd, peopleCountMin, peopleCountMax,
// peopleCountAverage. device: key, name, kind, vendorId, productId, variant,
// esn, firmware, connection, parentKey.
const historyCodecV1 = 0x01

type encoder struct{ b []byte }

func (e *encoder) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) int(v int64) { e.b = binary.AppendVarint(e.b, v) }

func (e *encoder) time(t time.Time) {
	e.int(t.Unix())
	e.int(int64(t.Nanosecond()))
}

func (e *encoder) optInt(p *int) {
	if p == nil {
		e.b = append(e.b, 0)
		return
	}
	e.b = append(e.b, 1)
	e.int(int64(*p))
}

func (e *encoder) float(v float64) { e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(v)) }

func (e *encoder) optFloat(p *float64) {
	if p == nil {
		e.b = append(e.b, 0)
		return
	}
	e.b = append(e.b, 1)
	e.float(*p)
}

func (e *encoder) optBool(p *bool) {
	switch {
	case p == nil:
		e.b = append(e.b, 0)
	case *p:
		e.b = append(e.b, 2)
	default:
		e.b = append(e.b, 1)
	}
}

func (e *encoder) floatMap(m map[string]float64) {
	if m == nil {
		e.b = binary.AppendUvarint(e.b, 0)
		return
	}
	e.b = binary.AppendUvarint(e.b, uint64(len(m))+1)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e.str(k)
		e.float(m[k])
	}
}

func (e *encoder) device(d HistoryDevice) {
	e.str(d.Key)
	e.str(d.Name)
	e.str(d.Kind)
	e.int(int64(d.VendorID))
	e.int(int64(d.ProductID))
	e.str(d.Variant)
	e.str(d.ESN)
	e.str(d.Firmware)
	e.str(d.Connection)
	e.str(d.ParentKey)
}

var errTruncated = errors.New("truncated record")

// decoder reads what encoder wrote; the first error sticks and every later
// read returns a zero value.
type decoder struct {
	b   []byte
	err error
	// strs interns the strings that repeat from record to record (device
	// name, kind, firmware…) across the records of one query; nil = off.
	strs map[string]string
	// ints and floats back the nullable fields of one record, so a record
	// costs one allocation for them instead of one per field.
	ints   []int
	floats []float64
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail(errTruncated)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail(errTruncated)
		return ""
	}
	raw := d.b[:n]
	d.b = d.b[n:]
	if d.strs == nil {
		return string(raw) // a copy: nothing aliases bbolt's memory
	}
	if s, ok := d.strs[string(raw)]; ok { // the lookup does not allocate
		return s
	}
	s := string(raw)
	if len(d.strs) < 4096 {
		d.strs[s] = s
	}
	return s
}

// internedStr is str for the fields that repeat across records.
func (d *decoder) internedStr() string { return d.str() }

// uniqueStr is str for a field that is different in every record (ids):
// interning it would only fill the table.
func (d *decoder) uniqueStr() string {
	strs := d.strs
	d.strs = nil
	s := d.str()
	d.strs = strs
	return s
}

func (d *decoder) time() time.Time {
	sec, nsec := d.int(), d.int()
	if nsec < 0 || nsec >= 1e9 {
		d.fail(fmt.Errorf("nanoseconds %d out of range", nsec))
		return time.Time{}
	}
	return time.Unix(sec, nsec).UTC()
}

func (d *decoder) flag(max byte) byte {
	f := d.byte()
	if f > max {
		d.fail(fmt.Errorf("bad presence byte %#x", f))
		return 0
	}
	return f
}

func (d *decoder) optInt() *int {
	if d.flag(1) == 0 {
		return nil
	}
	v := d.int()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.fail(fmt.Errorf("count %d out of range", v))
		return nil
	}
	if len(d.ints) == cap(d.ints) {
		d.ints = make([]int, 0, 8)
	}
	d.ints = append(d.ints, int(v))
	return &d.ints[len(d.ints)-1]
}

func (d *decoder) float() float64 {
	if len(d.b) < 8 {
		d.fail(errTruncated)
		return 0
	}
	v := math.Float64frombits(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *decoder) optFloat() *float64 {
	if d.flag(1) == 0 {
		return nil
	}
	v := d.float()
	if len(d.floats) == cap(d.floats) {
		d.floats = make([]float64, 0, 6)
	}
	d.floats = append(d.floats, v)
	return &d.floats[len(d.floats)-1]
}

func (d *decoder) optBool() *bool {
	switch d.flag(2) {
	case 1:
		return new(bool)
	case 2:
		v := true
		return &v
	}
	return nil
}

func (d *decoder) floatMap() map[string]float64 {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	n--
	if n > uint64(len(d.b))/9 { // each entry takes at least 9 bytes
		d.fail(errTruncated)
		return nil
	}
	m := make(map[string]float64, n)
	for range n {
		k := d.internedStr()
		m[k] = d.float()
	}
	return m
}

func (d *decoder) device() HistoryDevice {
	var h HistoryDevice
	h.Key, h.Name, h.Kind = d.internedStr(), d.internedStr(), d.internedStr()
	h.VendorID, h.ProductID = d.uint16(), d.uint16()
	h.Variant, h.ESN, h.Firmware = d.internedStr(), d.internedStr(), d.internedStr()
	h.Connection, h.ParentKey = d.internedStr(), d.internedStr()
	return h
}

func (d *decoder) uint16() uint16 {
	v := d.int()
	if v < 0 || v > math.MaxUint16 {
		d.fail(fmt.Errorf("USB id %d out of range", v))
		return 0
	}
	return uint16(v)
}

// start checks the version byte.
func (d *decoder) start() {
	if v := d.byte(); d.err == nil && v != historyCodecV1 {
		d.fail(fmt.Errorf("unknown record format %#x", v))
	}
}

// finish reports the first error, or bytes left over.
func (d *decoder) finish() error {
	if d.err == nil && len(d.b) > 0 {
		return fmt.Errorf("%d bytes after the record", len(d.b))
	}
	return d.err
}

func encodeCall(c CallRecord) []byte {
	e := &encoder{b: make([]byte, 0, 160)}
	e.b = append(e.b, historyCodecV1)
	e.str(c.CallID)
	e.device(c.Device)
	e.time(c.Start)
	e.time(c.End)
	e.str(c.EndReason)
	e.optInt(c.MutePresses)
	e.optInt(c.VolumeUpPresses)
	e.optInt(c.VolumeDownPresses)
	e.optFloat(c.AudioExposureAvgDb)
	e.optFloat(c.AudioExposureMaxDb)
	e.optFloat(c.BackgroundNoiseAvgDb)
	e.optFloat(c.BackgroundNoiseMaxDb)
	e.optInt(c.BoomArmBadlyPositioned)
	e.optBool(c.MicrophoneMalfunction)
	e.floatMap(c.LinkQuality)
	e.optInt(c.DectHandovers)
	return sealInPlace(tagOf(kindCallRecords), e.b)
}

func decodeCall(b []byte) (CallRecord, error) {
	var c CallRecord
	err := decodeCallInto(&decoder{}, b, &c)
	return c, err
}

// decodeCallInto decodes b into c with d, whose string table it shares with
// the other records of a query.
func decodeCallInto(d *decoder, sealed []byte, c *CallRecord) error {
	b, err := unseal(sealed)
	if err != nil {
		*c = CallRecord{}
		return fmt.Errorf("decode call: %w", err)
	}
	d.b, d.err, d.ints, d.floats = b, nil, nil, nil
	d.start()
	c.CallID = d.uniqueStr()
	c.Device = d.device()
	c.Start, c.End = d.time(), d.time()
	c.EndReason = d.internedStr()
	c.MutePresses, c.VolumeUpPresses, c.VolumeDownPresses = d.optInt(), d.optInt(), d.optInt()
	c.AudioExposureAvgDb, c.AudioExposureMaxDb = d.optFloat(), d.optFloat()
	c.BackgroundNoiseAvgDb, c.BackgroundNoiseMaxDb = d.optFloat(), d.optFloat()
	c.BoomArmBadlyPositioned = d.optInt()
	c.MicrophoneMalfunction = d.optBool()
	c.LinkQuality = d.floatMap()
	c.DectHandovers = d.optInt()
	if err := d.finish(); err != nil {
		*c = CallRecord{}
		return fmt.Errorf("decode call: %w", err)
	}
	return nil
}

func encodeSession(s SessionRecord) []byte {
	e := &encoder{b: make([]byte, 0, 128)}
	e.b = append(e.b, historyCodecV1)
	e.str(s.SessionID)
	e.device(s.Device)
	e.time(s.Start)
	e.time(s.End)
	e.str(s.EndReason)
	e.optInt(s.PeopleCountAtStart)
	e.optInt(s.PeopleCountAtEnd)
	e.optInt(s.PeopleCountMin)
	e.optInt(s.PeopleCountMax)
	e.optFloat(s.PeopleCountAverage)
	return sealInPlace(tagOf(kindSessionRecords), e.b)
}

func decodeSession(b []byte) (SessionRecord, error) {
	var s SessionRecord
	err := decodeSessionInto(&decoder{}, b, &s)
	return s, err
}

// decodeSessionInto is decodeCallInto for a camera session.
func decodeSessionInto(d *decoder, sealed []byte, s *SessionRecord) error {
	b, err := unseal(sealed)
	if err != nil {
		*s = SessionRecord{}
		return fmt.Errorf("decode camera session: %w", err)
	}
	d.b, d.err, d.ints, d.floats = b, nil, nil, nil
	d.start()
	s.SessionID = d.uniqueStr()
	s.Device = d.device()
	s.Start, s.End = d.time(), d.time()
	s.EndReason = d.internedStr()
	s.PeopleCountAtStart, s.PeopleCountAtEnd = d.optInt(), d.optInt()
	s.PeopleCountMin, s.PeopleCountMax = d.optInt(), d.optInt()
	s.PeopleCountAverage = d.optFloat()
	if err := d.finish(); err != nil {
		*s = SessionRecord{}
		return fmt.Errorf("decode camera session: %w", err)
	}
	return nil
}
