package calls

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

func TestAppendJSONMatchesMarshal(t *testing.T) {
	i, f, yes := 3, 71.25, true
	tiny, huge, zero := 1e-9, 2.5e22, 0
	tests := []struct {
		name string
		r    Record
	}{
		{"empty", Record{}},
		{"every field", Record{CallID: "c1", ESN: "501AA5D6337F", DeviceName: "Jabra Evolve2 85",
			Start: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 20, 9, 1, 30, 500, time.UTC),
			CallDurationMinutes: 1.5, TimesMuteButtonPressedDuringCall: &i, TimesVolumeUpButtonPressedDuringCall: &zero,
			AverageAudioExposureDb: &f, MaximumAudioExposureDb: &tiny, AverageBackgroundNoiseDb: &huge,
			TimesBoomArmBadlyPositioned: &i, MicrophoneMalfunctionDetected: &yes,
			LinkQualityDistribution: map[string]float64{"Low": 10, "High": 90},
			LinkQualityIndicators:   &LinkQualityIndicators{Dect: &DectIndicators{Handovers: 119}},
			CallEndReason:           "Ended"}},
		{"a camera session", Record{CallID: "s1", DeviceName: "Jabra PanaCast 50", Kind: KindCameraSession,
			CallDurationMinutes: 12, CallEndReason: "DeviceRemoved", PeopleCountAtStart: &i, PeopleCountAtEnd: &zero,
			PeopleCountMin: &zero, PeopleCountMax: &i, PeopleCountAverage: &f}},
		{"indicators without DECT", Record{LinkQualityIndicators: &LinkQualityIndicators{}}},
		{"names that need escaping", Record{DeviceName: "Café <Ü> & \"Q\"\n\u2028", ESN: "\xff"}},
		{"a zone other than UTC", Record{Start: time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.r.AppendJSON(nil); string(got) != string(want) {
				t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
			}
		})
	}
	t.Run("random floats", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for range 20000 {
			v := rng.NormFloat64() * []float64{1e-12, 1e-6, 1, 1e6, 1e20, 1e25}[rng.IntN(6)]
			r := Record{CallDurationMinutes: v}
			want, _ := json.Marshal(r)
			if got := r.AppendJSON(nil); string(got) != string(want) {
				t.Fatalf("%v:\n got %s\nwant %s", v, got, want)
			}
		}
	})
}

func BenchmarkRecordJSON(b *testing.B) {
	i, f := 3, 71.25
	r := Record{CallID: "5f0e4c1a-8a4b-4a57-9f43-3c1a2b0d9e11", ESN: "501AA5D6337F", DeviceName: "Jabra Evolve2 85",
		Start: time.Now().UTC(), End: time.Now().UTC(), CallDurationMinutes: 1.5, TimesMuteButtonPressedDuringCall: &i,
		AverageAudioExposureDb: &f, LinkQualityDistribution: map[string]float64{"Low": 10, "High": 90}, CallEndReason: "Ended"}
	b.Run("encoding/json (baseline)", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(r)
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = r.AppendJSON(buf[:0])
		}
	})
}
