package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"
)

// Every value the store writes, in every bucket but meta, is sealed: the
// value's bytes, then a tag naming the bucket it belongs in, then the
// CRC-32C (Castagnoli) of both, 4 bytes big-endian. Every read opens the
// seal first, so a value damaged on disk is reported as damaged
// (ErrDamaged) instead of being decoded into garbage, posted, or shown; and
// a repair that finds a value on a page the file's tree no longer reaches
// knows from the tag alone where it belongs (salvage.go).
//
// The tag is one byte, the bucket's kind; a bucket of a family named per
// device or endpoint (outbox/parked/<endpoint id>, settingsHistory/<device
// key>, firmwareUpdates/<device key>) sets the byte's high bit and is
// preceded by the name and its length, 2 bytes big-endian:
//
//	value | kind | CRC-32C                      a fixed bucket
//	value | name | len(name) | kind|0x80 | CRC  a named bucket
//
// Schema version 6 introduced the seal (value | CRC, no tag; migrateSeal
// sealed older files); version 7 added the tag (migrateTag).
const sealSize = 4

// ErrDamaged is wrapped by every error that reports damage found in the
// database file: a value whose checksum does not match, a page bbolt cannot
// read, a file shorter than its own header says.
var ErrDamaged = errors.New("the database is damaged")

// castagnoli is built on first use, not at package initialisation: every
// command links the store, and most never read a sealed value.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// kind names a bucket (or a family of named buckets) in a seal's tag.
type kind byte

const (
	kindDevices kind = iota + 1
	kindEvents
	kindEndpoints
	kindParked // named: the endpoint id
	kindCounters
	kindRetired
	kindEventToggles
	kindSettingsHistory // named: the device key
	kindClientSettings
	kindCallRecords
	kindCallByStart
	kindCallByDevice
	kindCallOpen
	kindSessionRecords
	kindSessionByStart
	kindSessionByDevice
	kindSessionOpen
	kindAppliedConfigs
	kindFirmware
	kindFirmwareUpdates // named: the device key
	kindEnd             // one past the last
)

// namedKind is the tag byte's flag for a named bucket.
const namedKind = 0x80

// kindPaths is where each kind's values live; a named kind's bucket is
// the name inside this path.
var kindPaths = [kindEnd][]string{
	kindDevices:         {bucketDevices},
	kindEvents:          {bucketOutbox, bucketOutboxEvents},
	kindEndpoints:       {bucketOutbox, bucketOutboxEndpoints},
	kindParked:          {bucketOutbox, bucketOutboxParked},
	kindCounters:        {bucketOutbox, bucketOutboxCounters},
	kindRetired:         {bucketOutbox, bucketOutboxRetired},
	kindEventToggles:    {bucketEventToggles},
	kindSettingsHistory: {bucketSettingsHistory},
	kindClientSettings:  {bucketClientSettings},
	kindCallRecords:     {bucketCalls, subRecords},
	kindCallByStart:     {bucketCalls, subByStart},
	kindCallByDevice:    {bucketCalls, subByDevice},
	kindCallOpen:        {bucketCalls, subOpen},
	kindSessionRecords:  {bucketCameraSessions, subRecords},
	kindSessionByStart:  {bucketCameraSessions, subByStart},
	kindSessionByDevice: {bucketCameraSessions, subByDevice},
	kindSessionOpen:     {bucketCameraSessions, subOpen},
	kindAppliedConfigs:  {bucketAppliedConfigs},
	kindFirmware:        {bucketFirmware},
	kindFirmwareUpdates: {bucketFirmwareUpdates},
}

func (k kind) named() bool {
	return k == kindParked || k == kindSettingsHistory || k == kindFirmwareUpdates
}

// tag names the bucket a value is sealed for.
type tag struct {
	kind kind
	name string // the bucket's name within kindPaths[kind], for a named kind
}

// tagOf is the tag of the fixed bucket k.
func tagOf(k kind) tag { return tag{kind: k} }

// namedTag is the tag of the bucket name in the family k.
func namedTag(k kind, name string) tag { return tag{kind: k, name: name} }

// path is the bucket path the tag names.
func (t tag) path() []string {
	p := append([]string(nil), kindPaths[t.kind]...)
	if t.kind.named() {
		p = append(p, t.name)
	}
	return p
}

