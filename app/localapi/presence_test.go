package localapi

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/presence"
	"github.com/earshot-app/earshot/device"
)

type fakeLights struct {
	mu    sync.Mutex
	shown map[string]device.LightState
}

func (f *fakeLights) HasLight(id string) bool { return strings.HasPrefix(id, "bl") }
func (f *fakeLights) SetLight(_ context.Context, id string, s device.LightState) error {
	if id == "bl-broken" {
		return errors.New("unplugged")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shown[id] = s
	return nil
}

func TestServePresence(t *testing.T) {
	ctx := context.Background()
	devs := fakeOwner{
		{ID: "hs", DeviceName: "Jabra Evolve2 85"},
		{ID: "bl1", DeviceName: "kuando Busylight Omega"},
		{ID: "bl2", DeviceName: "Luxafor Flag"},
	}
	path := SocketPath(t.TempDir())
	srv, err := Listen(path, devs, Status{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	svc := presence.NewService(presence.ServiceParams{})
	tokens := &presence.Tokens{Fs: afero.NewMemMapFs(), Dir: "/d"}
	lights := &fakeLights{shown: map[string]device.LightState{}}
	srv.ServePresence(svc, tokens, lights, devs)
	sctx, stop := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() { srv.Serve(sctx); close(served) }()
	defer func() { stop(); <-served }()
	cl, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("presence", func(t *testing.T) {
		v, err := cl.SetPresence(ctx, presence.DND)
		if err != nil || v.State != presence.DND || v.Rule != presence.RuleManual {
			t.Fatalf("set = %+v, %v", v, err)
		}
		if v, err := cl.Presence(ctx); err != nil || v.Manual != presence.DND || v.Sources == nil {
			t.Fatalf("get = %+v, %v", v, err)
		}
		if _, err := cl.SetPresence(ctx, "asleep"); err == nil || !strings.Contains(err.Error(), "unknown state") {
			t.Fatalf("asleep: %v", err)
		}
		if v, err := cl.SetPresence(ctx, ""); err != nil || v.State != presence.Free || v.Manual != "" {
			t.Fatalf("auto = %+v, %v", v, err)
		}
	})
	t.Run("token", func(t *testing.T) {
		tok, err := cl.PresenceToken(ctx, false)
		if err != nil || len(tok) != 64 {
			t.Fatalf("token %q, %v", tok, err)
		}
		if again, _ := cl.PresenceToken(ctx, false); again != tok {
			t.Fatal("the token changed by itself")
		}
		if fresh, err := cl.PresenceToken(ctx, true); err != nil || fresh == tok || len(fresh) != 64 {
			t.Fatalf("new token %q, %v", fresh, err)
		}
	})
	cases := []struct {
		name   string
		req    LightRequest
		want   []string // device names set
		errHas string
	}{
		{"one light by name prefix", LightRequest{Device: "kuando", Light: "red"}, []string{"kuando Busylight Omega"}, ""},
		{"all lights, blinking hex", LightRequest{Device: "all", Light: "#FF8000 blink"}, []string{"kuando Busylight Omega", "Luxafor Flag"}, ""},
		{"off", LightRequest{Device: "Luxafor", Light: "off"}, []string{"Luxafor Flag"}, ""},
		{"a headset without a light", LightRequest{Device: "Jabra", Light: "red"}, nil, "has no light"},
		{"unknown device", LightRequest{Device: "Sony", Light: "red"}, nil, "no attached device"},
		{"bad colour", LightRequest{Device: "all", Light: "mauve"}, nil, `unknown colour "mauve"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := cl.SetLights(ctx, c.req)
			if c.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), c.errHas) {
					t.Fatalf("err = %v, want %q", err, c.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range res {
				if r.Error != "" {
					t.Errorf("%s: %s", r.DeviceName, r.Error)
				}
				names = append(names, r.DeviceName)
			}
			if strings.Join(names, ",") != strings.Join(c.want, ",") {
				t.Fatalf("set %v, want %v", names, c.want)
			}
		})
	}
	if got := lights.shown["bl2"]; got != (device.LightState{}) {
		t.Errorf("Luxafor shows %v, want off", got)
	}
	if got := lights.shown["bl1"]; got != (device.LightState{Colour: device.Colour{R: 0xFF, G: 0x80}, Blink: true}) {
		t.Errorf("kuando shows %v", got)
	}
	// A light that fails is reported beside the others.
	res, err := SetLights(ctx, lights, []app.DeviceSummary{{ID: "bl1", DeviceName: "A"}, {ID: "bl-broken", DeviceName: "B"}}, LightRequest{Device: "all", Light: "green"})
	if err != nil || res[0].Error != "" || res[1].Error != "unplugged" {
		t.Fatalf("results %+v, %v", res, err)
	}
}
