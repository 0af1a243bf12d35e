package settings

import (
	"github.com/earshot-app/earshot/device/catalog"
	"github.com/earshot-app/earshot/store"
)

// Who changes settings (ApplyOptions.Source, HistoryEntry.Source).
const (
	SourceUser       = store.SourceUser
	SourceManagement = store.SourceManagement
	SourceImport     = store.SourceImport
)

// The kinds of Field.Kind (docs/catalog.md), for packages that do not import
// the catalog.
const (
	KindText   = catalog.KindText
	KindChoice = catalog.KindChoice
	KindBool   = catalog.KindBool
	KindRange  = catalog.KindRange
)

// Translator renders a message in the user's language; *translations.Translator
// has it.
type Translator interface {
	T(id string, kv ...any) string
}

// RefusalText says in the user's language why a setting was refused or
// cannot be changed, without the setting's name ("3 is not allowed. Choose
// one of: 1 (Long), 2 (Medium)"), the allowed values of Earshot's own
// catalog named in that language too (CatalogText).
func RefusalText(t Translator, r *Refusal) string {
	switch r.Code {
	case RefusalNoDevice:
		return t.T("settings.refusal.noDevice")
	case RefusalUnknown:
		return t.T("settings.refusal.unknown", "Setting", r.Setting)
	case RefusalUnsupported:
		return t.T("settings.refusal.unsupported", "Model", r.Detail)
	case RefusalNotWritable:
		return t.T("settings.refusal.notWritable", "Reason", r.Detail)
	case RefusalNeedsFirmware:
		return t.T("settings.refusal.needsFirmware")
	case RefusalWriteFailed:
		return t.T("settings.refusal.writeFailed", "Reason", r.Detail)
	}
	num := catalog.FormatNumber
	switch r.Reason {
	case catalog.ReasonNotAllowed:
		return t.T("settings.invalid.notAllowed", "Value", r.Value, "Allowed", allowedList(localizeChoices(t, r.Builtin, r.Setting, r.Allowed)))
	case catalog.ReasonNotBool:
		return t.T("settings.invalid.notBool", "Value", r.Value, "Allowed", allowedList(localizeChoices(t, r.Builtin, r.Setting, r.Allowed)))
	case catalog.ReasonNotNumber:
		return t.T("settings.invalid.notNumber", "Value", r.Value)
	case catalog.ReasonNotInteger:
		return t.T("settings.invalid.notInteger", "Value", r.Value)
	case catalog.ReasonOutOfRange:
		return t.T("settings.invalid.outOfRange", "Value", r.Value, "Min", num(r.Min), "Max", num(r.Max))
	case catalog.ReasonOffStep:
		return t.T("settings.invalid.offStep", "Value", r.Value, "Step", num(r.Step), "Min", num(r.Min))
	case catalog.ReasonTooLong:
		return t.T("settings.invalid.tooLong", "Max", r.MaxLength)
	case catalog.ReasonRequired:
		return t.T("settings.invalid.required")
	}
	return t.T("settings.invalid.badText")
}
