// Command seedhistory fills a data folder with two weeks of plausible call
// history for the demo's devices (calls.SeedDemoHistory, which the demo
// itself writes once per data folder at its first start). It is a
// development tool.
//
//	go run ./scripts/seedhistory --data DIR [--days 13]
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
	days := flag.Int("days", calls.DemoHistoryDays, "days before today to fill")
	flag.Parse()
	if *data == "" {
		fmt.Fprintln(os.Stderr, "seedhistory: --data is required")
		os.Exit(2)
	}
	if err := seed(filepath.Join(*data, "earshot.db"), *days, time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, "seedhistory:", err)
		os.Exit(1)
	}
}

func seed(path string, days int, now time.Time) error {
	st, err := store.Open(path, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	return calls.SeedDemoHistory(st, days, now)
}
