package config

import (
	"strconv"
	"strings"
)

// Values is the effective value of every key, as text in the form the
// sources take (YES/NO, whole numbers, "|" between endpoints). It holds the
// clear password: mask it before showing or saving it anywhere.
func Values(c Config) map[string]string {
	yesNo := map[bool]string{true: "YES", false: "NO"}
	out := map[string]string{
		KeyAnalyticsEndpoint:    strings.Join(c.AnalyticsEndpoints, "|"),
		KeyManagementEndpoint:   c.ManagementEndpoint,
		KeyUsername:             c.Username,
		KeyPassword:             c.Password,
		KeyTrayIcon:             yesNo[c.TrayIcon],
		KeyCheckForUpdates:      strconv.Itoa(c.CheckForUpdatesMinutes),
		KeyBackendType:          c.BackendType,
		KeyBackendConfiguration: c.BackendConfiguration,
		KeyCapabilitiesEndpoint: c.CapabilitiesEndpoint,
		KeyPeopleCountHeartbeat: strconv.Itoa(c.PeopleCountHeartbeatMinutes),
		KeyCatalogDir:           c.CatalogDir,
		KeyLanguage:             c.Language,
		KeyCallHistoryRetention: strconv.Itoa(c.CallHistoryRetentionDays),
		KeyPresenceAPI:          yesNo[c.PresenceAPI],
		KeyPresenceAPIAddress:   c.PresenceAPIAddress,
		KeyHIDTelLEDs:           yesNo[c.HIDTelLEDs],
	}
	for _, st := range PresenceColourStates {
		v := ""
		if l, ok := c.PresenceColours[st]; ok {
			v = l.String()
		}
		out[KeyPresenceColourPrefix+strings.ToUpper(st)] = v
	}
	return out
}
