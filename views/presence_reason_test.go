package views

import (
	"testing"

	"github.com/earshot-app/earshot/translations"
)

func TestReasonText(t *testing.T) {
	de := translations.New("de")
	for _, tt := range []struct{ reason, want string }{
		{"call started on Jabra Evolve2 65", "Anruf auf Jabra Evolve2 65 begonnen"},
		{"call ended on Jabra Evolve2 65", "Anruf auf Jabra Evolve2 65 beendet"},
		{"Teams withdrew its state", "Teams hat seinen Zustand zurückgezogen"},
		{"manual: dnd", "Nicht stören von Hand gesetzt"},
		{"manual: automatic", "von Hand auf automatisch zurückgesetzt"},
		{"Zoom: On-The-Phone", "Zoom: On-The-Phone"}, // an application's own words
	} {
		if got := reasonText(de, tt.reason); got != tt.want {
			t.Errorf("reasonText(%q) = %q, want %q", tt.reason, got, tt.want)
		}
	}
}
