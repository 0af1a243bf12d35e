package config

import "testing"

func TestWithSystemConfig(t *testing.T) {
	base := Paths{Machine: "/etc/earshot/config.toml", User: "/home/u/.config/earshot/config.toml"}
	tests := []struct {
		name    string
		environ []string
		want    string
	}{
		{name: "unset keeps /etc", environ: []string{"PATH=/bin"}, want: "/etc/earshot/config.toml"},
		{name: "an absolute path replaces it", environ: []string{"EARSHOT_SYSTEM_CONFIG=/tmp/it/system.toml"}, want: "/tmp/it/system.toml"},
		{name: "a relative path is not taken", environ: []string{"EARSHOT_SYSTEM_CONFIG=system.toml"}, want: "/etc/earshot/config.toml"},
		{name: "empty is not taken", environ: []string{"EARSHOT_SYSTEM_CONFIG="}, want: "/etc/earshot/config.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WithSystemConfig(base, tt.environ)
			if got.Machine != tt.want || got.User != base.User {
				t.Errorf("got %+v, want Machine %q and the user's file kept", got, tt.want)
			}
		})
	}
}
