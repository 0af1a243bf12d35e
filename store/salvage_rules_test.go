package store

import (
	"testing"
)

// TestTreeWalkOpen: the salvage adds a key only where the tree walk could
// not read.
func TestTreeWalkOpen(t *testing.T) {
	events := []string{bucketOutbox, bucketOutboxEvents}
	parkedA := []string{bucketOutbox, bucketOutboxParked, "a"}
	walk := newTreeWalk()
	walk.hole(events, keyRange{after: sequenceKey(10), before: sequenceKey(20)})
	walk.hole(events, keyRange{at: sequenceKey(30)})
	walk.hole([]string{bucketOutbox, bucketOutboxParked}, keyRange{after: []byte("a"), before: []byte("c")})
	walk.gone[pathKey([]string{bucketDevices})] = true
	for _, tt := range []struct {
		name string
		path []string
		key  []byte
		want bool
	}{
		{"in a hole", events, sequenceKey(15), true},
		{"at the hole's lower bound (read by the walk)", events, sequenceKey(10), false},
		{"at the hole's upper bound (read by the walk)", events, sequenceKey(20), false},
		{"a value whose checksum failed", events, sequenceKey(30), true},
		{"before the hole: copied, or deleted since", events, sequenceKey(5), false},
		{"a bucket that could not be opened", []string{bucketDevices}, []byte("HS1"), true},
		{"a bucket read whole", []string{bucketEventToggles}, []byte("HS1"), false},
		{"a nested bucket whose name lies in its parent's hole", []string{bucketOutbox, bucketOutboxParked, "b"}, sequenceKey(1), true},
		{"a nested bucket read whole", parkedA, sequenceKey(1), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := walk.open(tt.path, tt.key); got != tt.want {
				t.Errorf("open(%q, %x) = %v, want %v", tt.path, tt.key, got, tt.want)
			}
		})
	}
	whole := newTreeWalk()
	whole.whole = true
	if !whole.open([]string{bucketEventToggles}, []byte("x")) {
		t.Error("a walk that read nothing leaves nothing open")
	}
}

// TestNewerCopy: between two copies of one key, the newer by the value's
// own order.
func TestNewerCopy(t *testing.T) {
	for _, tt := range []struct {
		name       string
		k          kind
		a, b       string
		newer, hit bool
	}{
		{"a cursor further on", kindEndpoints, `{"cursor":41,"delivered":40}`, `{"cursor":30,"delivered":29}`, true, true},
		{"a cursor behind", kindEndpoints, `{"cursor":30}`, `{"cursor":41}`, false, true},
		{"same cursor, more counted", kindRetired, `{"cursor":41,"parked":2}`, `{"cursor":41,"parked":1}`, true, true},
		{"a counter that grew", kindCounters, `12`, `7`, true, true},
		{"a device seen later", kindDevices, `{"lastSeen":"2026-12-01T10:00:00Z"}`, `{"lastSeen":"2026-11-01T10:00:00Z"}`, true, true},
		{"a configuration applied earlier", kindAppliedConfigs, `{"appliedAt":"2026-10-01T10:00:00Z"}`, `{"appliedAt":"2026-11-01T10:00:00Z"}`, false, true},
		{"firmware staged later", kindFirmware, `{"stagedAt":"2026-12-01T10:00:00Z"}`, `{}`, true, true},
		{"an event: every copy the same", kindEvents, `x`, `y`, false, true},
		{"toggles: no order", kindEventToggles, `{"EVENT_CALL_STATUS":false}`, `{}`, false, false},
		{"garbage", kindEndpoints, `{`, `{}`, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			newer, known := newer(tt.k, []byte(tt.a), []byte(tt.b))
			if newer != tt.newer || known != tt.hit {
				t.Errorf("newer = %v, %v; want %v, %v", newer, known, tt.newer, tt.hit)
			}
		})
	}
}
