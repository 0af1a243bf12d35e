package localapi

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/app/calls"
)

// manyCalls hands out n calls, remembering the filter it was asked with.
type manyCalls struct {
	n      int
	name   string // the DeviceName of every call
	filter *calls.Filter
}

func (m manyCalls) EachCall(f calls.Filter, fn func(calls.Record) error) error {
	*m.filter = f
	for i := range m.n {
		if f.Limit > 0 && i == f.Limit {
			return nil
		}
		if err := fn(calls.Record{CallID: "c", DeviceName: m.name, CallEndReason: "Ended"}); err != nil {
			return err
		}
	}
	return nil
}

func serveCalls(t *testing.T, h CallHistory) *Client {
	t.Helper()
	path := SocketPath(t.TempDir())
	srv, err := Listen(path, fakeOwner{}, Status{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv.ServeCalls(h)
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { srv.Serve(ctx); close(served) }()
	t.Cleanup(func() { stop(); <-served })
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEachCallStreams(t *testing.T) {
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	until := since.AddDate(0, 1, 0)
	tests := []struct {
		name    string
		n       int
		callee  string
		f       calls.Filter
		want    int
		wantErr string
	}{
		{name: "many calls arrive one by one", n: 5000, want: 5000},
		{name: "since, until and limit reach the owner", n: 50, f: calls.Filter{Since: since, Until: until, Limit: 7}, want: 7},
		{name: "a call over the bound is refused", n: 3, callee: strings.Repeat("x", maxCallRecord+1), wantErr: "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked calls.Filter
			c := serveCalls(t, manyCalls{n: tt.n, name: tt.callee, filter: &asked})
			got := 0
			err := c.EachCall(context.Background(), tt.f, func(calls.Record) error { got++; return nil })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %d calls, %v; want %d", got, err, tt.want)
			}
			if !asked.Since.Equal(tt.f.Since) || !asked.Until.Equal(tt.f.Until) || asked.Limit != tt.f.Limit {
				t.Errorf("the owner was asked %+v, want %+v", asked, tt.f)
			}
		})
	}
}

func TestCallsQueryRefusals(t *testing.T) {
	for _, q := range []string{"limit=-1", "limit=x", "since=yesterday", "until=2026-13-01"} {
		t.Run(q, func(t *testing.T) {
			v, _ := url.ParseQuery(q)
			if _, err := parseCallsQuery(v); err == nil {
				t.Errorf("%s accepted", q)
			}
		})
	}
}
