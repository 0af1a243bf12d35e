// Command bulkcalls writes many calls into a data folder's database, for
// measuring how Earshot behaves with a long history (scripts/perf-fleet.sh).
//
//	go run ./scripts/bulkcalls --data DIR --calls 1000000
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/earshot-app/earshot/app/calls"
	"github.com/earshot-app/earshot/store"
)

func main() {
	data := flag.String("data", "", "data folder (its earshot.db is created or extended)")
	n := flag.Int("calls", 1000000, "how many calls")
	flag.Parse()
	if *data == "" {
		fmt.Fprintln(os.Stderr, "bulkcalls: --data is required")
		os.Exit(2)
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "bulkcalls:", err)
		os.Exit(1)
	}
	st, err := store.Open(filepath.Join(*data, "earshot.db"), store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bulkcalls:", err)
		os.Exit(1)
	}
	defer st.Close()
	devs := []store.HistoryDevice{
		{Key: "501AA5D6337F", Name: "Jabra Evolve2 85", Kind: "headset", VendorID: 0x0B0E, ProductID: 0x30A4, ESN: "501AA5D6337F"},
		{Key: "7C8D2A1BA311", Name: "Jabra Engage 75", Kind: "headset", VendorID: 0x0B0E, ProductID: 0x0987, ESN: "7C8D2A1BA311"},
		{Key: "30F2E1A4B7C9", Name: "Jabra Speak2 75", Kind: "speakerphone", VendorID: 0x0B0E, ProductID: 0x2068, ESN: "30F2E1A4B7C9"},
	}
	start := time.Now().Add(-time.Duration(*n) * 10 * time.Second)
	const batch = 10000
	recs := make([]store.CallRecord, 0, batch)
	for i := range *n {
		at := start.Add(time.Duration(i) * 10 * time.Second)
		mutes, exposure := i%4, 60+float64(i%15)
		recs = append(recs, store.CallRecord{CallID: calls.NewUUID(), Device: devs[i%len(devs)], Start: at,
			End: at.Add(3 * time.Minute), EndReason: store.EndNormal, MutePresses: &mutes,
			AudioExposureAvgDb: &exposure, AudioExposureMaxDb: &exposure,
			LinkQuality: map[string]float64{"High": 90, "Low": 10}})
		if len(recs) == batch || i == *n-1 {
			if err := st.SaveCalls(recs); err != nil {
				fmt.Fprintln(os.Stderr, "bulkcalls:", err)
				os.Exit(1)
			}
			recs = recs[:0]
		}
	}
}
