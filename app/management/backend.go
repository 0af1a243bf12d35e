package management

import (
	"slices"

	"github.com/earshot-app/earshot/app/config"
)

// AnalyticsEndpoints returns where analytics events go for cfg's
// BACKENDTYPE (docs/configuration.md, and the seed's deployment notes):
//
//   - Default: the URLs of ANALYTICSENDPOINT.
//   - PowerSuite: the same; PowerSuite behaves as the default backend.
//   - Ovoc: OVOC needs only DEVICEMANAGEMENTENDPOINT, so device events are
//     posted to it too (after any ANALYTICSENDPOINT URLs, once).
func AnalyticsEndpoints(cfg config.Config) []string {
	eps := slices.Clone(cfg.AnalyticsEndpoints)
	if cfg.BackendType == config.BackendOvoc && cfg.ManagementEndpoint != "" && !slices.Contains(eps, cfg.ManagementEndpoint) {
		eps = append(eps, cfg.ManagementEndpoint)
	}
	return eps
}
