package presence

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/spf13/afero"
)

func TestRunnerSwitchesTheAPI(t *testing.T) {
	s, _, _, _ := newTestService(t, ServiceParams{})
	tokens := &Tokens{Fs: afero.NewMemMapFs(), Dir: "/data"}
	var saved []string
	// A free loopback port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := NewRunner(RunnerParams{API: NewAPI(APIParams{Service: s, Tokens: tokens}), Tokens: tokens, Address: addr,
		Save: func(on bool, a string) error { saved = append(saved, a); return nil }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.Start(ctx)
	defer r.Stop()
	up := func() bool {
		resp, err := http.Get("http://" + addr + "/v1/presence")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusUnauthorized
	}
	if up() {
		t.Fatal("the API runs while off")
	}
	if err := r.Configure(true, addr); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !up() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !up() || !r.Enabled() || r.Err() != nil {
		t.Fatalf("the API does not run when on (err %v)", r.Err())
	}
	if err := r.Configure(false, addr); err != nil {
		t.Fatal(err)
	}
	if up() {
		t.Fatal("the API still runs once off")
	}
	if err := r.Configure(true, "nonsense"); err == nil {
		t.Fatal("a bad address was accepted")
	}
	if len(saved) != 2 {
		t.Fatalf("saved %v", saved)
	}
	tok, err := r.Token()
	if err != nil || len(tok) != 64 {
		t.Fatalf("token %q, %v", tok, err)
	}
	if fresh, _ := r.NewToken(); fresh == tok {
		t.Fatal("NewToken kept the token")
	}
}
