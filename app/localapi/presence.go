package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/presence"
	"github.com/earshot-app/earshot/device"
)

// PresenceOwner is what the presence routes serve (presence.Service).
type PresenceOwner interface {
	Status() presence.Status
	SetManual(st presence.State) error
}

// TokenOwner hands out the presence API's token (presence.Runner or
// presence.Tokens).
type TokenOwner interface {
	Token() (string, error)
	NewToken() (string, error)
}

// LightOwner switches lights (device.Manager).
type LightOwner interface {
	HasLight(id string) bool
	SetLight(ctx context.Context, id string, state device.LightState) error
}

// ManualRequest is the body of POST /v1/presence/manual: a state, or ""
// for Automatic.
type ManualRequest struct{ State presence.State }

// TokenAnswer is the answer of the token routes.
type TokenAnswer struct{ Token string }

// LightRequest is the body of POST /v1/lights: Device is a DEVICE
// reference (docs/command-line.md) or "all"; Light a colour name or #RRGGBB, "off",
// optionally followed by "blink".
type LightRequest struct {
	Device string
	Light  string
}

// LightResult is one light's outcome of POST /v1/lights.
type LightResult struct {
	DeviceName string
	Error      string `json:",omitempty"`
}

// ErrNoLight: the DEVICE of a light request names no attached device, or
// "all" finds no light.
var ErrNoLight = errors.New("no such light")

// maxLocalBody bounds the bodies of the presence and light routes.
const maxLocalBody = 4 << 10

// ServePresence answers the presence and light routes. Call it before
// Serve.
//
//	GET  /v1/presence          presence.View
//	POST /v1/presence/manual   ManualRequest → presence.View
//	GET  /v1/presence/token    TokenAnswer
//	POST /v1/presence/token    a new token → TokenAnswer
//	POST /v1/lights            LightRequest → []LightResult
func (s *Server) ServePresence(p PresenceOwner, tokens TokenOwner, lights LightOwner, devices Owner) {
	fail := func(w http.ResponseWriter, code int, err error) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(errorBody{Error: err.Error()})
	}
	s.mux.HandleFunc("GET /v1/presence", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, presence.NewView(p.Status()))
	})
	s.mux.HandleFunc("POST /v1/presence/manual", func(w http.ResponseWriter, r *http.Request) {
		var req ManualRequest
		if err := decodeBody(r, &req); err != nil {
			fail(w, http.StatusBadRequest, err)
			return
		}
		if err := p.SetManual(req.State); err != nil {
			fail(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, presence.NewView(p.Status()))
	})
	token := func(get func() (string, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			tok, err := get()
			if err != nil {
				s.logger.Error("local API: presence token", "err", err)
				fail(w, http.StatusInternalServerError, err)
				return
			}
			writeJSON(w, TokenAnswer{Token: tok})
		}
	}
	s.mux.HandleFunc("GET /v1/presence/token", token(tokens.Token))
	s.mux.HandleFunc("POST /v1/presence/token", token(tokens.NewToken))
	s.mux.HandleFunc("POST /v1/lights", func(w http.ResponseWriter, r *http.Request) {
		var req LightRequest
		if err := decodeBody(r, &req); err != nil {
			fail(w, http.StatusBadRequest, err)
			return
		}
		results, err := SetLights(r.Context(), lights, devices.Devices(), req)
		if err != nil {
			code := http.StatusBadRequest
			if errors.Is(err, ErrNoLight) {
				code = http.StatusNotFound
			}
			fail(w, code, err)
			return
		}
		writeJSON(w, results)
	})
}

// SetLights shows req.Light on the light req.Device names, or on every
// light for "all", in parallel. It is the job of `earshot light`, whether
// the owner or the command itself holds the devices.
func SetLights(ctx context.Context, lights LightOwner, devs []app.DeviceSummary, req LightRequest) ([]LightResult, error) {
	state, err := device.ParseLightState(req.Light)
	if err != nil {
		return nil, err
	}
	var targets []app.DeviceSummary
	if strings.EqualFold(req.Device, "all") {
		for _, d := range devs {
			if lights.HasLight(d.ID) {
				targets = append(targets, d)
			}
		}
		if len(targets) == 0 {
			return nil, fmt.Errorf("no attached device has a light Earshot can switch (%w)", ErrNoLight)
		}
	} else {
		d, err := app.FindDevice(devs, req.Device)
		if err != nil {
			return nil, fmt.Errorf("%v (%w)", err, ErrNoLight)
		}
		if !lights.HasLight(d.ID) {
			return nil, fmt.Errorf("%s has no light Earshot can switch", d.DeviceName)
		}
		targets = append(targets, d)
	}
	results := make([]LightResult, len(targets))
	done := make(chan struct{}, len(targets))
	for i, d := range targets {
		go func() {
			defer func() { done <- struct{}{} }()
			results[i].DeviceName = d.DeviceName
			if err := lights.SetLight(ctx, d.ID, state); err != nil {
				results[i].Error = err.Error()
			}
		}()
	}
	for range targets {
		<-done
	}
	return results, nil
}

func decodeBody(r *http.Request, into any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxLocalBody+1))
	if err != nil {
		return fmt.Errorf("read the request: %w", err)
	}
	if len(b) > maxLocalBody {
		return fmt.Errorf("the request is over %d bytes", maxLocalBody)
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("the request is not valid JSON: %w", err)
	}
	return nil
}

// Presence asks the owner for the presence state.
func (c *Client) Presence(ctx context.Context) (presence.View, error) {
	var v presence.View
	return v, c.get(ctx, "/v1/presence", &v)
}

// SetPresence sets the manual state ("" for Automatic).
func (c *Client) SetPresence(ctx context.Context, st presence.State) (presence.View, error) {
	var v presence.View
	return v, c.post(ctx, "/v1/presence/manual", ManualRequest{State: st}, &v)
}

// PresenceToken returns the presence API's token, a new one when renew.
func (c *Client) PresenceToken(ctx context.Context, renew bool) (string, error) {
	var a TokenAnswer
	var err error
	if renew {
		err = c.post(ctx, "/v1/presence/token", struct{}{}, &a)
	} else {
		err = c.get(ctx, "/v1/presence/token", &a)
	}
	return a.Token, err
}

// SetLights asks the owner to set lights (see SetLights).
func (c *Client) SetLights(ctx context.Context, req LightRequest) ([]LightResult, error) {
	var r []LightResult
	return r, c.post(ctx, "/v1/lights", req, &r)
}

// post sends body as JSON and decodes the answer; an error answer's
// message comes back as the error.
func (c *Client) post(ctx context.Context, path string, body, into any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://earshot"+path, strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("ask the running Earshot %s: %w", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var e errorBody
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("ask the running Earshot %s: %s", path, resp.Status)
	}
	if err := json.Unmarshal(data, into); err != nil {
		return fmt.Errorf("read the running Earshot's answer to %s: %w", path, err)
	}
	return nil
}
