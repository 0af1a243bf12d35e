package localapi

import (
	"bufio"
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

// ServeCalls answers GET /v1/calls?since=&until=&limit= with the calls of h
// that started in [since, until) (RFC 3339; either may be left out), newest
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
		bw := bufio.NewWriterSize(w, 32<<10)
		n := 0
		err = h.EachCall(f, func(rec calls.Record) error {
			if n == 0 {
				w.Header().Set("Content-Type", "application/json")
				bw.WriteString("[")
			} else {
				bw.WriteString(",")
			}
			n++
			b, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			_, err = bw.Write(b)
			return err
		})
		if err != nil {
			s.logger.Error("local API: call history", "err", err)
			if n == 0 {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
			// Mid-stream the status is sent: the array stays unclosed, so
			// the client sees a broken answer, never a short one.
			_ = bw.Flush()
			return
		}
		if n == 0 {
			w.Header().Set("Content-Type", "application/json")
			bw.WriteString("[")
		}
		bw.WriteString("]\n")
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

// EachCall asks the owner for the calls f selects (f.Since, f.Until,
// f.Limit), newest first, and calls fn with each as it arrives.
func (c *Client) EachCall(ctx context.Context, f calls.Filter, fn func(calls.Record) error) error {
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
		return err
	}
	// The whole history can take longer than one request of the other
	// calls may: the stream has only ctx for a deadline.
	resp, err := c.stream.Do(req)
	if err != nil {
		return fmt.Errorf("ask the running Earshot %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("ask the running Earshot %s: %s: %s", path, resp.Status, b)
	}
	bad := func(err error) error {
		return fmt.Errorf("read the running Earshot's answer to %s: %w", path, err)
	}
	win := &window{r: resp.Body, left: maxCallRecord}
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
