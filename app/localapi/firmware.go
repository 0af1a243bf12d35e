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

	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/device"
)

// FirmwareOwner is what the firmware routes serve; *firmware.Updater has it.
type FirmwareOwner interface {
	Status(id string) (firmware.Status, bool)
	Stage(ctx context.Context, id, source string) error
	Apply(ctx context.Context, id string) (firmware.Outcome, error)
}

// StageRequest is the body of POST /v1/devices/{id}/firmware/stage.
type StageRequest struct {
	// Source is an http, https or ftp URL, or an absolute file path the
	// owner can read.
	Source string
}

// firmwareError is how the firmware routes answer a failure.
type firmwareError struct {
	Error string
}

// ServeFirmware answers the firmware routes from fo. Call it before Serve.
// {id} is a device ID, or a DEVICE reference (an ESN or a unique name
// prefix) that devices resolves: IDs stay in the owner.
//
//	GET  /v1/devices/{id}/firmware         firmware.Status
//	POST /v1/devices/{id}/firmware/stage   StageRequest → firmware.Status once staged
//	POST /v1/devices/{id}/firmware/apply   → firmware.Outcome once the update ended
//
// A device that is not attached is 404; a refused request is 409 with the
// reason.
func (s *Server) ServeFirmware(fo FirmwareOwner, devices Owner) {
	resolve := func(r *http.Request) (string, error) { return resolveDevice(devices, r, device.ErrDeviceLost) }
	fail := func(w http.ResponseWriter, code int, err error) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(firmwareError{Error: err.Error()})
	}
	status := func(w http.ResponseWriter, id string) {
		st, ok := fo.Status(id)
		if !ok {
			fail(w, http.StatusNotFound, fmt.Errorf("device %q is not attached", id))
			return
		}
		writeJSON(w, st)
	}
	code := func(err error) int {
		if errors.Is(err, device.ErrDeviceLost) {
			return http.StatusNotFound
		}
		return http.StatusConflict
	}
	s.mux.HandleFunc("GET /v1/devices/{id}/firmware", func(w http.ResponseWriter, r *http.Request) {
		id, err := resolve(r)
		if err != nil {
			fail(w, http.StatusNotFound, err)
			return
		}
		status(w, id)
	})
	s.mux.HandleFunc("POST /v1/devices/{id}/firmware/stage", func(w http.ResponseWriter, r *http.Request) {
		var req StageRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil || req.Source == "" {
			fail(w, http.StatusBadRequest, errors.New("want {\"Source\": URL or file path}"))
			return
		}
		id, err := resolve(r)
		if err == nil {
			err = fo.Stage(r.Context(), id, req.Source)
		}
		if err != nil {
			fail(w, code(err), err)
			return
		}
		status(w, id)
	})
	s.mux.HandleFunc("POST /v1/devices/{id}/firmware/apply", func(w http.ResponseWriter, r *http.Request) {
		id, err := resolve(r)
		var out firmware.Outcome
		if err == nil {
			out, err = fo.Apply(r.Context(), id)
		}
		if err != nil {
			fail(w, code(err), err)
			return
		}
		writeJSON(w, out)
	})
}

// FirmwareStatus asks the owner for the firmware status of device id.
func (c *Client) FirmwareStatus(ctx context.Context, id string) (firmware.Status, error) {
	var st firmware.Status
	return st, c.firmwareCall(ctx, http.MethodGet, id, "", nil, &st)
}

// StageFirmware asks the owner to stage source for device id. It waits as
// long as ctx allows: a download may take a while.
func (c *Client) StageFirmware(ctx context.Context, id, source string) (firmware.Status, error) {
	body, _ := json.Marshal(StageRequest{Source: source})
	var st firmware.Status
	return st, c.firmwareCall(ctx, http.MethodPost, id, "/stage", body, &st)
}

// ApplyFirmware asks the owner to update device id with its staged file and
// waits, as long as ctx allows, for the outcome.
func (c *Client) ApplyFirmware(ctx context.Context, id string) (firmware.Outcome, error) {
	var out firmware.Outcome
	return out, c.firmwareCall(ctx, http.MethodPost, id, "/apply", nil, &out)
}

// firmwareCall sends one request without the client's short timeout (ctx
// bounds it); an answer other than 200 becomes an error with the owner's
// reason.
func (c *Client) firmwareCall(ctx context.Context, method, id, rest string, body []byte, into any) error {
	path := "/v1/devices/" + url.PathEscape(id) + "/firmware" + rest
	req, err := http.NewRequestWithContext(ctx, method, "http://earshot"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	long := &http.Client{Transport: c.http.Transport}
	resp, err := long.Do(req)
	if err != nil {
		return fmt.Errorf("ask the running Earshot %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var fe firmwareError
		if json.Unmarshal(raw, &fe) != nil || fe.Error == "" {
			fe.Error = resp.Status
		}
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%s: %w", fe.Error, device.ErrDeviceLost)
		}
		return errors.New(fe.Error)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(into); err != nil {
		return fmt.Errorf("read the running Earshot's answer to %s: %w", path, err)
	}
	return nil
}
