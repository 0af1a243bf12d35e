package device

import (
	"errors"
	"fmt"
)

// ErrNotWritable is wrapped by the reason a driver gives for not writing a
// setting (CanWriteSetting).
var ErrNotWritable = errors.New("cannot be written")

// SettingsChecker is implemented by SettingsWriters that cannot write every
// setting to every device. CanWrite returns nil when the driver can write
// the setting name to the device id, else why not (wrapping ErrNotWritable),
// in words a person reads: "only while the headset is docked".
type SettingsChecker interface {
	CanWrite(id, name string) error
}

// CanWriteSetting tells whether the driver of the attached device id can
// write the setting name: nil when it can, else the reason (wrapping
// ErrNotWritable).
func (m *Manager) CanWriteSetting(id, name string) error {
	m.mu.Lock()
	o, ok := m.devices[id]
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("no device %q is attached: %w", id, ErrNotWritable)
	}
	if _, ok := o.driver.(SettingsWriter); !ok {
		return fmt.Errorf("the %s driver cannot write settings: %w", o.driver.Name(), ErrNotWritable)
	}
	if c, ok := o.driver.(SettingsChecker); ok {
		return c.CanWrite(id, name)
	}
	return nil
}
