// Package presence resolves one presence state from the calls on the
// devices, the state the user sets in Earshot and the states other
// applications post through the local presence API (docs/calls-and-presence.md, the kuando
// connector seeds), and shows it on every attached light.
package presence

import (
	"fmt"
	"strings"
)

// State is a presence state of docs/calls-and-presence.md.
type State string

// The states. Lunch is an away with a lunch message.
const (
	Free       State = "free"
	Busy       State = "busy"
	Away       State = "away"
	DND        State = "dnd"
	OnThePhone State = "onthephone"
	Lunch      State = "lunch"
)

// States lists every state in display order.
var States = []State{Free, Busy, Away, DND, OnThePhone, Lunch}

// Valid tells whether s is one of States.
func (s State) Valid() bool {
	for _, x := range States {
		if x == s {
			return true
		}
	}
	return false
}

// ParseState reads a state name, any case.
func ParseState(s string) (State, error) {
	st := State(strings.ToLower(strings.TrimSpace(s)))
	if st.Valid() {
		return st, nil
	}
	names := make([]string, len(States))
	for i, x := range States {
		names[i] = string(x)
	}
	return "", fmt.Errorf("unknown presence state %q (want one of %s)", s, strings.Join(names, ", "))
}
