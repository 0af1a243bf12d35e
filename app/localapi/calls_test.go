package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// brokenCalls fails after some calls, once the answer has begun.
type brokenCalls struct{ after int }

func (b brokenCalls) EachCall(_ calls.Filter, fn func(calls.Record) error) error {
	for range b.after {
		if err := fn(calls.Record{CallID: "c"}); err != nil {
			return err
		}
	}
	return errors.New("damaged page")
}

func TestCopyCalls(t *testing.T) {
	var asked calls.Filter
	tests := []struct {
		name    string
		h       CallHistory
		want    int
		wantErr string
	}{
		{name: "a whole array, line by line", h: manyCalls{n: 1000, filter: &asked}, want: 1000},
		{name: "no calls", h: manyCalls{filter: &asked}, want: 0},
		{name: "an answer cut short is an error", h: brokenCalls{after: 3}, wantErr: "cut short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := serveCalls(t, tt.h)
			var out bytes.Buffer
			err := c.CopyCalls(context.Background(), calls.Filter{}, &out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			var got []calls.Record
			if err != nil || json.Unmarshal(out.Bytes(), &got) != nil || len(got) != tt.want {
				t.Fatalf("copied %d calls, %v: %.200s", len(got), err, out.String())
			}
		})
	}
}
