package localapi

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/earshot-app/earshot/app"
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
