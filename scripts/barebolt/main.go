// Command barebolt is the baseline of scripts/perf-fleet.sh: a bare Go
// program that opens a bbolt database and, with --sleep, waits. Figures of
// the headless service and its commands are given as ratios to it, because
// the machines they are measured on are shared and noisy.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

func main() {
	path := flag.String("db", "", "database file")
	sleep := flag.Duration("sleep", 0, "how long to wait with the database open")
	flag.Parse()
	db, err := bolt.Open(*path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "barebolt:", err)
		os.Exit(1)
	}
	defer db.Close()
	time.Sleep(*sleep)
}
