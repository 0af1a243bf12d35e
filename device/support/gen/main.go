// Command gen writes docs/devices.md, the support matrix, from the model
// tables of every driver. A driver with a model table adds it to tables.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/earshot-app/earshot/device/busylight"
	"github.com/earshot-app/earshot/device/hidtel"
	"github.com/earshot-app/earshot/device/jabra"
	"github.com/earshot-app/earshot/device/support"
)

// tables are the drivers' model tables.
var tables = [][]support.Model{
	hidtel.Models,
	busylight.SupportModels(),
	jabra.SupportModels(),
}

func render() []byte {
	var all []support.Model
	for _, t := range tables {
		all = append(all, t...)
	}
	return support.Table(all)
}

func main() {
	out := flag.String("out", "docs/devices.md", "file to write")
	flag.Parse()
	want := render()
	if have, err := os.ReadFile(*out); err == nil && bytes.Equal(have, want) {
		return
	}
	if err := os.WriteFile(*out, want, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
