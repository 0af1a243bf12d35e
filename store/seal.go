package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Every value the store writes, in every bucket but meta, is sealed: the
// value's bytes followed by their CRC-32C (Castagnoli), 4 bytes big-endian.
// Every read opens the seal first, so a value damaged on disk is reported
// as damaged (ErrDamaged) instead of being decoded into garbage, posted, or
// shown. Schema version 6 introduced the seal; migrateSeal seals the values
// of older files.
const sealSize = 4

// ErrDamaged is wrapped by every error that reports damage found in the
// database file: a value whose checksum does not match, a page bbolt cannot
// read, a file shorter than its own header says.
var ErrDamaged = errors.New("the database is damaged")

// castagnoli is built on first use, not at package initialisation: every
// command links the store, and most never read a sealed value.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// seal returns v followed by its checksum, in a new slice.
func seal(v []byte) []byte {
	out := make([]byte, len(v), len(v)+sealSize)
	copy(out, v)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(v, castagnoli()))
}

// sealInPlace appends the checksum of v to v (which may grow).
func sealInPlace(v []byte) []byte {
	return binary.BigEndian.AppendUint32(v, crc32.Checksum(v, castagnoli()))
}

// unseal checks v's checksum and returns the value without it; the result
// aliases v.
func unseal(v []byte) ([]byte, error) {
	if len(v) < sealSize {
		return nil, fmt.Errorf("%w: a value of %d bytes is too short to hold its checksum", ErrDamaged, len(v))
	}
	body, sum := v[:len(v)-sealSize], binary.BigEndian.Uint32(v[len(v)-sealSize:])
	if crc32.Checksum(body, castagnoli()) != sum {
		return nil, fmt.Errorf("%w: a value's checksum does not match", ErrDamaged)
	}
	return body, nil
}

// sealJSON encodes x as JSON and seals it.
func sealJSON(x any) ([]byte, error) {
	v, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	return sealInPlace(v), nil
}

// unsealJSON checks v's checksum and decodes its JSON into x.
func unsealJSON(v []byte, x any) error {
	body, err := unseal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, x)
}

// putJSON stores x as sealed JSON under k.
func putJSON(b *bolt.Bucket, k []byte, x any) error {
	v, err := sealJSON(x)
	if err != nil {
		return fmt.Errorf("encode %q: %w", k, err)
	}
	return b.Put(k, v)
}
