package settings

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/catalog"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
)

// Devices is what Service needs of the device layer;
// *device.Manager has it.
type Devices interface {
	// Device returns a snapshot of the attached device id.
	Device(id string) (device.Device, bool)
	// WriteSettings writes values and returns one error per setting not
	// written.
	WriteSettings(ctx context.Context, id string, values map[string]string) map[string]error
	// CanWriteSetting is nil when the device's driver can write name, else
	// why not.
	CanWriteSetting(id, name string) error
}

// Params are the dependencies of Service.
type Params struct {
	Catalog *catalog.Catalog
	Devices Devices
	Store   *store.Store
	Clock   clock.Clock
	Logger  *slog.Logger
}

// Service is the settings service: it builds the form of a device from the
// catalog, validates values against it (the same rules for the window, the
// command line, imports and the management endpoint), writes what changed
// through the device's driver or, for client-side settings, into the store,
// and keeps the history of every change. It never imports Fyne.
type Service struct {
	p Params
}

// New returns the settings service.
func New(p Params) *Service {
	if p.Catalog == nil {
		p.Catalog = catalog.Empty()
	}
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{p: p}
}

// Catalog is the catalog the service works with.
func (s *Service) Catalog() *catalog.Catalog { return s.p.Catalog }

// firmwareSettings take effect only together with a firmware file (docs/device-management.md).
var firmwareSettings = []string{"SCREEN_REGION", "SCREEN_REGION_1", "VOICE_ANNOUNCEMENTS_LANGUAGE_1",
	"VOICE_ANNOUNCEMENTS_LANGUAGE_2", "VOICE_ANNOUNCEMENTS_LANGUAGE_4", "VOICE_ANNOUNCEMENTS_REGION"}

// NeedsFirmware tells whether a setting takes effect only together with a
// firmware file (docs/device-management.md), so it cannot be written on its own.
func NeedsFirmware(name string) bool { return slices.Contains(firmwareSettings, name) }

// eventToggle tells whether name is one of the EVENT_* client-side settings,
// which the store keeps as analytics event toggles.
func eventToggle(name string) bool { return strings.HasPrefix(name, "EVENT_") }

// Why a setting is refused or cannot be changed.
const (
	RefusalNoDevice      = "noDevice"      // the device is not attached
	RefusalUnknown       = "unknown"       // no definition has the name
	RefusalUnsupported   = "unsupported"   // the device's model does not list it
	RefusalInvalid       = "invalid"       // the value does not fit the definition
	RefusalNotWritable   = "notWritable"   // the device's driver cannot write it
	RefusalNeedsFirmware = "needsFirmware" // it takes effect only with a firmware file
	RefusalWriteFailed   = "writeFailed"   // the driver tried and failed
)

// Refusal says why one setting was not changed. Its fields let a view or
// the command line say so in the user's language; Error is the English
// sentence for logs.
type Refusal struct {
	Setting string
	Code    string // one of the Refusal constants
	Value   string `json:",omitempty"`
	// Reason is catalog's reason for an invalid value (catalog.ReasonNotAllowed…).
	Reason string `json:",omitempty"`
	// Allowed lists the allowed values of a choice or a check.
	Allowed   []Choice `json:",omitempty"`
	Min       float64  `json:",omitempty"`
	Max       float64  `json:",omitempty"`
	Step      float64  `json:",omitempty"`
	MaxLength int      `json:",omitempty"`
	// Detail is the driver's reason (not writable, write failed) or the
	// model's name (unsupported).
	Detail string `json:",omitempty"`
	// Builtin: the setting is from Earshot's own catalog, so the labels of
	// Allowed have translations (CatalogText).
	Builtin bool `json:",omitempty"`
}

func (r *Refusal) Error() string {
	var why string
	switch r.Code {
	case RefusalNoDevice:
		why = "the device is not attached"
	case RefusalUnknown:
		why = "no setting of that name is in the catalog"
	case RefusalUnsupported:
		why = "the model does not support this setting"
		if r.Detail != "" {
			why = r.Detail + " does not support this setting"
		}
	case RefusalInvalid:
		why = r.valueError().Error()
	case RefusalNotWritable:
		why = "cannot be changed: " + r.Detail
	case RefusalNeedsFirmware:
		why = "takes effect only together with a firmware file"
	default:
		why = "not written: " + r.Detail
	}
	return r.Setting + ": " + why
}

