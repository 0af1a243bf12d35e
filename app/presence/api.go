package presence

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

const (
	// DefaultAPIAddress is PRESENCEAPIADDRESS's default.
	DefaultAPIAddress = "127.0.0.1:8990"
	// MaxBody is the largest request body the API reads.
	MaxBody = 4 << 10
	// DefaultMaxConcurrent is how many requests the API serves at once;
	// more are refused with 503.
	DefaultMaxConcurrent = 16
)

// APIParams are the presence API's dependencies.
type APIParams struct {
	Service *Service
	Tokens  *Tokens
	Logger  *slog.Logger
	// MaxConcurrent bounds the requests served at once; 0 means
	// DefaultMaxConcurrent.
	MaxConcurrent int
}

// API is the local presence HTTP API (docs/calls-and-presence.md): POST /v1/presence,
// DELETE /v1/presence/{application}, GET /v1/presence, each with
// "Authorization: Bearer TOKEN".
type API struct {
	p   APIParams
	sem chan struct{}
	mux *http.ServeMux
}

// NewAPI returns the API; Serve or ListenAndServe runs it.
func NewAPI(p APIParams) *API {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.MaxConcurrent <= 0 {
		p.MaxConcurrent = DefaultMaxConcurrent
	}
	a := &API{p: p, sem: make(chan struct{}, p.MaxConcurrent), mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /v1/presence", a.get)
	a.mux.HandleFunc("POST /v1/presence", a.post)
	a.mux.HandleFunc("DELETE /v1/presence/{application}", a.withdraw)
	return a
}

// ServeHTTP bounds the requests served at once, checks the token, then
// routes.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case a.sem <- struct{}{}:
		defer func() { <-a.sem }()
	default:
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "too many requests at once")
		return
	}
	if !a.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="earshot presence"`)
		writeError(w, http.StatusUnauthorized, "missing or wrong token")
		return
	}
	a.mux.ServeHTTP(w, r)
}

func (a *API) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	tok, err := a.p.Tokens.Token()
	if err != nil {
		a.p.Logger.Error("presence API: token unavailable", "err", err)
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(h[len(prefix):])), []byte(tok)) == 1
}

// PostBody is the body of POST /v1/presence.
type PostBody struct {
	Application string `json:"application"`
	Event       string `json:"event"`
}

// ParseBody reads a POST body: one JSON object with non-empty
// "application" and "event" strings (other keys are ignored), at most
// MaxBody bytes.
func ParseBody(r io.Reader) (PostBody, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return PostBody{}, fmt.Errorf("read the body: %w", err)
	}
	if len(b) > MaxBody {
		return PostBody{}, errBodyTooLarge
	}
	var p PostBody
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&p); err != nil {
		return PostBody{}, fmt.Errorf("the body is not a JSON object with application and event: %w", err)
	}
	if dec.More() {
		return PostBody{}, errors.New("the body has more than one JSON value")
	}
	p.Application, p.Event = strings.TrimSpace(p.Application), strings.TrimSpace(p.Event)
	if p.Application == "" || p.Event == "" {
		return PostBody{}, errors.New(`the body needs "application" and "event"`)
	}
	return p, nil
}

var errBodyTooLarge = fmt.Errorf("the body is over %d bytes", MaxBody)

func (a *API) post(w http.ResponseWriter, r *http.Request) {
	body, err := ParseBody(http.MaxBytesReader(w, r.Body, MaxBody+1))
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, errBodyTooLarge) {
			code = http.StatusRequestEntityTooLarge
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			code = http.StatusRequestEntityTooLarge
		}
		writeError(w, code, err.Error())
		return
	}
	if _, err := a.p.Service.Post(body.Application, body.Event); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, a.view())
}

func (a *API) withdraw(w http.ResponseWriter, r *http.Request) {
	had, err := a.p.Service.Withdraw(r.PathValue("application"))
	switch {
	case err != nil:
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	case !had:
		writeError(w, http.StatusNotFound, "the application has no state to withdraw")
	default:
		writeJSON(w, http.StatusOK, a.view())
	}
}

func (a *API) get(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, a.view())
}

// View is the JSON of GET /v1/presence (and of the answers to POST and
// DELETE).
type View struct {
	State     State
	Ringing   bool
	Rule      Rule
	DecidedBy string
	Manual    State
	Sources   []SourceView
}

// SourceView is one application's source in View.
type SourceView struct {
	Application string
	Event       string
	State       State
	Ringing     bool
	Updated     time.Time
	Expired     bool
}

// NewView shapes a Status for the API and `earshot presence --json`.
func NewView(st Status) View {
	v := View{State: st.State, Ringing: st.Ringing, Rule: st.Rule, DecidedBy: st.DecidedBy, Manual: st.Manual,
		Sources: []SourceView{}}
	for _, s := range st.Sources {
		v.Sources = append(v.Sources, SourceView{s.Application, s.Event, s.State, s.Ringing, s.At.UTC(), s.Expired})
	}
	return v
}

func (a *API) view() View { return NewView(a.p.Service.Status()) }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// IsLoopback tells whether addr ("host:port") names a loopback address.
// "localhost" counts; an empty host (every interface) does not.
func IsLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("presence API address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// Server returns the http.Server for the API with its timeouts set.
func (a *API) Server() *http.Server {
	return &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    8 << 10,
		ErrorLog:          slog.NewLogLogger(a.p.Logger.Handler(), slog.LevelWarn),
	}
}

// Serve serves the API on ln until ctx ends.
func (a *API) Serve(ctx context.Context, ln net.Listener) error {
	srv := a.Server()
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	err := srv.Serve(ln)
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// ListenAndServe listens on addr and serves until ctx ends. An address
// that is not loopback is served (the seed's remote-desktop case, where the
// light sits at the user's own PC) with a warning, since it exposes the API
// to the network; the caller only passes one the user set explicitly.
func (a *API) ListenAndServe(ctx context.Context, addr string) error {
	loop, err := IsLoopback(addr)
	if err != nil {
		return err
	}
	if !loop {
		a.p.Logger.Warn("presence API listens beyond this computer; anyone who can reach it and has the token can set your presence", "address", addr)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("presence API: listen on %s: %w", addr, err)
	}
	a.p.Logger.Info("presence API listening", "address", ln.Addr().String())
	return a.Serve(ctx, ln)
}
