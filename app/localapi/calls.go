package localapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/earshot-app/earshot/app/calls"
)

// CallHistory is what GET /v1/calls serves.
type CallHistory interface {
	EachCall(f calls.Filter, fn func(calls.Record) error) error
}

// maxCallsLimit bounds ?limit= (any larger number is as good as "all").
const maxCallsLimit = 1 << 30

// ServeCalls answers GET /v1/calls?since=&until=&limit= with the calls and
// camera sessions of h (calls.Record.Kind tells which) that started in
// [since, until) (RFC 3339; either may be left out), newest
// first, at most limit of them. The JSON array is written as the history is
// read, a page at a time, so a million calls cost the owner no more memory
// than ten. Call it before Serve.
func (s *Server) ServeCalls(h CallHistory) {
	s.mux.HandleFunc("GET /v1/calls", func(w http.ResponseWriter, r *http.Request) {
		f, err := parseCallsQuery(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// Large writes: each one is a chunk, a socket write and, when
		// the reader lags, a wait; 256 KiB holds about 500 calls.
		bw := bufio.NewWriterSize(w, 256<<10)
		jw := calls.NewJSONWriter(bw)
		err = h.EachCall(f, func(rec calls.Record) error {
			if jw.Count() == 0 {
				w.Header().Set("Content-Type", "application/json")
			}
			return jw.Write(rec)
		})
		if err != nil {
			s.logger.Error("local API: call history", "err", err)
			if jw.Count() == 0 {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			// Mid-stream the status is sent: the array stays unclosed, so
			// the client sees a broken answer, never a short one.
			_ = bw.Flush()
			return
		}
		if jw.Count() == 0 {
			w.Header().Set("Content-Type", "application/json")
		}
		_ = jw.Close()
		_ = bw.Flush()
	})
}

func parseCallsQuery(v url.Values) (calls.Filter, error) {
	var f calls.Filter
	for _, p := range []struct {
		name string
		into *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if s := v.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return f, fmt.Errorf("%s: not an RFC 3339 time: %q", p.name, s)
			}
			*p.into = t
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxCallsLimit {
			return f, fmt.Errorf("limit: not a whole number from 0 to %d: %q", maxCallsLimit, s)
		}
		f.Limit = n
	}
	return f, nil
}

// maxCallRecord bounds one call of the owner's answer.
const maxCallRecord = 64 << 10

// callsRequest asks the owner for the calls f selects and returns the
// answer's body, the path asked (for errors) and a closer.
func (c *Client) callsRequest(ctx context.Context, f calls.Filter) (io.ReadCloser, string, error) {
	q := url.Values{}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.UTC().Format(time.RFC3339Nano))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	path := "/v1/calls"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://earshot"+path, nil)
	if err != nil {
		return nil, path, err
	}
	// The whole history can take longer than one request of the other
	// calls may: the stream has only ctx for a deadline.
	resp, err := c.stream.Do(req)
	if err != nil {
		return nil, path, fmt.Errorf("ask the running Earshot %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, path, fmt.Errorf("ask the running Earshot %s: %s: %s", path, resp.Status, b)
	}
	return resp.Body, path, nil
}

// EachCall asks the owner for the calls f selects (f.Since, f.Until,
// f.Limit), newest first, and calls fn with each as it arrives.
func (c *Client) EachCall(ctx context.Context, f calls.Filter, fn func(calls.Record) error) error {
	body, path, err := c.callsRequest(ctx, f)
	if err != nil {
		return err
	}
	defer body.Close()
	bad := func(err error) error {
		return fmt.Errorf("read the running Earshot's answer to %s: %w", path, err)
	}
	win := &window{r: body, left: maxCallRecord}
	dec := json.NewDecoder(win)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return bad(errors.Join(errors.New("not a JSON array"), err))
	}
	for dec.More() {
		var rec calls.Record
		win.left = maxCallRecord
		if err := dec.Decode(&rec); err != nil {
			return bad(err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return bad(err)
	}
	return nil
}

// CopyCalls asks the owner for the calls f selects and copies its JSON
// array (one call a line, see calls.JSONWriter) to w as it arrives, without
// decoding it: `earshot calls --json` through the owner. Each line is
// bounded, and the array must be whole: a broken answer is an error.
func (c *Client) CopyCalls(ctx context.Context, f calls.Filter, w io.Writer) error {
	body, path, err := c.callsRequest(ctx, f)
	if err != nil {
		return err
	}
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), maxCallRecord+2)
	state := 0 // 0: before "[", 1: in the array, 2: after "]"
	for sc.Scan() {
		line := sc.Bytes()
		ok := false
		switch {
		case state == 0 && string(line) == "[]":
			ok, state = true, 2
		case state == 0 && string(line) == "[":
			ok, state = true, 1
		case state == 1 && string(line) == "]":
			ok, state = true, 2
		case state == 1 && len(line) > 1 && line[0] == '{' && (line[len(line)-1] == '}' || bytes.HasSuffix(line, []byte("},"))):
			ok = true
		}
		if !ok {
			return fmt.Errorf("read the running Earshot's answer to %s: unexpected %.40q", path, line)
		}
		if _, err := w.Write(append(line, '\n')); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read the running Earshot's answer to %s: %w", path, err)
	}
	if state != 2 {
		return fmt.Errorf("read the running Earshot's answer to %s: the list of calls was cut short", path)
	}
	return nil
}

// window is a reader that refuses to read more than left bytes until left
// is set again: the stream of calls is bounded one record at a time.
type window struct {
	r    io.Reader
	left int64
}

func (w *window) Read(p []byte) (int, error) {
	if w.left <= 0 {
		return 0, fmt.Errorf("a call larger than %d bytes", maxCallRecord)
	}
	if int64(len(p)) > w.left {
		p = p[:w.left]
	}
	n, err := w.r.Read(p)
	w.left -= int64(n)
	return n, err
}

// Calls asks the owner for every call, newest first.
func (c *Client) Calls(ctx context.Context) ([]calls.Record, error) {
	out := []calls.Record{}
	err := c.EachCall(ctx, calls.Filter{}, func(r calls.Record) error { out = append(out, r); return nil })
	return out, err
}
