package main

import (
	"strings"
	"testing"

	"github.com/earshot-app/earshot/cmd/internal/cli"
)

func TestAppIDPerDataFolder(t *testing.T) {
	def := "/home/u/.local/share/earshot"
	tests := []struct {
		name, data string
		same       bool
	}{
		{"the default folder", def, true},
		{"the default with a slash", def + "/", true},
		{"another folder", "/tmp/a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := appID(tt.data, def)
			if (id == cli.AppID) != tt.same || !strings.HasPrefix(id, cli.AppID) {
				t.Errorf("appID = %q", id)
			}
		})
	}
	if appID("/tmp/a", def) == appID("/tmp/b", def) {
		t.Error("two folders share an id")
	}
}