// tagFor is the tag of the bucket at path; ok is false for a path the
// store does not write sealed values in.
func tagFor(path []string) (t tag, ok bool) {
	for k := kind(1); k < kindEnd; k++ {
		want := kindPaths[k]
		n := len(want)
		if k.named() {
			n++
		}
		if len(path) != n {
			continue
		}
		match := true
		for i, p := range want {
			match = match && path[i] == p
		}
		if !match {
			continue
		}
		if k.named() {
			return namedTag(k, path[n-1]), true
		}
		return tagOf(k), true
	}
	return tag{}, false
}

// appendTag appends t to v.
func appendTag(v []byte, t tag) []byte {
	if !t.kind.named() {
		return append(v, byte(t.kind))
	}
	v = append(v, t.name...)
	v = binary.BigEndian.AppendUint16(v, uint16(len(t.name)))
	return append(v, byte(t.kind)|namedKind)
}

// seal returns v sealed for the bucket t, in a new slice.
func seal(t tag, v []byte) []byte {
	out := make([]byte, len(v), len(v)+len(t.name)+3+sealSize)
	copy(out, v)
	return sealInPlace(t, out)
}

// sealInPlace appends t and the checksum to v (which may grow).
func sealInPlace(t tag, v []byte) []byte {
	v = appendTag(v, t)
	return binary.BigEndian.AppendUint32(v, crc32.Checksum(v, castagnoli()))
}

// checksumOK tells whether v ends with the checksum of what precedes it:
// the check of every sealed value, tagged (schema 7) or not (schema 6).
func checksumOK(v []byte) bool {
	return len(v) >= sealSize && crc32.Checksum(v[:len(v)-sealSize], castagnoli()) == binary.BigEndian.Uint32(v[len(v)-sealSize:])
}

// openSeal checks v's checksum and tag and returns the value without them
// (aliasing v) and the tag.
func openSeal(v []byte) ([]byte, tag, error) {
	if len(v) < sealSize+1 {
		return nil, tag{}, fmt.Errorf("%w: a value of %d bytes is too short to hold its checksum", ErrDamaged, len(v))
	}
	if !checksumOK(v) {
		return nil, tag{}, fmt.Errorf("%w: a value's checksum does not match", ErrDamaged)
	}
	rest := v[:len(v)-sealSize]
	b := rest[len(rest)-1]
	k, rest := kind(b&^namedKind), rest[:len(rest)-1]
	if k == 0 || k >= kindEnd || k.named() != (b&namedKind != 0) {
		return nil, tag{}, fmt.Errorf("%w: a value's tag names no bucket (%#x)", ErrDamaged, b)
	}
	if !k.named() {
		return rest, tagOf(k), nil
	}
	if len(rest) < 2 {
		return nil, tag{}, fmt.Errorf("%w: a value's tag is cut short", ErrDamaged)
	}
	n := int(binary.BigEndian.Uint16(rest[len(rest)-2:]))
	rest = rest[:len(rest)-2]
	if n > len(rest) {
		return nil, tag{}, fmt.Errorf("%w: a value's tag is cut short", ErrDamaged)
	}
	return rest[:len(rest)-n], namedTag(k, string(rest[len(rest)-n:])), nil
}

// unseal checks v's checksum and returns the value without its seal; the
// result aliases v.
func unseal(v []byte) ([]byte, error) {
	body, _, err := openSeal(v)
	return body, err
}

// sealJSON encodes x as JSON and seals it for t.
func sealJSON(t tag, x any) ([]byte, error) {
	v, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	return sealInPlace(t, v), nil
}

// unsealJSON checks v's checksum and decodes its JSON into x.
func unsealJSON(v []byte, x any) error {
	body, err := unseal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, x)
}

// sealV6 is schema 6's seal, without a tag: migrateSeal (5 → 6) writes
// it, migrateTag (6 → 7) replaces it.
func sealV6(v []byte) []byte {
	out := make([]byte, len(v), len(v)+sealSize)
	copy(out, v)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(v, castagnoli()))
}

// retag returns the value sealed in v sealed for t instead, in a new slice.
func retag(v []byte, t tag) ([]byte, error) {
	body, _, err := openSeal(v)
	if err != nil {
		return nil, err
	}
	return seal(t, body), nil
}