func (r *Refusal) valueError() *catalog.ValueError {
	e := &catalog.ValueError{Setting: r.Setting, Value: r.Value, Reason: r.Reason, Min: r.Min, Max: r.Max, Step: r.Step, MaxLength: r.MaxLength}
	for _, c := range r.Allowed {
		e.Allowed = append(e.Allowed, catalog.SupportedValue{Value: c.Value, FriendlyName: c.Label})
	}
	return e
}

// AllowedText lists the allowed values as `1 (Long), 2 (Medium)`.
func (r *Refusal) AllowedText() string { return allowedList(r.Allowed) }

func allowedList(cs []Choice) string {
	vs := make([]catalog.SupportedValue, len(cs))
	for i, c := range cs {
		vs[i] = catalog.SupportedValue{Value: c.Value, FriendlyName: c.Label}
	}
	return catalog.AllowedList(vs)
}

// Choice is one value of a choice or a check: the raw value and what
// people see.
type Choice struct {
	Value string
	Label string
}

// Field is one setting of a device's form.
type Field struct {
	Name     string
	Label    string
	Help     string
	Category string
	Kind     catalog.Kind
	// Choices of a choice; for a check, the checked value then the
	// unchecked one.
	Choices        []Choice `json:",omitempty"`
	Min, Max, Step float64  // a range
	Integer        bool     // a range or text of whole numbers
	MaxLength      int      // text
	Value          string   // the current raw value; "" = not set
	Reported       bool     // the device (or Earshot) reported Value; false: Value is the default
	Default        string
	RequiresReboot bool
	AllowsNull     bool
	ClientSide     bool     // Earshot keeps it; never sent to the device
	Disabled       *Refusal `json:",omitempty"` // why it cannot be changed here; nil: it can
	// Builtin: the setting is from Earshot's own catalog, whose texts have
	// translations (Localize); a third-party catalog's are shown as written.
	Builtin bool `json:",omitempty"`
}

// ValueLabel is what people see for the raw value v.
func (f Field) ValueLabel(v string) string {
	for _, c := range f.Choices {
		if c.Value == v {
			return c.Label
		}
	}
	return v
}

// Form is everything the settings page of one device shows.
type Form struct {
	DeviceID   string
	DeviceKey  string
	DeviceName string
	Model      string // the catalog's name of the model; "" when it has none
	Fields     []Field
}

// Field finds a field by name.
func (f Form) Field(name string) (Field, bool) {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return fl, true
		}
	}
	return Field{}, false
}

// ErrNoDevice is wrapped by the error for a device that is not attached.
var ErrNoDevice = errors.New("no such device is attached")

func (s *Service) device(id string) (device.Device, error) {
	d, ok := s.p.Devices.Device(id)
	if !ok {
		return device.Device{}, fmt.Errorf("device %q: %w", id, ErrNoDevice)
	}
	return d, nil
}

func (s *Service) model(d device.Device) *catalog.Model {
	m, _ := s.p.Catalog.Model(d.VendorID, d.ProductID, d.Variant)
	return m
}

// HasSettings tells whether the catalog maps any setting to the attached
// device id.
func (s *Service) HasSettings(id string) bool {
	d, ok := s.p.Devices.Device(id)
	if !ok {
		return false
	}
	m := s.model(d)
	return m != nil && len(m.Settings) > 0
}

// Form builds the form of the attached device id: the settings its model
// supports, in the Mapping's order, with current values.
func (s *Service) Form(id string) (Form, error) {
	d, err := s.device(id)
	if err != nil {
		return Form{}, err
	}
	form := Form{DeviceID: d.ID, DeviceKey: d.Key(), DeviceName: d.Name}
	m := s.model(d)
	if m == nil {
		return form, nil
	}
	form.Model = m.Name
	client, err := s.clientValues(d.Key())
	if err != nil {
		return form, err
	}
	for _, name := range m.Settings {
		def, ok := s.p.Catalog.Definition(name)
		if !ok {
			continue
		}
		f := fieldOf(def)
		if def.ClientSide() {
			f.Value, f.Reported = client[name]
		} else {
			f.Value, f.Reported = d.Settings[name]
			f.Disabled = s.writable(d, def)
		}
		if !f.Reported {
			f.Value = def.Default
		}
		form.Fields = append(form.Fields, f)
	}
	return form, nil
}

