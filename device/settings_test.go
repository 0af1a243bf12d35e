package device_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/device"
)

// checkingDriver is a writingDriver that cannot write SIDETONE.
type checkingDriver struct{ *writingDriver }

func (c checkingDriver) CanWrite(id, name string) error {
	if name == "SIDETONE" {
		return fmt.Errorf("only while docked: %w", device.ErrNotWritable)
	}
	return nil
}

func TestManagerCanWriteSetting(t *testing.T) {
	checker := checkingDriver{&writingDriver{fakeDriver: newFakeDriver("jabra"), written: map[string]map[string]string{}}}
	writer := &writingDriver{fakeDriver: newFakeDriver("sim"), written: map[string]map[string]string{}}
	plain := newFakeDriver("hidtel")
	m := startManager(t, nil, checker, writer, plain)
	events, cancel := m.Subscribe()
	defer cancel()
	checker.events <- event(device.Arrived, dev("hs1", device.KindHeadset, "", ""))
	writer.events <- event(device.Arrived, dev("hs2", device.KindHeadset, "", ""))
	plain.events <- event(device.Arrived, dev("hs3", device.KindHeadset, "", ""))
	for range 3 {
		receive(t, events)
	}
	for _, tt := range []struct {
		id, name, want string // want: part of the reason; "" = writable
	}{
		{"hs1", "AUTO_OFF", ""},
		{"hs1", "SIDETONE", "only while docked"},
		{"hs2", "SIDETONE", ""},
		{"hs3", "SIDETONE", "the hidtel driver cannot write settings"},
		{"hs9", "SIDETONE", `no device "hs9" is attached`},
	} {
		err := m.CanWriteSetting(tt.id, tt.name)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s %s: %v", tt.id, tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, device.ErrNotWritable)):
			t.Errorf("%s %s: %v, want %q wrapping ErrNotWritable", tt.id, tt.name, err, tt.want)
		}
	}
}
