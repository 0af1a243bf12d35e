package main

import (
	"bytes"
	"os"
	"testing"
)

// TestDevicesFresh fails when docs/devices.md is not what the model tables
// generate: run `go generate ./device/support/...`.
func TestDevicesFresh(t *testing.T) {
	have, err := os.ReadFile("../../../docs/devices.md")
	if err != nil {
		t.Fatalf("%v (run go generate ./device/support/...)", err)
	}
	if !bytes.Equal(have, render()) {
		t.Fatal("docs/devices.md is stale: run go generate ./device/support/...")
	}
}
