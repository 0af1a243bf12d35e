// Package store keeps Earshot's state in one bbolt file in the data folder.
// It imports nothing of the project and never Fyne.
//
// # Layout
//
// Schema version 7. Keys are UTF-8 strings unless noted; every value is JSON
// unless noted, and every value outside meta is sealed: followed by a tag
// naming its bucket and the CRC-32C of both, 4 bytes big-endian (seal.go),
// checked on every read. "<seq>" is an 8-byte big-endian uint64 from the bucket's
// NextSequence (see sequenceKey), so such keys sort in the order they were
// written.
//
//	meta
//	│  schemaVersion → 7                      JSON number, not sealed; migrations are keyed on it
//	│
//	devices                                   one record per device ever seen
//	│  <device key> → DeviceRecord            the key (an ESN, or vendor:product:id) is not repeated in the value
//	│     {"id":"hs1","kind":"headset","name":"Jabra Evolve2 85",
//	│      "vendorId":2830,"productId":12452,"variant":"01-96","esn":"501AA5D6337F",
//	│      "firmware":"1.2.0","connection":"Bluetooth","parentKey":"dg1","instanceId":"",
//	│      "batteryLevel":80,"batteryLow":false,"batteryCharging":false,
//	│      "inCall":false,"muted":false,"peopleCount":null,"streaming":false,
//	│      "settings":{"WIRELESS_RANGE":"1"},
//	│      "firstSeen":"2026-01-02T03:04:05Z","lastSeen":"2026-01-02T04:00:00Z",
//	│      "connected":true}
//	│
//	outbox                                    analytics (docs/analytics.md); written with Tx.Enqueue in the same
//	│  │                                      transaction as the domain record it reports (Store.Write)
//	│  events                                 one queue shared by every endpoint; always a contiguous
//	│  │  <seq> → packed event (binary)       range of <seq>: trimmed and dropped only from the front
//	│  │     01 | uvarint len, EventId | uvarint len, EventType | DEFLATE(JSON body, preset dictionary)
//	│  endpoints                              one record per configured endpoint
//	│  │  <endpoint id> → endpoint record     id = "sha256:" + hex of the URL, so no secret is stored
//	│  │     {"name":"https://a.example/ev?Token=xxxxx","order":0,"cursor":41,
//	│  │      "delivered":40,"parked":1,"dropped":0,
//	│  │      "lastError":"503 Service Unavailable","lastErrorAt":"…","nextRetry":"…"}
//	│  │     cursor: <seq> of the last event delivered, parked or dropped for that endpoint;
//	│  │     events ≤ every cursor (of retired endpoints too) are deleted
//	│  parked                                 events an endpoint refused with a 4xx
//	│  │  <endpoint id>                       one bucket per endpoint
//	│  │     <seq> → {"reason":"400 Bad Request: …","status":400,"at":"…","event":"<packed, base64>"}
//	│  retired                                endpoints no longer configured that still hold events:
//	│  │  <endpoint id> → endpoint record     as under endpoints, plus "retiredAt" and "until" (the last <seq>
//	│  │                                      queued when it left); kept until a person discards it, it is
//	│  │                                      configured again, or RetiredRetention (30 days) passes
//	│  counters
//	│     dropped → JSON number               events dropped past the bound (default 100 000), in all
//	│     unstored → JSON number              events a full disk refused (written with the next write that succeeds)
//	│     expired → JSON number               events given up with an endpoint retired past RetiredRetention
//	│
//	eventToggles                              the client-side EVENT_* settings of docs/device-management.md
//	│  <device key> → {"EVENT_CALL_STATUS":false,"EVENT_PEOPLE_COUNT":true}   absent = on
//	│
//	settingsHistory                           every change of a device's settings (store/settings.go)
//	│  <device key>                           one bucket per device; the newest MaxSettingChanges are kept
//	│     <seq> → {"name":"WIRELESS_RANGE","old":"1","new":"2","source":"user","at":"2026-01-02T03:04:05Z"}
//	│        source: "user", "management" or "import"; "" = not set
//	│
//	clientSettings                            client-side settings of docs/device-management.md other than EVENT_*
//	│  <device key> → {"ALLOW_DOWNGRADE":"1"} absent = the catalog's default
//	│
//	calls                                     call history (docs/calls-and-presence.md; store/calls.go, store/history.go)
//	│  records                                ended calls
//	│  │  <seq> → CallRecord (binary)         01 | callId | device (key, name, kind, vendorId, productId, variant,
//	│  │                                      esn, firmware, parentKey…) | start | end | endReason | mute, volume
//	│  │                                      up/down presses | audio exposure and background noise avg/max |
//	│  │                                      boom arm | microphone | link quality {level: %} | DECT handovers
//	│  │                                      (store/history_codec.go: varints, nullable fields flagged)
//	│  byStart                                index: every ended call by start time
//	│  │  <start><seq> → summary              <start>: 8 bytes, Unix ns with the sign bit flipped (sorts by time);
//	│  │                                      summary: duration in ms (8 bytes), mute presses (4 bytes), big-endian
//	│  byDevice                               index: one device's ended calls by start time
//	│  │  <device key> 0x00 <start><seq> → summary
//	│  open                                   calls in progress, checkpointed every minute; closed (Interrupted)
//	│     <CallId> → CallRecord (binary)      at the next start when a crash left them here
//	│
//	cameraSessions                            camera streaming sessions, laid out as calls
//	│  records, byStart, byDevice, open       SessionRecord: people count at start/end, min, max, average
//	│
//	appliedConfigs                            device management (docs/device-management.md; store/management.go)
//	│  <ESN> → what the endpoint last had applied, so an unchanged answer is not applied twice
//	│     {"settingsDigest":"9f…","applied":{"WIRELESS_RANGE":"2"},"rejected":{"X":"no setting of that name …"},
//	│      "appliedAt":"…","firmwareDigest":"3b…","firmwareVersion":"1.27.0",
//	│      "firmwareUrl":"Firmware/x.zip?Token=xxxxx","firmwareOutcome":"Success","firmwareAt":"…"}
//	│     firmwareDigest is empty until the firmware's handling ended (an outcome, or "current")
//	│
//	firmware                                  the archive staged per device (docs/firmware.md)
//	│  <device key> → {"path":"<data>/firmware/<key>/x.zip","version":"1.27.0","sha256":"…","size":262144,
//	│                  "source":"https://h/ep/Firmware/x.zip?Token=xxxxx","managed":true,"stagedAt":"…",
//	│                  "state":"staged|updating|failed|installed","failure":"…","language":"de-DE","region":""}
//	│
//	firmwareUpdates                           every firmware update, as it ended
//	│  <device key>                           one bucket per device; the newest MaxFirmwareUpdates are kept
//	│     <seq> → {"from":"1.25.0","to":"1.27.0","managed":true,"started":"…","ended":"…",
//	│              "status":"Success|Failure","failure":"Headset needs to be docked","detail":"…"}
package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// schemaVersion is the version this Earshot reads and writes.
const schemaVersion = 7

