package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/earshot-app/earshot/app/settings"
)

// SettingsOwner is what the settings routes serve; *settings.Service has it.
type SettingsOwner interface {
	Form(id string) (settings.Form, error)
	Apply(ctx context.Context, id string, values map[string]string, o settings.ApplyOptions) (settings.ApplyResult, error)
	Import(ctx context.Context, id string, data []byte) (settings.ImportResult, error)
	Export(id string) (settings.ManagementConfig, error)
	History(id string, limit int) ([]settings.HistoryEntry, error)
}

// ApplyRequest is the body of POST /v1/devices/{id}/settings.
type ApplyRequest struct {
	Values  map[string]string
	Options settings.ApplyOptions
}

// errorBody is how the settings routes answer a failure.
type errorBody struct {
	Error string
}

// ServeSettings answers the settings routes from so. Call it before Serve.
// {id} is a device's ID, or a DEVICE argument of docs/command-line.md (an ESN or the
// start of a name), resolved among devices.Devices(): the IDs of the owner's
// devices do not leave it.
//
//	GET  /v1/devices/{id}/settings          the form: definitions and current values
//	POST /v1/devices/{id}/settings          ApplyRequest → settings.ApplyResult
//	GET  /v1/devices/{id}/settings/export   the device-management JSON
//	POST /v1/devices/{id}/settings/import   a device-management JSON → settings.ImportResult
//	GET  /v1/devices/{id}/settings/history  ?limit=N → newest changes first
//
// A device that is not attached is 404; a body that cannot be read is 400.
func (s *Server) ServeSettings(so SettingsOwner, devices Owner) {
	resolve := func(r *http.Request) (string, error) { return resolveDevice(devices, r, settings.ErrNoDevice) }
	fail := func(w http.ResponseWriter, err error) {
		code := http.StatusInternalServerError
		switch {
		case errors.Is(err, settings.ErrNoDevice):
			code = http.StatusNotFound
		case errors.Is(err, errBadRequest):
			code = http.StatusBadRequest
		}
		if code == http.StatusInternalServerError {
			s.logger.Error("local API: settings", "err", err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(errorBody{Error: err.Error()})
	}
	s.mux.HandleFunc("GET /v1/devices/{id}/settings", func(w http.ResponseWriter, r *http.Request) {
		id, err := resolve(r)
		if err != nil {
			fail(w, err)
			return
		}
		form, err := so.Form(id)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, form)
	})
	s.mux.HandleFunc("POST /v1/devices/{id}/settings", func(w http.ResponseWriter, r *http.Request) {
		id, err := resolve(r)
		if err != nil {
			fail(w, err)
			return
		}
		var req ApplyRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, settings.MaxConfigSize)).Decode(&req); err != nil {
			fail(w, fmt.Errorf("%w: %v", errBadRequest, err))
			return
		}
		res, err := so.Apply(r.Context(), id, req.Values, req.Options)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, res)
	})
	s.mux.HandleFunc("GET /v1/devices/{id}/settings/export", func(w http.ResponseWriter, r *http.Request) {
		id, err := resolve(r)
		if err != nil {
			fail(w, err)
			return
		}
		c, err := so.Export(id)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, c)
	})
	s.mux.HandleFunc("POST /v1/devices/{id}/settings/import", func(w http.ResponseWriter, r *http.Request) {
		id, err := resolve(r)
		if err != nil {
			fail(w, err)
			return
		}
		data, err := io.ReadAll(io.LimitReader(r.Body, settings.MaxConfigSize+1))
		if err != nil {
			fail(w, fmt.Errorf("%w: %v", errBadRequest, err))
			return
		}
		res, err := so.Import(r.Context(), id, data)
		switch {
		case errors.Is(err, settings.ErrNoDevice):
			fail(w, err)
		case err != nil: // the file itself: the caller's mistake
			fail(w, fmt.Errorf("%w: %v", errBadRequest, err))
		default:
			writeJSON(w, res)
		}
	})
	s.mux.HandleFunc("GET /v1/devices/{id}/settings/history", func(w http.ResponseWriter, r *http.Request) {
		id, err := resolve(r)
		if err != nil {
			fail(w, err)
			return
		}
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		h, err := so.History(id, limit)
		if err != nil {
			fail(w, err)
			return
		}
		if h == nil {
			h = []settings.HistoryEntry{}
		}
		writeJSON(w, h)
	})
}

// errBadRequest marks errors in what the client sent.
var errBadRequest = errors.New("bad request")

// ErrOwnerRefused wraps an answer of the owner that is not 200: the message
// is the owner's.
var ErrOwnerRefused = errors.New("the running Earshot refused")

// SettingsForm asks the owner for the settings of device id.
func (c *Client) SettingsForm(ctx context.Context, id string) (settings.Form, error) {
	var f settings.Form
	return f, c.call(ctx, http.MethodGet, settingsPath(id, ""), nil, &f)
}

// ApplySettings asks the owner to apply values to device id.
func (c *Client) ApplySettings(ctx context.Context, id string, values map[string]string, o settings.ApplyOptions) (settings.ApplyResult, error) {
	body, err := json.Marshal(ApplyRequest{Values: values, Options: o})
	if err != nil {
		return settings.ApplyResult{}, err
	}
	var res settings.ApplyResult
	return res, c.call(ctx, http.MethodPost, settingsPath(id, ""), body, &res)
}

// ExportSettings asks the owner for the device-management JSON of device id.
func (c *Client) ExportSettings(ctx context.Context, id string) (settings.ManagementConfig, error) {
	var cfg settings.ManagementConfig
	return cfg, c.call(ctx, http.MethodGet, settingsPath(id, "/export"), nil, &cfg)
}

// ImportSettings asks the owner to import a device-management JSON into
// device id.
func (c *Client) ImportSettings(ctx context.Context, id string, data []byte) (settings.ImportResult, error) {
	var res settings.ImportResult
	return res, c.call(ctx, http.MethodPost, settingsPath(id, "/import"), data, &res)
}

// SettingsHistory asks the owner for the latest setting changes of device id.
func (c *Client) SettingsHistory(ctx context.Context, id string, limit int) ([]settings.HistoryEntry, error) {
	var h []settings.HistoryEntry
	return h, c.call(ctx, http.MethodGet, settingsPath(id, "/history")+"?limit="+strconv.Itoa(limit), nil, &h)
}

func settingsPath(id, rest string) string {
	return "/v1/devices/" + url.PathEscape(id) + "/settings" + rest
}

// call sends one request; an answer other than 200 becomes an error carrying
// the owner's message (and ErrNoDevice for 404).
func (c *Client) call(ctx context.Context, method, path string, body []byte, into any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://earshot"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("ask the running Earshot %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var eb errorBody
		if json.Unmarshal(raw, &eb) != nil || eb.Error == "" {
			eb.Error = resp.Status + ": " + string(raw)
		}
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%s: %w", eb.Error, settings.ErrNoDevice)
		}
		return fmt.Errorf("%w: %s", ErrOwnerRefused, eb.Error)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(into); err != nil {
		return fmt.Errorf("read the running Earshot's answer to %s: %w", path, err)
	}
	return nil
}
