package analytics

import (
	"testing"
	"time"
)

var retryAfterCases = []struct {
	name, in string
	want     time.Duration
	ok       bool
}{
	{"seconds", "1", time.Second, true},
	{"spaces", "  120 ", 2 * time.Minute, true},
	{"zero", "0", 0, true},
	{"capped", "86400", maxRetryAfter, true},
	{"overflowing number", "99999999999999999999999", maxRetryAfter, true},
	{"date ahead", "Sun, 22 Nov 2026 09:00:30 GMT", 30 * time.Second, true},
	{"date passed", "Sun, 22 Nov 2026 08:59:00 GMT", 0, true},
	{"date far ahead", "Mon, 23 Nov 2026 09:00:00 GMT", maxRetryAfter, true},
	{"RFC 850 date", "Sunday, 22-Nov-26 09:01:00 GMT", time.Minute, true},
	{"empty", "", 0, false},
	{"negative", "-5", 0, false},
	{"fraction", "1.5", 0, false},
	{"words", "soon", 0, false},
	{"digits then junk", "10s", 0, false},
}

func TestParseRetryAfter(t *testing.T) {
	for _, c := range retryAfterCases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := parseRetryAfter(c.in, t0)
			if got != c.want || ok != c.ok {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
			}
		})
	}
}

// FuzzParseRetryAfter: whatever a server sends, the wait is within
// [0, maxRetryAfter] and the parser does not panic.
func FuzzParseRetryAfter(f *testing.F) {
	for _, c := range retryAfterCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := parseRetryAfter(v, t0)
		if d < 0 || d > maxRetryAfter || (!ok && d != 0) {
			t.Fatalf("parseRetryAfter(%q) = %v, %v", v, d, ok)
		}
	})
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		name   string
		jitter float64
		want   []time.Duration // after failure 1, 2, …
	}{
		{"no jitter: the lower half", 0, []time.Duration{time.Second, time.Second, 2 * time.Second, 4 * time.Second,
			8 * time.Second, 16 * time.Second, 32 * time.Second, 64 * time.Second, 128 * time.Second, 150 * time.Second, 150 * time.Second}},
		{"most jitter: nearly the full step", 0.999, []time.Duration{999 * time.Millisecond, 1999 * time.Millisecond, 3998 * time.Millisecond}},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := &Uploader{p: UploaderParams{MinBackoff: time.Second, MaxBackoff: 5 * time.Minute, Jitter: func() float64 { return c.jitter }}}
			for i, want := range c.want {
				got := u.backoff(i + 1)
				if want < time.Second {
					want = time.Second
				}
				if got.Round(time.Millisecond) != want {
					t.Errorf("backoff(%d) = %v, want %v", i+1, got, want)
				}
			}
		})
	}
	u := &Uploader{p: UploaderParams{MinBackoff: time.Second, MaxBackoff: 5 * time.Minute, Jitter: func() float64 { return 0.999 }}}
	if d := u.backoff(1000); d > 5*time.Minute || d < 150*time.Second {
		t.Errorf("backoff(1000) = %v, want within 2.5–5 min", d)
	}
}
