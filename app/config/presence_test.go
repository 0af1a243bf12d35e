package config

import (
	"strings"
	"testing"

	"github.com/earshot-app/earshot/device"
)

func TestResolvePresence(t *testing.T) {
	tests := []struct {
		name     string
		values   map[string]string
		check    func(t *testing.T, c Config)
		problems []string
	}{
		{"defaults: off, loopback, built-in colours", nil, func(t *testing.T, c Config) {
			expectEq(t, c.PresenceAPI, false)
			expectEq(t, c.PresenceAPIAddress, "127.0.0.1:8990")
			expectEq(t, len(c.PresenceColours), 0)
		}, nil},
		{"on, and an address", map[string]string{"PRESENCEAPI": "on", "PRESENCEAPIADDRESS": "0.0.0.0:8989"}, func(t *testing.T, c Config) {
			expectEq(t, c.PresenceAPI, true)
			expectEq(t, c.PresenceAPIAddress, "0.0.0.0:8989")
			expectEq(t, c.Sources[KeyPresenceAPIAddress], "f.toml")
		}, nil},
		{"bad switch", map[string]string{"PRESENCEAPI": "sometimes"}, func(t *testing.T, c Config) {
			expectEq(t, c.PresenceAPI, false)
		}, []string{`PRESENCEAPI: "sometimes" is not YES or NO; keeping off`}},
		{"bad address", map[string]string{"PRESENCEAPIADDRESS": "8990"}, func(t *testing.T, c Config) {
			expectEq(t, c.PresenceAPIAddress, "127.0.0.1:8990")
		}, []string{`PRESENCEAPIADDRESS: "8990" is not host:port; keeping 127.0.0.1:8990`}},
		{"bad port", map[string]string{"PRESENCEAPIADDRESS": "127.0.0.1:99999"}, nil,
			[]string{`PRESENCEAPIADDRESS: "127.0.0.1:99999" has no valid port`}},
		{"colours", map[string]string{"PRESENCECOLOURFREE": "blue", "presencecolourringing": "#FF8000 blink"}, func(t *testing.T, c Config) {
			expectEq(t, c.PresenceColours["free"], device.LightState{Colour: device.Colour{B: 0xFF}})
			expectEq(t, c.PresenceColours["ringing"], device.LightState{Colour: device.Colour{R: 0xFF, G: 0x80}, Blink: true})
		}, nil},
		{"bad colour", map[string]string{"PRESENCECOLOURDND": "mauve"}, func(t *testing.T, c Config) {
			expectEq(t, len(c.PresenceColours), 0)
		}, []string{`PRESENCECOLOURDND: unknown colour "mauve"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, probs := Resolve([]Layer{{Source: "f.toml", Values: tc.values}})
			if tc.check != nil {
				tc.check(t, c)
			}
			if len(probs) != len(tc.problems) {
				t.Fatalf("problems %v, want %v", probs, tc.problems)
			}
			for i, p := range probs {
				if !strings.Contains(p.String(), tc.problems[i]) {
					t.Errorf("problem %q lacks %q", p, tc.problems[i])
				}
			}
		})
	}
}
