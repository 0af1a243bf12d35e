package device

import (
	"fmt"
	"strconv"
	"strings"
)

// ColourNames are the colour names ParseColour accepts, in display order.
var ColourNames = []string{"red", "green", "yellow", "blue", "purple", "white", "off"}

var namedColours = map[string]Colour{
	"red": {R: 0xFF}, "green": {G: 0xFF}, "yellow": {R: 0xFF, G: 0xFF}, "blue": {B: 0xFF},
	"purple": {R: 0x80, B: 0xFF}, "white": {R: 0xFF, G: 0xFF, B: 0xFF}, "off": {},
}

// ParseColour reads a colour name (ColourNames, any case) or #RRGGBB.
func ParseColour(s string) (Colour, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if c, ok := namedColours[t]; ok {
		return c, nil
	}
	if len(t) == 7 && t[0] == '#' {
		v, err := strconv.ParseUint(t[1:], 16, 32)
		if err == nil {
			return Colour{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v)}, nil
		}
	}
	return Colour{}, fmt.Errorf("unknown colour %q (want %s, or #RRGGBB)", s, strings.Join(ColourNames, ", "))
}

// ParseLightState reads a colour optionally followed by "blink"
// ("red blink", "#FF8000").
func ParseLightState(s string) (LightState, error) {
	f := strings.Fields(s)
	var ls LightState
	switch {
	case len(f) == 2 && strings.EqualFold(f[1], "blink"):
		ls.Blink = true
	case len(f) != 1:
		return LightState{}, fmt.Errorf("light %q: want a colour, optionally followed by \"blink\"", s)
	}
	c, err := ParseColour(f[0])
	if err != nil {
		return LightState{}, err
	}
	ls.Colour = c
	return ls, nil
}

// String writes the state the way ParseLightState reads it.
func (s LightState) String() string {
	name := s.Colour.String()
	for _, n := range ColourNames {
		if namedColours[n] == s.Colour {
			name = n
			break
		}
	}
	if s.Blink && !s.Colour.Off() {
		return name + " blink"
	}
	return name
}