// Bucket and key names.
const (
	bucketMeta       = "meta"
	keySchemaVersion = "schemaVersion"
	bucketDevices    = "devices"

	bucketOutbox          = "outbox"
	bucketOutboxEvents    = "events"    // inside outbox
	bucketOutboxEndpoints = "endpoints" // inside outbox
	bucketOutboxParked    = "parked"    // inside outbox
	bucketOutboxCounters  = "counters"  // inside outbox
	bucketOutboxRetired   = "retired"   // inside outbox
	keyOutboxDropped      = "dropped"   // in outbox/counters
	keyOutboxUnstored     = "unstored"  // in outbox/counters
	keyOutboxExpired      = "expired"   // in outbox/counters
	bucketEventToggles    = "eventToggles"
)

// migrations[n] takes a file from schema version n to n+1, inside the
// transaction that opens it. Raise schemaVersion together with adding a step,
// and make createSchema build the new layout directly.
var migrations = map[int]func(tx *bolt.Tx) error{
	1: createOutbox,      // 1 → 2: the analytics outbox and the event toggles
	2: createSettings,    // 2 → 3: the settings history and the client-side settings
	3: createManagement,  // 3 → 4: device management and firmware (appliedConfigs, firmware, firmwareUpdates)
	4: createCallHistory, // 4 → 5: call history and camera sessions
	5: migrateSeal,       // 5 → 6: every value sealed with its CRC-32C (seal.go)
	6: migrateTag,        // 6 → 7: the seal names the value's bucket (seal.go)
}

