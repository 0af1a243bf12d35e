package presence

import (
	"errors"
	"strings"
	"testing"
)

// TestMappingEveryRow checks every event of every row of the seed's table,
// as written, in capitals, and with its spaces and hyphens swapped.
func TestMappingEveryRow(t *testing.T) {
	rows := DefaultMapping().Rows()
	if len(rows) != 29 {
		t.Fatalf("the table has %d rows, the seed 29", len(rows))
	}
	for _, r := range rows {
		for _, e := range r.Events {
			variants := map[string]string{
				"as written":      e,
				"capitals":        strings.ToUpper(e),
				"hyphens":         strings.ReplaceAll(e, " ", "-"),
				"spaces":          strings.ReplaceAll(e, "-", " "),
				"without comment": strings.TrimSpace(strings.Split(e, "(")[0]),
			}
			for v, ev := range variants {
				t.Run(r.Application+"/"+e+"/"+v, func(t *testing.T) {
					p, err := DefaultMapping().Transform(strings.ToLower(r.Application), ev)
					if err != nil {
						t.Fatal(err)
					}
					ringing := Normalize(e) == "callalert"
					if p.State != r.State || p.Ringing != ringing || p.Application != r.Application {
						t.Errorf("= %+v, want %s ringing %v", p, r.State, ringing)
					}
				})
			}
		}
	}
}

func TestMappingUnknown(t *testing.T) {
	cases := []struct {
		name, app, event string
		want             error
	}{
		{"unknown application", "Skype", "On-The-Phone", ErrUnknownApplication},
		{"unknown event", "Zoom", "On-The-Phone", ErrUnknownEvent},
		{"event of another row", "Manual Changer", "Call Alert", ErrUnknownEvent},
		{"empty application", "", "Busy", ErrUnknownApplication},
		{"empty event", "Zoom", "", ErrUnknownEvent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := DefaultMapping().Transform(c.app, c.event); !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
		})
	}
	if ErrUnknownApplication.Error() != "transforming: ignored, sending application is unknown" ||
		ErrUnknownEvent.Error() != "transforming: ignored, sending event is unknown" {
		t.Error("the messages are not the seed's wording")
	}
}

func TestParseMappingRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"not json":      "{",
		"unknown state": `[{"application":"A","events":["E"],"state":"asleep"}]`,
		"no app":        `[{"application":" ","events":["E"],"state":"free"}]`,
		"empty event":   `[{"application":"A","events":["-"],"state":"free"}]`,
	} {
		if _, err := ParseMapping([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
