package localapi

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSlowClientsAreCut: on the real socket, a client that sends its body
// byte by byte, one that never finishes its headers, and one that keeps an
// idle connection open are all disconnected within the timeouts; a normal
// request still works and a handler that runs longer than the body
// timeout keeps its context.
func TestSlowClientsAreCut(t *testing.T) {
	defer func(h, b, i time.Duration) { headerTimeout, bodyTimeout, idleTimeout = h, b, i }(headerTimeout, bodyTimeout, idleTimeout)
	headerTimeout, bodyTimeout, idleTimeout = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	path := SocketPath(t.TempDir())
	srv, err := Listen(path, fakeOwner{}, Status{Version: "t"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	longDone := make(chan error, 1)
	srv.mux.HandleFunc("POST /v1/long", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case <-r.Context().Done():
			longDone <- r.Context().Err()
		case <-time.After(4 * bodyTimeout):
			longDone <- nil
		}
		w.Write(body)
	})
	srv.mux.HandleFunc("POST /v1/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Write(body)
	})
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { srv.Serve(ctx); close(served) }()
	defer func() { stop(); <-served }()

	tests := []struct {
		name string
		send func(c net.Conn) // what the client does before waiting
		want string           // the start of what the server answers before closing ("" = nothing)
	}{
		{name: "body trickled byte by byte", send: func(c net.Conn) {
			io.WriteString(c, "POST /v1/echo HTTP/1.1\r\nHost: earshot\r\nContent-Length: 1000\r\n\r\n")
			for range 20 {
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}, want: "HTTP/1.1 408"},
		{name: "headers never finished", send: func(c net.Conn) {
			io.WriteString(c, "POST /v1/echo HTTP/1.1\r\nHost: earsh")
		}},
		{name: "idle after a request", send: func(c net.Conn) {
			io.WriteString(c, "GET /v1/status HTTP/1.1\r\nHost: earshot\r\n\r\n")
		}, want: "HTTP/1.1 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			go tt.send(c)
			// The server must close the connection well before this.
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			got, err := io.ReadAll(bufio.NewReader(c))
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the connection was still open after %s", time.Since(start).Round(time.Millisecond))
			}
			if !strings.HasPrefix(string(got), tt.want) {
				t.Errorf("answer %.60q, want it to start with %q", got, tt.want)
			}
		})
	}

	// A request whose body arrives in time runs past the body timeout
	// with its context intact.
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://earshot/v1/long", strings.NewReader(`{"a": 1}`))
	resp, err := (&http.Client{Transport: c.http.Transport}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := <-longDone; err != nil || string(body) != `{"a": 1}` {
		t.Errorf("a long handler: context %v, body %q", err, body)
	}
}

func TestCheckDataFolder(t *testing.T) {
	tests := []struct {
		name    string
		mode    os.FileMode
		owner   int // -1: the user's own
		missing bool
		file    bool
		wantErr string
	}{
		{name: "private", mode: 0o700, owner: -1},
		{name: "readable by others", mode: 0o755, owner: -1},
		{name: "missing: Earshot creates it", missing: true, owner: -1},
		{name: "group-writable", mode: 0o770, owner: -1, wantErr: "can be written by other users (mode 0770)"},
		{name: "world-writable", mode: 0o777, owner: -1, wantErr: "chmod go-w"},
		{name: "world-writable with the sticky bit", mode: os.ModeSticky | 0o777, owner: -1, wantErr: "can be written by other users"},
		{name: "another user's", mode: 0o700, owner: 65534, wantErr: "belongs to user 65534"},
		{name: "a file", file: true, owner: -1, wantErr: "is not a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			switch {
			case tt.missing:
			case tt.file:
				if err := os.WriteFile(dir, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			default:
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, tt.mode); err != nil {
					t.Fatal(err)
				}
				if tt.owner >= 0 {
					if os.Geteuid() != 0 {
						t.Skip("giving a folder to another user needs root")
					}
					if err := os.Chown(dir, tt.owner, tt.owner); err != nil {
						t.Fatal(err)
					}
				}
			}
			err := CheckDataFolder(dir)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("err = %v, want one naming %s and saying %q", err, dir, tt.wantErr)
			}
			if strings.Count(err.Error(), ". ") > 0 || strings.Contains(err.Error(), "\n") {
				t.Errorf("not one sentence: %q", err)
			}
		})
	}
}
