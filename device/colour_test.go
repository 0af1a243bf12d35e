package device

import "testing"

func TestParseLightState(t *testing.T) {
	cases := []struct {
		name, in string
		want     LightState
		bad      bool
	}{
		{"name", "red", LightState{Colour: Colour{R: 0xFF}}, false},
		{"name in capitals", " Purple ", LightState{Colour: Colour{R: 0x80, B: 0xFF}}, false},
		{"hex", "#ff8000", LightState{Colour: Colour{R: 0xFF, G: 0x80}}, false},
		{"blink", "red blink", LightState{Colour: Colour{R: 0xFF}, Blink: true}, false},
		{"off", "off", LightState{}, false},
		{"unknown name", "mauve", LightState{}, true},
		{"short hex", "#fff", LightState{}, true},
		{"bad hex", "#gg0000", LightState{}, true},
		{"trailing word", "red slowly", LightState{}, true},
		{"empty", "", LightState{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseLightState(c.in)
			if (err != nil) != c.bad || got != c.want {
				t.Fatalf("ParseLightState(%q) = %v, %v", c.in, got, err)
			}
			if !c.bad {
				if again, err := ParseLightState(got.String()); err != nil || again != got {
					t.Fatalf("round trip %q: %v, %v", got.String(), again, err)
				}
			}
		})
	}
}

// FuzzParseLightState: any text parses to a state that writes back to the
// same state, or is refused; never a panic.
func FuzzParseLightState(f *testing.F) {
	for _, s := range []string{"red", "Purple blink", "#FF8000", "#ff8000 BLINK", "", "red blink blink", "#", "#1234567", "\xff", "  off  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseLightState(s)
		if err != nil {
			return
		}
		again, err := ParseLightState(got.String())
		if err != nil || again.Colour != got.Colour || again.Blink != (got.Blink && !got.Colour.Off()) {
			t.Fatalf("%q → %v → %q → %v, %v", s, got, got.String(), again, err)
		}
	})
}
