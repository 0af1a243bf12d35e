package presence

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/earshot-app/earshot/device"
)

// RunnerParams are a Runner's dependencies.
type RunnerParams struct {
	API     *API
	Tokens  *Tokens
	Logger  *slog.Logger
	Enabled bool   // PRESENCEAPI
	Address string // PRESENCEAPIADDRESS
	// Save keeps a change made in the UI (the user's configuration file);
	// nil keeps it for this run only.
	Save func(enabled bool, address string) error
}

// Runner starts and stops the presence API as the configuration and the
// Presence page say, and hands out its token.
type Runner struct {
	p RunnerParams

	mu      sync.Mutex
	base    context.Context
	enabled bool
	addr    string
	cancel  context.CancelFunc
	done    chan struct{}
	lastErr error
}

// NewRunner returns a Runner; Start runs the API when it is enabled.
func NewRunner(p RunnerParams) *Runner {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Address == "" {
		p.Address = DefaultAPIAddress
	}
	return &Runner{p: p, enabled: p.Enabled, addr: p.Address}
}

// Start serves the API, when enabled, until Stop or ctx ends.
func (r *Runner) Start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.base = ctx
	if r.enabled {
		// Make the token at first start, so the UI and `earshot presence
		// token` have one to show before any client asks.
		if _, err := r.p.Tokens.Token(); err != nil {
			r.p.Logger.Warn("presence API token", "err", err)
		}
		r.startLocked()
	}
}

func (r *Runner) startLocked() {
	ctx, cancel := context.WithCancel(r.base)
	done := make(chan struct{})
	r.cancel, r.done, r.lastErr = cancel, done, nil
	addr := r.addr
	go func() {
		defer close(done)
		err := r.p.API.ListenAndServe(ctx, addr)
		if err != nil {
			r.p.Logger.Error("presence API stopped", "err", err)
		}
		r.mu.Lock()
		if r.done == done {
			r.lastErr = err
		}
		r.mu.Unlock()
	}()
}

func (r *Runner) stopLocked() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	done := r.done
	r.cancel, r.done = nil, nil
	r.mu.Unlock()
	<-done
	r.mu.Lock()
}

// Stop stops the API.
func (r *Runner) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked()
}

// Configure switches the API on or off and sets its address, restarting it
// when it runs, and saves the choice.
func (r *Runner) Configure(enabled bool, address string) error {
	if _, err := IsLoopback(address); err != nil {
		return err
	}
	r.mu.Lock()
	r.stopLocked()
	r.enabled, r.addr = enabled, address
	if enabled && r.base != nil {
		r.startLocked()
	}
	r.mu.Unlock()
	if r.p.Save != nil {
		if err := r.p.Save(enabled, address); err != nil {
			return fmt.Errorf("save the presence API setting: %w", err)
		}
	}
	return nil
}

// Enabled, Address and Err describe the API for the Presence page: Err is
// why it stopped, nil while it runs or is off.
func (r *Runner) Enabled() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.enabled
}

// Address is where the API listens (or would).
func (r *Runner) Address() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addr
}

// Err is why the API stopped; nil while it runs or is off.
func (r *Runner) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

// Token returns the API's token, making one when there is none.
func (r *Runner) Token() (string, error) { return r.p.Tokens.Token() }

// NewToken replaces the API's token.
func (r *Runner) NewToken() (string, error) { return r.p.Tokens.NewToken() }

// SetColourText sets a state's light from text ("red blink", "#FF8000"),
// for views that do not name device types.
func (s *Service) SetColourText(st State, text string) error {
	l, err := device.ParseLightState(text)
	if err != nil {
		return err
	}
	return s.SetColour(st, l)
}

// TestColour shows a state's light on every light for TestLightFor.
func (s *Service) TestColour(st State) {
	s.mu.Lock()
	l := s.colours[st]
	s.mu.Unlock()
	s.TestLight(l)
}
