package main

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"

	"github.com/earshot-app/earshot/cmd/internal/cli"
)

// appID is the Fyne application id of a window on the data folder data.
// Fyne keeps its preferences per id, so each data folder but the default
// gets its own: two windows on two folders would otherwise write one
// preferences file at once ("Preferences load error: EOF").
func appID(data, defaultData string) string {
	if data == "" || filepath.Clean(data) == filepath.Clean(defaultData) {
		return cli.AppID
	}
	sum := sha256.Sum256([]byte(filepath.Clean(data)))
	return cli.AppID + ".data" + hex.EncodeToString(sum[:4])
}