// writable is nil when the setting def can be changed on d from here, else
// why not.
func (s *Service) writable(d device.Device, def *catalog.Definition) *Refusal {
	if NeedsFirmware(def.Name) {
		return &Refusal{Setting: def.Name, Code: RefusalNeedsFirmware}
	}
	if err := s.p.Devices.CanWriteSetting(d.ID, def.Name); err != nil {
		return &Refusal{Setting: def.Name, Code: RefusalNotWritable, Detail: reason(err)}
	}
	return nil
}

// reason is a driver error without the sentinel's words.
func reason(err error) string {
	msg := err.Error()
	msg = strings.TrimSuffix(msg, ": "+device.ErrNotWritable.Error())
	return msg
}

func fieldOf(def *catalog.Definition) Field {
	f := Field{
		Name: def.Name, Label: def.Label(), Help: def.Help(), Category: def.Category, Kind: def.Kind(),
		Min: def.Min, Max: def.Max, Step: def.Step, Integer: def.Integer(), MaxLength: def.MaxLength,
		Default: def.Default, RequiresReboot: def.RequiresReboot, AllowsNull: def.AllowsNull, ClientSide: def.ClientSide(),
		Builtin: def.Builtin,
	}
	if f.Kind == catalog.KindText && f.MaxLength == 0 {
		f.MaxLength = catalog.DefaultMaxText
	}
	for _, v := range def.Allowed() {
		f.Choices = append(f.Choices, Choice{Value: v.Value, Label: v.Label()})
	}
	return f
}

// clientValues are the client-side settings stored for deviceKey: the
// EVENT_* toggles the analytics read, and the others.
func (s *Service) clientValues(deviceKey string) (map[string]string, error) {
	if s.p.Store == nil {
		return map[string]string{}, nil
	}
	vals, err := s.p.Store.ClientSettings(deviceKey)
	if err != nil {
		return nil, err
	}
	out := maps.Clone(vals)
	if out == nil {
		out = map[string]string{}
	}
	toggles, err := s.p.Store.EventToggles(deviceKey)
	if err != nil {
		return nil, err
	}
	for name, on := range toggles {
		def, ok := s.p.Catalog.Definition(name)
		if !ok || def.Kind() != catalog.KindBool {
			continue
		}
		t, f := def.BoolValues()
		out[name] = f
		if on {
			out[name] = t
		}
	}
	return out, nil
}

// ClientValue is the value of a client-side setting (docs/device-management.md) for the device
// under deviceKey: what was set, else the catalog's default. The firmware
// service asks it for ALLOW_DOWNGRADE.
func (s *Service) ClientValue(deviceKey, name string) string {
	vals, err := s.clientValues(deviceKey)
	if err != nil {
		s.p.Logger.Warn("read client settings", "device", deviceKey, "err", err)
	}
	if v, ok := vals[name]; ok {
		return v
	}
	if def, ok := s.p.Catalog.Definition(name); ok {
		return def.Default
	}
	return ""
}

// ApplyOptions say who asks and how strictly.
type ApplyOptions struct {
	// Source is who changes the settings: store.SourceUser,
	// store.SourceManagement or store.SourceImport.
	Source string
	// AllOrNothing refuses everything when any setting is refused, so the
	// device is not changed at all (the command line and imports). Without
	// it, each setting stands alone (the window, the management endpoint).
	AllOrNothing bool
}

// ApplyResult is what Apply did.
type ApplyResult struct {
	Applied       []string            // the settings changed, sorted
	Unchanged     []string            // asked for with the value they already had, sorted
	Refused       map[string]*Refusal // by setting name
	RestartNeeded bool                // an applied setting takes effect after the device restarts
}

