package device

import (
	"context"
	"fmt"
)

// Colour is a light's colour, 8 bits a channel. Each driver scales it to
// its own range (kuando 0–100, Embrava on/off per channel, …).
type Colour struct{ R, G, B uint8 }

// Off reports whether the colour is black, which every light shows as off.
func (c Colour) Off() bool { return c == Colour{} }

func (c Colour) String() string { return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B) }

// LightState is what a light is asked to show.
type LightState struct {
	Colour Colour // black = off
	Blink  bool
}

// Lighter is implemented by drivers whose devices carry a light: USB
// busylights, and headsets with a busylight their protocol can switch.
// SetLight shows state on the device with the given ID; the driver keeps
// the light alive (keep-alive frames) until told otherwise.
type Lighter interface {
	SetLight(ctx context.Context, id string, state LightState) error
	// HasLight tells whether the device with the given ID has a light this
	// driver can switch.
	HasLight(id string) bool
}

// SetLight shows state on the light of the attached device with the given ID
// through the driver that owns it.
func (m *Manager) SetLight(ctx context.Context, id string, state LightState) error {
	m.mu.Lock()
	o, ok := m.devices[id]
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("set light: no device %q is attached", id)
	}
	l, can := o.driver.(Lighter)
	if !can || !l.HasLight(id) {
		return fmt.Errorf("set light: %s has no light Earshot can switch", id)
	}
	return l.SetLight(ctx, id, state)
}

// HasLight tells whether the attached device with the given ID has a light
// Earshot can switch.
func (m *Manager) HasLight(id string) bool {
	m.mu.Lock()
	o, ok := m.devices[id]
	m.mu.Unlock()
	if !ok {
		return false
	}
	l, can := o.driver.(Lighter)
	return can && l.HasLight(id)
}
