package localapi

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/calls"
)

type fakeOwner []app.DeviceSummary

func (f fakeOwner) Devices() []app.DeviceSummary { return f }

func TestServeAndDial(t *testing.T) {
	dir := t.TempDir()
	path := SocketPath(dir)
	ctx := context.Background()
	if _, err := Dial(ctx, path); !errors.Is(err, ErrNoOwner) {
		t.Fatalf("dial with no owner: %v, want ErrNoOwner", err)
	}
	// A socket file left by a crashed owner is replaced.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Dial(ctx, path); !errors.Is(err, ErrNoOwner) {
		t.Fatalf("dial a stale socket: %v, want ErrNoOwner", err)
	}
	level := 40
	srv, err := Listen(path, fakeOwner{{DeviceName: "Jabra Evolve2 85", BatteryLevel: &level}},
		Status{Version: "1.0", PID: 42, Source: "demo"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() { srv.Serve(sctx); close(served) }()

	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	status, err := c.Status(ctx)
	if err != nil || status.Source != "demo" || status.PID != 42 {
		t.Fatalf("status = %+v, %v", status, err)
	}
	devs, err := c.Devices(ctx)
	if err != nil || len(devs) != 1 || devs[0].DeviceName != "Jabra Evolve2 85" || *devs[0].BatteryLevel != 40 {
		t.Fatalf("devices = %+v, %v", devs, err)
	}
	stop()
	<-served
	if _, err := os.Stat(filepath.Join(dir, SocketName)); !os.IsNotExist(err) {
		t.Errorf("socket not removed after Serve: %v", err)
	}
}

type fakeHistory struct {
	recs []calls.Record
	err  error
}

func (f fakeHistory) EachCall(_ calls.Filter, fn func(calls.Record) error) error {
	if f.err != nil {
		return f.err
	}
	for _, r := range f.recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func TestServeCalls(t *testing.T) {
	mutes := 2
	tests := []struct {
		name    string
		history fakeHistory
		want    []calls.Record
		wantErr string
	}{
		{name: "no calls is an empty array", want: []calls.Record{}},
		{
			name: "calls come back in the JSON shape",
			history: fakeHistory{recs: []calls.Record{{CallID: "c1", ESN: "501AA5D6337F", DeviceName: "Jabra Evolve2 85",
				CallDurationMinutes: 2, TimesMuteButtonPressedDuringCall: &mutes, CallEndReason: "Ended"}}},
			want: []calls.Record{{CallID: "c1", ESN: "501AA5D6337F", DeviceName: "Jabra Evolve2 85",
				CallDurationMinutes: 2, TimesMuteButtonPressedDuringCall: &mutes, CallEndReason: "Ended"}},
		},
		{name: "a failing history is an error", history: fakeHistory{err: errors.New("disk on fire")}, wantErr: "disk on fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := SocketPath(t.TempDir())
			srv, err := Listen(path, fakeOwner{}, Status{}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			srv.ServeCalls(tt.history)
			ctx, stop := context.WithCancel(context.Background())
			served := make(chan struct{})
			go func() { srv.Serve(ctx); close(served) }()
			defer func() { stop(); <-served }()
			c, err := Dial(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Calls(ctx)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Calls = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