// Err joins the refusals into one error, nil when there are none.
func (r ApplyResult) Err() error {
	if len(r.Refused) == 0 {
		return nil
	}
	names := slices.Sorted(maps.Keys(r.Refused))
	errs := make([]string, len(names))
	for i, n := range names {
		errs[i] = r.Refused[n].Error()
	}
	return errors.New(strings.Join(errs, "; "))
}

// Apply validates values (raw values by setting name; "" = not set) for the
// attached device id and changes those that differ from the current value:
// client-side settings in the store, the others through the device's
// driver. Each change is recorded in the history. The error is for the
// device as a whole (not attached, the store failed); refusals of single
// settings are in the result.
func (s *Service) Apply(ctx context.Context, id string, values map[string]string, o ApplyOptions) (ApplyResult, error) {
	res := ApplyResult{Refused: map[string]*Refusal{}}
	o.Source = cmp.Or(o.Source, store.SourceUser)
	d, err := s.device(id)
	if err != nil {
		return res, err
	}
	form, err := s.Form(id)
	if err != nil {
		return res, err
	}
	toDevice, toClient := map[string]string{}, map[string]string{}
	old := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		v, field, ref := s.check(d, form, name, values[name])
		switch {
		case ref != nil:
			res.Refused[name] = ref
		case v == field.Value:
			res.Unchanged = append(res.Unchanged, name)
		case field.Disabled != nil:
			res.Refused[name] = field.Disabled
		case field.ClientSide:
			toClient[name], old[name] = v, field.Value
		default:
			toDevice[name], old[name] = v, field.Value
		}
	}
	if o.AllOrNothing && len(res.Refused) > 0 {
		return res, nil
	}
	if len(toDevice) > 0 {
		for name, err := range s.p.Devices.WriteSettings(ctx, id, toDevice) {
			if err == nil {
				continue
			}
			s.p.Logger.Warn("setting not written", "device", d.Name, "setting", name, "err", err)
			res.Refused[name] = &Refusal{Setting: name, Code: RefusalWriteFailed, Value: toDevice[name], Detail: err.Error()}
			delete(toDevice, name)
		}
	}
	now := s.p.Clock.Now()
	var changes []store.SettingChange
	for _, set := range []map[string]string{toDevice, toClient} {
		for name, v := range set {
			changes = append(changes, store.SettingChange{Name: name, Old: old[name], New: v, Source: o.Source, At: now})
			res.Applied = append(res.Applied, name)
			if f, _ := form.Field(name); f.RequiresReboot {
				res.RestartNeeded = true
			}
		}
	}
	slices.Sort(res.Applied)
	slices.SortFunc(changes, func(a, b store.SettingChange) int { return strings.Compare(a.Name, b.Name) })
	if len(changes) > 0 && s.p.Store != nil {
		err := s.p.Store.Write(ctx, func(tx *store.Tx) error {
			if err := s.storeClient(tx, d.Key(), toClient); err != nil {
				return err
			}
			return tx.RecordSettingChanges(d.Key(), changes)
		})
		if err != nil {
			return res, fmt.Errorf("record settings of %s: %w", d.Name, err)
		}
	}
	for _, c := range changes {
		s.p.Logger.Info("setting changed", "device", d.Name, "key", d.Key(), "setting", c.Name,
			"old", c.Old, "new", c.New, "source", c.Source)
	}
	return res, nil
}

// storeClient writes client-side values: EVENT_* as the analytics' event
// toggles, the others as client settings.
func (s *Service) storeClient(tx *store.Tx, key string, vals map[string]string) error {
	toggles, other := map[string]bool{}, map[string]string{}
	for name, v := range vals {
		def, _ := s.p.Catalog.Definition(name)
		if eventToggle(name) && def != nil && def.Kind() == catalog.KindBool {
			on, _ := def.BoolValues()
			toggles[name] = v == on
			continue
		}
		other[name] = v
	}
	if len(toggles) > 0 {
		if err := tx.SetEventToggles(key, toggles); err != nil {
			return err
		}
	}
	return tx.SetClientSettings(key, other)
}

