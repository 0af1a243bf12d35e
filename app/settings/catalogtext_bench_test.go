package settings

import (
	"path/filepath"
	"testing"

	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/store"
	"github.com/earshot-app/earshot/translations"
)

// BenchmarkLocalize measures what showing the Evolve2 85's form in German
// adds (Localize) against building the form itself (Form), in the same run.
func BenchmarkLocalize(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "earshot.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	s := New(Params{Catalog: embeddedCatalog(b), Devices: newFakeDevices(demoDevice(b, "hs1")), Store: st, Clock: clock.NewFake(t0)})
	form, err := s.Form("hs1")
	if err != nil {
		b.Fatal(err)
	}
	de := translations.New("de")
	Localize(de, form) // parse the message files outside the loop
	b.Run("Form", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Form("hs1"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Localize", func(b *testing.B) {
		for b.Loop() {
			Localize(de, form)
		}
	})
}
