package calls

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/earshot-app/earshot/store"
)

// DemoHistoryDays is how many days before today the demo's history fills.
const DemoHistoryDays = 13

// demoSeededMarker is the file in the data folder that says the demo's
// history was written there once.
const demoSeededMarker = "demo-history-seeded"

// SeedDemoHistoryOnce writes the demo's two weeks of history into st the
// first time the demo starts on the data folder dir, and marks the folder so
// it never happens again there (even after the calls are deleted). It
// reports whether it seeded.
func SeedDemoHistoryOnce(st *store.Store, dir string, now time.Time) (bool, error) {
	marker := filepath.Join(dir, demoSeededMarker)
	if _, err := os.Stat(marker); err == nil {
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	if err := SeedDemoHistory(st, DemoHistoryDays, now); err != nil {
		return false, err
	}
	return true, os.WriteFile(marker, []byte(now.UTC().Format(time.RFC3339)+"\n"), 0o600)
}

// The demo's devices (assets/demo.json) that take part in calls.
var (
	evolve = store.HistoryDevice{Key: "501AA5D6337F", Name: "Jabra Evolve2 85", Kind: "headset", VendorID: 0x0B0E,
		ProductID: 0x30A4, Variant: "01-96", ESN: "501AA5D6337F", Firmware: "1.25.0", Connection: "Bluetooth", ParentKey: "70BF92D1C4A2"}
	engage = store.HistoryDevice{Key: "7C8D2A1BA311", Name: "Jabra Engage 75", Kind: "headset", VendorID: 0x0B0E,
		ProductID: 0x0987, Variant: "01-5B", ESN: "7C8D2A1BA311", Firmware: "4.7.0", Connection: "DECT", ParentKey: "7C8D2A1B9E04"}
	speak = store.HistoryDevice{Key: "30F2E1A4B7C9", Name: "Jabra Speak2 75", Kind: "speakerphone", VendorID: 0x0B0E,
		ProductID: 0x2068, Variant: "08-2A", ESN: "30F2E1A4B7C9", Firmware: "1.31.0", Connection: "USB"}
	camera = store.HistoryDevice{Key: "0850C3F21A6D", Name: "Jabra PanaCast 50", Kind: "camera", VendorID: 0x0B0E,
		ProductID: 0x3011, ESN: "0850C3F21A6D", Firmware: "7.0.12", Connection: "USB"}
)

// SeedDemoHistory writes days days (before now's day) of plausible calls and
// camera sessions of the demo's devices into st, so the Call history of the
// demo looks lived-in at once. The same days give the same history.
func SeedDemoHistory(st *store.Store, days int, now time.Time) error {
	rng := rand.New(rand.NewPCG(5, 2026))
	opt := func(n int) *int {
		if n == 0 {
			return nil
		}
		return &n
	}
	f := func(v float64) *float64 { v = float64(int(v*10)) / 10; return &v }
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	for d := days; d >= 1; d-- {
		day := today.AddDate(0, 0, -d)
		n := 3 + rng.IntN(5)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			n = rng.IntN(2)
		}
		at := day.Add(8*time.Hour + time.Duration(rng.IntN(60))*time.Minute)
		for range n {
			dev := []store.HistoryDevice{evolve, evolve, engage, speak}[rng.IntN(4)]
			dur := time.Duration(2+rng.IntN(40))*time.Minute + time.Duration(rng.IntN(60))*time.Second
			c := store.CallRecord{CallID: NewUUID(), Device: dev, Start: at, End: at.Add(dur), EndReason: store.EndNormal,
				MutePresses: opt(rng.IntN(5)), VolumeUpPresses: opt(rng.IntN(3)), VolumeDownPresses: opt(rng.IntN(2))}
			if dev.Kind == "headset" {
				c.AudioExposureAvgDb, c.AudioExposureMaxDb = f(66+rng.Float64()*6), f(72+rng.Float64()*6)
				c.BackgroundNoiseAvgDb, c.BackgroundNoiseMaxDb = f(38+rng.Float64()*10), f(50+rng.Float64()*10)
				boom, mic := rng.IntN(3), false
				c.BoomArmBadlyPositioned, c.MicrophoneMalfunction = &boom, &mic
			}
			switch dev.Key {
			case evolve.Key:
				high := float64(80 + rng.IntN(21))
				c.LinkQuality = map[string]float64{"High": high, "Low": 100 - high}
			case engage.Key:
				h := rng.IntN(6)
				c.DectHandovers = &h
			}
			if err := st.SaveCall(c); err != nil {
				return err
			}
			at = c.End.Add(time.Duration(10+rng.IntN(90)) * time.Minute)
		}
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			start := day.Add(time.Duration(10+rng.IntN(5)) * time.Hour)
			lo, hi := 2+rng.IntN(2), 5+rng.IntN(4)
			s := store.SessionRecord{SessionID: NewUUID(), Device: camera, Start: start,
				End: start.Add(time.Duration(25+rng.IntN(35)) * time.Minute), EndReason: store.EndNormal,
				PeopleCountAtStart: &lo, PeopleCountAtEnd: &lo, PeopleCountMin: &lo, PeopleCountMax: &hi,
				PeopleCountAverage: f(float64(lo+hi) / 2)}
			if err := st.SaveCameraSession(s); err != nil {
				return err
			}
		}
	}
	return nil
}