// check validates one value for d: it returns the value as stored and the
// field, or why it is refused.
func (s *Service) check(d device.Device, form Form, name, value string) (string, Field, *Refusal) {
	def, ok := s.p.Catalog.Definition(name)
	if !ok {
		return "", Field{}, &Refusal{Setting: name, Code: RefusalUnknown, Value: value}
	}
	field, supported := form.Field(name)
	if !supported && def.ClientSide() {
		// Client-side settings apply to every device (docs/device-management.md), listed by
		// its model or not.
		field = fieldOf(def)
		vals, err := s.clientValues(d.Key())
		if err != nil {
			return "", field, &Refusal{Setting: name, Code: RefusalWriteFailed, Value: value, Detail: err.Error()}
		}
		if field.Value, field.Reported = vals[name]; !field.Reported {
			field.Value = def.Default
		}
		supported = true
	}
	if !supported {
		return "", field, &Refusal{Setting: name, Code: RefusalUnsupported, Value: value, Detail: cmp.Or(form.Model, d.Name)}
	}
	v, err := def.Check(value)
	if err != nil {
		return "", field, invalid(def, err)
	}
	return v, field, nil
}

// CheckValue validates value against the definition of the setting name
// alone, so a view can tell what is wrong while the user types. It returns
// the value as it would be stored.
func (s *Service) CheckValue(name, value string) (string, *Refusal) {
	def, ok := s.p.Catalog.Definition(name)
	if !ok {
		return "", &Refusal{Setting: name, Code: RefusalUnknown, Value: value}
	}
	v, err := def.Check(value)
	if err != nil {
		return "", invalid(def, err)
	}
	return v, nil
}

// invalid turns def's catalog.ValueError into a Refusal.
func invalid(def *catalog.Definition, err error) *Refusal {
	var ve *catalog.ValueError
	if !errors.As(err, &ve) {
		return &Refusal{Setting: def.Name, Code: RefusalInvalid, Reason: catalog.ReasonBadText, Builtin: def.Builtin}
	}
	r := &Refusal{Setting: def.Name, Code: RefusalInvalid, Value: ve.Value, Reason: ve.Reason,
		Min: ve.Min, Max: ve.Max, Step: ve.Step, MaxLength: ve.MaxLength, Builtin: def.Builtin}
	for _, a := range ve.Allowed {
		r.Allowed = append(r.Allowed, Choice{Value: a.Value, Label: a.Label()})
	}
	return r
}

// HistoryEntry is one change of a device's settings as people read it.
type HistoryEntry struct {
	store.SettingChange
	Label    string // the setting's friendly name
	OldLabel string // friendly values
	NewLabel string
	// Builtin: the setting is from Earshot's own catalog, whose texts have
	// translations (LocalizeHistory).
	Builtin bool `json:",omitempty"`
}

// History returns up to limit changes of the settings of the attached
// device id, newest first.
func (s *Service) History(id string, limit int) ([]HistoryEntry, error) {
	d, err := s.device(id)
	if err != nil {
		return nil, err
	}
	return s.HistoryOf(d.Key(), limit)
}

// HistoryOf returns up to limit changes of the device under deviceKey
// (attached or not), newest first.
func (s *Service) HistoryOf(deviceKey string, limit int) ([]HistoryEntry, error) {
	if s.p.Store == nil {
		return nil, nil
	}
	changes, err := s.p.Store.SettingChanges(deviceKey, limit)
	if err != nil {
		return nil, err
	}
	out := make([]HistoryEntry, len(changes))
	for i, c := range changes {
		e := HistoryEntry{SettingChange: c, Label: c.Name, OldLabel: c.Old, NewLabel: c.New}
		if def, ok := s.p.Catalog.Definition(c.Name); ok {
			e.Label, e.OldLabel, e.NewLabel = def.Label(), labelOf(def, c.Old), labelOf(def, c.New)
			e.Builtin = def.Builtin
		}
		out[i] = e
	}
	return out, nil
}

// labelOf is the friendly value of v ("" stays "": not set).
func labelOf(def *catalog.Definition, v string) string {
	for _, a := range def.Allowed() {
		if a.Value == v {
			return a.Label()
		}
	}
	return v
}
