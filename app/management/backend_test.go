package management

import (
	"slices"
	"testing"

	"github.com/earshot-app/earshot/app/config"
)

func TestAnalyticsEndpoints(t *testing.T) {
	const dm, a, b = "https://dm/ep?Token=T", "https://a/ev", "https://b/ev"
	tests := []struct {
		name    string
		backend string
		events  []string
		mgmt    string
		want    []string
	}{
		{name: "default", backend: config.BackendDefault, events: []string{a, b}, mgmt: dm, want: []string{a, b}},
		{name: "PowerSuite is the default", backend: config.BackendPowerSuite, events: []string{a}, mgmt: dm, want: []string{a}},
		{name: "Ovoc with only the management endpoint", backend: config.BackendOvoc, mgmt: dm, want: []string{dm}},
		{name: "Ovoc adds it after the others", backend: config.BackendOvoc, events: []string{a}, mgmt: dm, want: []string{a, dm}},
		{name: "Ovoc does not post twice", backend: config.BackendOvoc, events: []string{dm}, mgmt: dm, want: []string{dm}},
		{name: "Ovoc without a management endpoint", backend: config.BackendOvoc, events: []string{a}, want: []string{a}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults()
			cfg.BackendType, cfg.AnalyticsEndpoints, cfg.ManagementEndpoint = tc.backend, tc.events, tc.mgmt
			if got := AnalyticsEndpoints(cfg); !slices.Equal(got, tc.want) {
				t.Errorf("AnalyticsEndpoints = %v, want %v", got, tc.want)
			}
		})
	}
}
