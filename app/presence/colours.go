package presence

import (
	"maps"

	"github.com/earshot-app/earshot/device"
)

// Ringing names the colour a light shows while a call rings; it is not a
// State of its own (the state is onthephone).
const Ringing State = "ringing"

// ColourKeys are the keys of Colours, in display order.
var ColourKeys = append(append([]State{}, States...), Ringing)

// Colours is what a light shows for each state, and for Ringing.
type Colours map[State]device.LightState

var (
	green  = device.Colour{G: 0xFF}
	red    = device.Colour{R: 0xFF}
	yellow = device.Colour{R: 0xFF, G: 0xFF}
	purple = device.Colour{R: 0x80, B: 0xFF}
)

// DefaultColours: free green, busy and onthephone red, dnd purple, away and
// lunch yellow, ringing blinking red (docs/calls-and-presence.md, issue 12).
func DefaultColours() Colours {
	return Colours{
		Free: {Colour: green}, Busy: {Colour: red}, OnThePhone: {Colour: red},
		DND: {Colour: purple}, Away: {Colour: yellow}, Lunch: {Colour: yellow},
		Ringing: {Colour: red, Blink: true},
	}
}

// With returns the defaults overlaid with c.
func (c Colours) With(over Colours) Colours {
	out := maps.Clone(c)
	if out == nil {
		out = Colours{}
	}
	maps.Copy(out, over)
	return out
}

// For is the light for a decision.
func (c Colours) For(d Decision) device.LightState {
	if d.Ringing {
		return c[Ringing]
	}
	return c[d.State]
}
