// Package localapi is the Unix-domain socket through which command-line
// subcommands talk to the running owner process (docs/ARCHITECTURE.md). The socket lives in
// the data folder and is created owner-only, so `--data` keeps instances apart
// and other users cannot reach it.
package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/settings"
)

// SocketName is the socket's file name inside the data folder.
const SocketName = "earshot.sock"

// SocketPath returns the socket of the data folder dir.
func SocketPath(dir string) string { return filepath.Join(dir, SocketName) }

// Status says who the owner is.
type Status struct {
	Version string
	PID     int
	Source  string // "demo", "sim:<path>" or "hardware"
}

// Owner is what the server serves.
type Owner interface {
	Devices() []app.DeviceSummary
}

// Server serves the local API on the socket.
type Server struct {
	ln     net.Listener
	srv    *http.Server
	mux    *http.ServeMux // features add their routes (ServeOutbox, …)
	path   string
	logger *slog.Logger
}

// Listen creates the socket at path. The caller must already own the data
// folder (hold the database lock), so a socket file left by a crashed owner is
// stale and is replaced.
func Listen(path string, owner Owner, status Status, logger *slog.Logger) (*Server, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	ln, err := listenPrivate(path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("restrict %s: %w", path, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, status) })
	mux.HandleFunc("GET /v1/devices", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, owner.Devices()) })
	s := &Server{ln: ln, path: path, logger: logger, mux: mux,
		srv: &http.Server{Handler: boundBody(mux), ReadHeaderTimeout: headerTimeout, IdleTimeout: idleTimeout,
			MaxHeaderBytes: 64 << 10}}
	return s, nil
}

// Timeouts of the local API, so that a slow or silent client cannot hold a
// connection: the headers must arrive within headerTimeout, the body within
// bodyTimeout, and a kept-alive connection is closed after idleTimeout
// without a request. Variables for the tests.
var (
	headerTimeout = 5 * time.Second
	bodyTimeout   = 10 * time.Second
	idleTimeout   = 60 * time.Second
)

// maxBody is the largest request body: a settings file (settings.MaxConfigSize)
// and the byte that tells the handler it is too large.
const maxBody = settings.MaxConfigSize + 2

// boundBody reads a request's whole body within bodyTimeout before the
// handler runs, refusing a body over maxBody, then lifts the read deadline.
//
// The server's own ReadTimeout is not used: once a body is read, net/http
// keeps reading the connection in the background to notice a client that
// hangs up, and that read failing at the deadline cancels the request's
// context, which would abort a firmware download or update the request
// started.
func boundBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(time.Now().Add(bodyTimeout))
			body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
			if err != nil {
				w.Header().Set("Connection", "close")
				http.Error(w, fmt.Sprintf("the request body did not arrive within %s", bodyTimeout), http.StatusRequestTimeout)
				return
			}
			if len(body) > maxBody {
				w.Header().Set("Connection", "close")
				http.Error(w, fmt.Sprintf("the request body is larger than the %d bytes allowed", maxBody), http.StatusRequestEntityTooLarge)
				return
			}
			_ = rc.SetReadDeadline(time.Time{})
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

// Serve answers requests until ctx is done, then removes the socket.
func (s *Server) Serve(ctx context.Context) {
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.srv.Shutdown(shut)
	}()
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.logger.Error("local API stopped", "socket", s.path, "err", err)
	}
	_ = os.Remove(s.path)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// resolveDevice turns the {id} of a device route into the ID of an attached
// device: an ID as it is, or a DEVICE reference (an ESN or a unique name
// prefix, docs/command-line.md). A reference that matches nothing wraps notFound.
func resolveDevice(devices Owner, r *http.Request, notFound error) (string, error) {
	ref := r.PathValue("id")
	devs := devices.Devices()
	for _, d := range devs {
		if d.ID == ref {
			return ref, nil
		}
	}
	d, err := app.FindDevice(devs, ref)
	if err != nil {
		return "", fmt.Errorf("%v: %w", err, notFound)
	}
	return d.ID, nil
}

// ErrNoOwner means no owner answers on the socket.
var ErrNoOwner = errors.New("no Earshot owner is running")

// Client talks to the owner.
type Client struct {
	http   *http.Client
	stream *http.Client // no overall timeout: long answers end with their ctx
}

// Dial connects to the owner's socket, returning ErrNoOwner when there is no
// socket or nobody listens on it.
func Dial(ctx context.Context, path string) (*Client, error) {
	// No socket file, no owner: said without the network code, which a
	// short command would otherwise load only to be told so.
	if _, err := os.Lstat(path); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoOwner, err)
	}
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoOwner, err)
	}
	conn.Close()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return d.DialContext(ctx, "unix", path)
	}}
	return &Client{http: &http.Client{Transport: tr, Timeout: 10 * time.Second}, stream: &http.Client{Transport: tr}}, nil
}

// Status asks the owner who it is.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	return s, c.get(ctx, "/v1/status", &s)
}

// Devices asks the owner for its attached devices.
func (c *Client) Devices(ctx context.Context) ([]app.DeviceSummary, error) {
	var d []app.DeviceSummary
	return d, c.get(ctx, "/v1/devices", &d)
}

func (c *Client) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://earshot"+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("ask the running Earshot %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("ask the running Earshot %s: %s: %s", path, resp.Status, b)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(into); err != nil {
		return fmt.Errorf("read the running Earshot's answer to %s: %w", path, err)
	}
	return nil
}
