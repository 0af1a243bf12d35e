package settings

import (
	"testing"

	"github.com/earshot-app/earshot/translations"
	"github.com/earshot-app/earshot/translations/translationstest"
)

func TestSettingsMessagesExist(t *testing.T) {
	translationstest.UsedKeysExist(t, ".", 15)
}

func TestRefusalText(t *testing.T) {
	tr := translations.New("en")
	for _, tt := range []struct {
		r    *Refusal
		want string
	}{
		{&Refusal{Setting: "WIRELESS_RANGE", Code: RefusalInvalid, Value: "9", Reason: "notAllowed",
			Allowed: []Choice{{"1", "Long"}, {"2", "Medium"}}}, "“9” is not allowed; choose one of 1 (Long), 2 (Medium)."},
		{&Refusal{Code: RefusalInvalid, Value: "495", Reason: "outOfRange", Min: 0, Max: 480}, "495 is outside 0–480."},
		{&Refusal{Code: RefusalInvalid, Value: "50", Reason: "offStep", Min: 0, Step: 15}, "50 is not in steps of 15 from 0."},
		{&Refusal{Code: RefusalUnsupported, Detail: "Jabra Evolve2 85"}, "Jabra Evolve2 85 does not support this setting."},
		{&Refusal{Code: RefusalNotWritable, Detail: "only by USB cable"}, "Cannot be changed here: only by USB cable."},
		{&Refusal{Setting: "BOGUS", Code: RefusalUnknown}, "BOGUS is not a setting in the catalog."},
	} {
		if got := RefusalText(tr, tt.r); got != tt.want {
			t.Errorf("RefusalText(%+v) = %q, want %q", tt.r, got, tt.want)
		}
	}
}