// createSchema lays out an empty file at schemaVersion.
func createSchema(tx *bolt.Tx) error {
	for _, name := range []string{bucketMeta, bucketDevices} {
		if _, err := tx.CreateBucket([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if err := createOutbox(tx); err != nil {
		return err
	}
	if err := createSettings(tx); err != nil {
		return err
	}
	if err := createManagement(tx); err != nil {
		return err
	}
	if err := createCallHistory(tx); err != nil {
		return err
	}
	return putVersion(tx, schemaVersion)
}

// prepareSchema brings the file to version target: it lays out an empty file,
// runs steps from the stored version on, and refuses a file written by a newer
// Earshot or one that is not Earshot's.
func prepareSchema(tx *bolt.Tx, steps map[int]func(*bolt.Tx) error, target int) error {
	if tx.Bucket([]byte(bucketMeta)) == nil {
		if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			return fmt.Errorf("bucket %q but no schema version: not an Earshot store", name)
		}); err != nil {
			return err
		}
		return createSchema(tx)
	}
	v, err := readVersion(tx)
	if err != nil {
		return err
	}
	if v > target {
		return newerSchema(v, target)
	}
	if v == target {
		return nil
	}
	for ; v < target; v++ {
		step := steps[v]
		if step == nil {
			return fmt.Errorf("no migration from schema version %d", v)
		}
		if err := step(tx); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
		}
	}
	return putVersion(tx, target)
}

func newerSchema(v, known int) error {
	return fmt.Errorf("schema version %d was written by a newer Earshot (this one knows up to %d)", v, known)
}

// readVersion returns the stored schema version; 0 when there is none.
func readVersion(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket([]byte(bucketMeta))
	if meta == nil {
		return 0, nil
	}
	raw := meta.Get([]byte(keySchemaVersion))
	if raw == nil {
		return 0, nil
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, fmt.Errorf("bucket %s key %s: %w", bucketMeta, keySchemaVersion, err)
	}
	return v, nil
}

func putVersion(tx *bolt.Tx, v int) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := tx.Bucket([]byte(bucketMeta)).Put([]byte(keySchemaVersion), raw); err != nil {
		return fmt.Errorf("write schema version: %w", err)
	}
	return nil
}

// sequenceKey encodes a NextSequence value as an 8-byte big-endian key, so
// keys sort in numeric order.
func sequenceKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

// sealBatch is how many values rewriteBucket rewrites between two cursor
// walks (bbolt forbids Put while a cursor walks the same bucket).
const sealBatch = 4096

// migrateSeal seals every value outside meta (schema 5 → 6).
func migrateSeal(tx *bolt.Tx) error {
	return rewriteAll(tx, func(_ []string, v []byte) []byte { return sealV6(v) })
}

// migrateTag adds the tag to every sealed value outside meta (schema 6 →
// 7, seal.go). A value whose checksum does not match is left as it is,
// so it stays reported as damaged.
func migrateTag(tx *bolt.Tx) error {
	return rewriteAll(tx, func(path []string, v []byte) []byte {
		t, ok := tagFor(path)
		if !ok || !checksumOK(v) {
			return nil
		}
		return seal(t, v[:len(v)-sealSize])
	})
}

// rewriteAll replaces every value outside meta by fn(its bucket path,
// value); fn returns nil to leave a value as it is.
func rewriteAll(tx *bolt.Tx, fn func(path []string, v []byte) []byte) error {
	return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if string(name) == bucketMeta {
			return nil
		}
		if err := rewriteBucket(b, []string{string(name)}, fn); err != nil {
			return fmt.Errorf("bucket %s: %w", name, err)
		}
		return nil
	})
}

// rewriteBucket rewrites the values of b, at path, and of the buckets
// nested in it.
func rewriteBucket(b *bolt.Bucket, path []string, fn func(path []string, v []byte) []byte) error {
	var nested [][]byte
	var after []byte
	for {
		type kv struct{ k, v []byte }
		var batch []kv
		c := b.Cursor()
		k, v := c.First()
		if after != nil {
			if k, v = c.Seek(after); k != nil && string(k) == string(after) {
				k, v = c.Next()
			}
		}
		n := 0
		for ; k != nil && n < sealBatch; k, v = c.Next() {
			if v == nil {
				nested = append(nested, append([]byte(nil), k...))
				continue
			}
			n++
			after = append(after[:0], k...)
			if nv := fn(path, v); nv != nil {
				batch = append(batch, kv{append([]byte(nil), k...), nv})
			}
		}
		for _, e := range batch {
			if err := b.Put(e.k, e.v); err != nil {
				return err
			}
		}
		if k == nil {
			break
		}
	}
	for _, name := range nested {
		if err := rewriteBucket(b.Bucket(name), append(path[:len(path):len(path)], string(name)), fn); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}
