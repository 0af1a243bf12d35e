package calls

import (
	"testing"

	"github.com/earshot-app/earshot/translations"
)

func TestWording(t *testing.T) {
	tr := translations.New("en")
	tests := []struct {
		name, got, want string
	}{
		{"the usual end", EndReasonText(tr, "Ended"), "Ended normally"},
		{"a device removed", EndReasonText(tr, "DeviceRemoved"), "Device removed"},
		{"Earshot stopped", EndReasonText(tr, "EarshotStopped"), "Earshot stopped"},
		{"found open", EndReasonText(tr, "Interrupted"), "Earshot closed unexpectedly"},
		{"a reason this version does not know", EndReasonText(tr, "Exploded"), "Exploded"},
		{"a call", KindText(tr, KindCall), "Call"},
		{"a call from an older owner", KindText(tr, ""), "Call"},
		{"a camera session", KindText(tr, KindCameraSession), "Camera session"},
		{"a kind this version does not know", KindText(tr, "Hologram"), "Hologram"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	for _, lang := range translations.Languages() {
		tl := translations.New(lang)
		seen := map[string]string{}
		for _, r := range EndReasons {
			got := EndReasonText(tl, r)
			if got == "calls.reason."+r || got == "" {
				t.Errorf("%s: no label for %s", lang, r)
			}
			if other, dup := seen[got]; dup {
				t.Errorf("%s: %s and %s read the same: %q", lang, r, other, got)
			}
			seen[got] = r
		}
		for _, k := range Kinds {
			if got := KindText(tl, k); got == "calls.kind."+k || got == "" {
				t.Errorf("%s: no label for %s", lang, k)
			}
		}
	}
}
