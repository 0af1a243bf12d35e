package store

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

func codecCalls() []CallRecord {
	full := CallRecord{
		CallID: "0f8fad5b-d9cb-469f-a165-70867728950e",
		Device: HistoryDevice{Key: "501AA5D6337F", Name: "Jabra Evolve2 85 — ünïcode", Kind: "headset", VendorID: 0x0B0E,
			ProductID: 0xFFFF, Variant: "01-96", ESN: "501AA5D6337F", Firmware: "1.25.0", Connection: "Bluetooth", ParentKey: "70BF92D1C4A2"},
		Start: day0, End: day0.Add(7*time.Minute + 3*time.Millisecond), EndReason: EndDeviceRemoved,
		MutePresses: ptr(2), VolumeUpPresses: ptr(0), VolumeDownPresses: ptr(-1),
		AudioExposureAvgDb: ptr(69.35), AudioExposureMaxDb: ptr(72.5), BackgroundNoiseAvgDb: ptr(-0.0), BackgroundNoiseMaxDb: ptr(1e300),
		BoomArmBadlyPositioned: ptr(1), MicrophoneMalfunction: ptr(false),
		LinkQuality: map[string]float64{"High": 88, "Low": 12}, DectHandovers: ptr(119),
	}
	withTrue := full
	withTrue.MicrophoneMalfunction = ptr(true)
	withTrue.LinkQuality = map[string]float64{}
	return []CallRecord{
		{},
		{CallID: "open", Start: day0, End: day0},
		full,
		withTrue,
		{CallID: "before 1970", Start: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(1960, 1, 1, 0, 1, 0, 0, time.UTC)},
	}
}

func codecSessions() []SessionRecord {
	return []SessionRecord{
		{},
		{SessionID: "s1", Device: HistoryDevice{Key: "CAM", Name: "PanaCast 50", Kind: "camera"}, Start: day0, End: day0.Add(time.Hour),
			EndReason: EndNormal, PeopleCountAtStart: ptr(2), PeopleCountAtEnd: ptr(0), PeopleCountMin: ptr(0), PeopleCountMax: ptr(19),
			PeopleCountAverage: ptr(3.75)},
	}
}

func TestHistoryCodecRoundTrip(t *testing.T) {
	for _, c := range codecCalls() {
		t.Run("call "+c.CallID, func(t *testing.T) {
			got, err := decodeCall(encodeCall(c))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, c)
			}
		})
	}
	for _, s := range codecSessions() {
		t.Run("session "+s.SessionID, func(t *testing.T) {
			got, err := decodeSession(encodeSession(s))
			if err != nil || !reflect.DeepEqual(got, s) {
				t.Errorf("round trip: %+v, %v; want %+v", got, err, s)
			}
		})
	}
}

func TestHistoryCodecRejects(t *testing.T) {
	good := encodeCall(codecCalls()[2])
	good = sealedBody(good) // the record without its seal
	flipped := encodeCall(codecCalls()[2])
	flipped[3] ^= 0x10
	tests := []struct {
		name   string
		b      []byte
		want   string
		sealed bool // b is given with its seal
	}{
		{"empty", nil, "truncated", false},
		{"JSON of an older format", []byte(`{"callId":"x"}`), "unknown record format 0x7b", false},
		{"truncated", good[:len(good)-3], "truncated", false},
		{"trailing bytes", append(bytes.Clone(good), 0), "1 bytes after the record", false},
		{"bad presence byte", func() []byte {
			b := sealedBody(encodeCall(CallRecord{}))
			b[len(b)-1] = 7
			return b
		}(), "bad presence byte", false},
		{"string longer than the record", []byte{historyCodecV1, 0x7f, 'a'}, "truncated", false},
		{"a flipped bit", flipped, "checksum does not match", true},
		{"shorter than a checksum", []byte{1, 2}, "too short", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b
			if !tt.sealed {
				b = seal(tagOf(kindCallRecords), b)
			}
			_, err := decodeCall(b)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Errorf("decodeCall error %v, want %q", err, tt.want)
			}
		})
	}
}

// FuzzDecodeCall feeds stored-record bytes (a damaged file is outside input)
// to the decoder: it must never panic, and what it accepts must encode and
// decode again to the same value.
func FuzzDecodeCall(f *testing.F) {
	for _, c := range codecCalls() {
		v := encodeCall(c)
		f.Add(sealedBody(v))
	}
	f.Add([]byte(`{"callId":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Sealed, so the fuzzer reaches the record decoder behind the
		// checksum (FuzzUnseal covers the seal itself).
		c, err := decodeCall(seal(tagOf(kindCallRecords), b))
		if err != nil {
			return
		}
		// Bytes may differ (a non-minimal varint, map order), but the value
		// must survive: its encoding is stable. (NaN defeats DeepEqual.)
		again := encodeCall(c)
		c2, err := decodeCall(again)
		if err != nil || !bytes.Equal(encodeCall(c2), again) {
			t.Errorf("re-encoding changed the record: %+v → %+v (%v)", c, c2, err)
		}
	})
}

// FuzzDecodeSession is FuzzDecodeCall for camera sessions.
func FuzzDecodeSession(f *testing.F) {
	for _, s := range codecSessions() {
		v := encodeSession(s)
		f.Add(sealedBody(v))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSession(seal(tagOf(kindSessionRecords), b))
		if err != nil {
			return
		}
		again := encodeSession(s)
		if s2, err := decodeSession(again); err != nil || !bytes.Equal(encodeSession(s2), again) {
			t.Errorf("re-encoding changed the session: %+v → %+v (%v)", s, s2, err)
		}
	})
}
