package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestFyneLogOneRecordPerLine(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"one line", "Fyne error:  Preferences load error:\n", []string{"Fyne error:  Preferences load error:"}},
		{"three lines of one error", "Fyne error: x\n  Cause: EOF\n  At: a.go:1\n", []string{"Fyne error: x", "Cause: EOF", "At: a.go:1"}},
		{"empty", "\n\n", nil},
		{"long line cut", strings.Repeat("é", 800), []string{strings.Repeat("é", maxFyneLine/2) + "…"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			f := fyneLog{slog.New(slog.NewJSONHandler(&buf, nil))}
			if n, err := f.Write([]byte(c.in)); err != nil || n != len(c.in) {
				t.Fatalf("Write = %d, %v", n, err)
			}
			var got []string
			for _, rec := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				if rec == "" {
					continue
				}
				var m struct{ Msg, Line string }
				if err := json.Unmarshal([]byte(rec), &m); err != nil {
					t.Fatalf("record %q: %v", rec, err)
				}
				if m.Msg != "fyne" {
					t.Errorf("msg = %q", m.Msg)
				}
				got = append(got, m.Line)
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("lines = %q, want %q", got, c.want)
			}
		})
	}
}
