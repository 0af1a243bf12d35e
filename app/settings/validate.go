package settings

import (
	"maps"
	"slices"
)

// Validate checks values for the attached device id against the catalog
// with the rules of Apply (name known, supported by the model, value
// allowed) but writes nothing: device management uses it for the settings
// that take effect only with a firmware file (NeedsFirmware), which go to
// the firmware update instead of the driver. It returns the values as they
// would be stored, and the refusals by name.
func (s *Service) Validate(id string, values map[string]string) (valid map[string]string, refused map[string]*Refusal, err error) {
	d, err := s.device(id)
	if err != nil {
		return nil, nil, err
	}
	form, err := s.Form(id)
	if err != nil {
		return nil, nil, err
	}
	valid, refused = map[string]string{}, map[string]*Refusal{}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		v, _, ref := s.check(d, form, name, values[name])
		if ref != nil {
			refused[name] = ref
			continue
		}
		valid[name] = v
	}
	return valid, refused, nil
}
