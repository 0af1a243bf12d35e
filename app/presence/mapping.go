package presence

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
)

// mappingJSON is the application/event mapping table of the kuando
// connector seeds (Synchronization Concept): which events each application
// sends and the state they transform to. "LTM (listen the music)" and
// "NAW (not at work)" are stored as the seed writes them; the explanation
// in brackets is not part of the name matched.
//
//go:embed mapping.json
var mappingJSON []byte

// Row is one row of the mapping table.
type Row struct {
	Application string   `json:"application"`
	Events      []string `json:"events"`
	State       State    `json:"state"`
}

// ringingEvent is the event that means a call is ringing (normalised).
const ringingEvent = "callalert"

// The seed's wording for input the mapping table does not know.
var (
	ErrUnknownApplication = errors.New("transforming: ignored, sending application is unknown")
	ErrUnknownEvent       = errors.New("transforming: ignored, sending event is unknown")
)

// Mapping is the parsed table, indexed by normalised names.
type Mapping struct {
	rows []Row
	apps map[string]string            // normalised → the table's spelling
	evts map[string]map[string]Posted // normalised app → normalised event → result
}

// Posted is what one application's event transforms to.
type Posted struct {
	Application string // the table's spelling
	Event       string // the table's spelling
	State       State
	Ringing     bool // a "Call Alert": onthephone, ringing
}

// DefaultMapping is the seed's table, parsed on first use rather than at
// package initialisation (every command links this package; few need it).
var DefaultMapping = sync.OnceValue(func() *Mapping { return mustMapping(mappingJSON) })

func mustMapping(b []byte) *Mapping {
	m, err := ParseMapping(b)
	if err != nil {
		panic(fmt.Sprintf("presence: embedded mapping table: %v", err))
	}
	return m
}

// ParseMapping reads a mapping table.
func ParseMapping(b []byte) (*Mapping, error) {
	var rows []Row
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("mapping table: %w", err)
	}
	m := &Mapping{rows: rows, apps: map[string]string{}, evts: map[string]map[string]Posted{}}
	for i, r := range rows {
		if !r.State.Valid() {
			return nil, fmt.Errorf("mapping table row %d: unknown state %q", i+1, r.State)
		}
		app := Normalize(r.Application)
		if app == "" {
			return nil, fmt.Errorf("mapping table row %d: no application", i+1)
		}
		if _, ok := m.apps[app]; !ok {
			m.apps[app] = r.Application
			m.evts[app] = map[string]Posted{}
		}
		for _, e := range r.Events {
			n := Normalize(e)
			if n == "" {
				return nil, fmt.Errorf("mapping table row %d: empty event", i+1)
			}
			m.evts[app][n] = Posted{Application: m.apps[app], Event: e, State: r.State, Ringing: n == ringingEvent}
		}
	}
	return m, nil
}

// Rows returns the table as stored.
func (m *Mapping) Rows() []Row { return m.rows }

// Applications returns the applications of the table, in its order, once each.
func (m *Mapping) Applications() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range m.rows {
		if !seen[r.Application] {
			seen[r.Application] = true
			out = append(out, r.Application)
		}
	}
	return out
}

// Transform maps an application's event to a state, matching names without
// regard to case, spaces, hyphens and other punctuation ("Call alert",
// "Call-Alert" and "call alert" are one event). It returns
// ErrUnknownApplication or ErrUnknownEvent for names the table lacks.
func (m *Mapping) Transform(application, event string) (Posted, error) {
	app := Normalize(application)
	evts, ok := m.evts[app]
	if !ok {
		return Posted{}, ErrUnknownApplication
	}
	p, ok := evts[Normalize(event)]
	if !ok {
		return Posted{Application: m.apps[app]}, ErrUnknownEvent
	}
	return p, nil
}

// Canonical returns the table's spelling of an application name, false when
// the table does not know it.
func (m *Mapping) Canonical(application string) (string, bool) {
	s, ok := m.apps[Normalize(application)]
	return s, ok
}

// Normalize folds a name for matching: a trailing explanation in brackets
// is dropped, then only letters and digits are kept, in lower case.
func Normalize(s string) string {
	if i := strings.IndexByte(s, '('); i > 0 {
		s = s[:i]
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
