package localapi

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/earshot-app/earshot/app/analytics"
)

type fakeOutbox struct {
	sts []analytics.EndpointStatus
	err error
}

func (f fakeOutbox) Status() ([]analytics.EndpointStatus, error) { return f.sts, f.err }

func TestServeOutbox(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		owner   fakeOutbox
		want    int
		wantErr bool
	}{
		{"two endpoints", fakeOutbox{sts: []analytics.EndpointStatus{
			{ID: "sha256:a", Endpoint: "https://a.example/ev?Token=xxxxx", Queued: 3, Delivered: 40, Parked: 1, Dropped: 2},
			{ID: "sha256:b", Endpoint: "https://b.example/ev"},
		}}, 2, false},
		{"analytics off", fakeOutbox{}, 0, false},
		{"store error", fakeOutbox{err: errors.New("disk on fire")}, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := SocketPath(t.TempDir())
			srv, err := Listen(path, fakeOwner{}, Status{}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			srv.ServeOutbox(c.owner)
			sctx, stop := context.WithCancel(ctx)
			served := make(chan struct{})
			go func() { srv.Serve(sctx); close(served) }()
			defer func() { stop(); <-served }()
			cl, err := Dial(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			sts, err := cl.Outbox(ctx)
			if (err != nil) != c.wantErr || len(sts) != c.want {
				t.Fatalf("Outbox() = %+v, %v", sts, err)
			}
			if c.want > 0 && (sts[0].Endpoint != "https://a.example/ev?Token=xxxxx" || sts[0].Delivered != 40 || sts[0].Dropped != 2) {
				t.Errorf("first endpoint %+v", sts[0])
			}
			if !c.wantErr && sts == nil {
				t.Error("null instead of an empty array")
			}
		})
	}
}
