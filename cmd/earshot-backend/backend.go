package main

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Params configure a backend.
type Params struct {
	// Dir holds configs/ (answers) and Firmware/ (archives).
	Dir string
	// Events is the JSON-lines file events are appended to.
	Events string
	// Username and Password, when Username is set, are required as HTTP
	// Basic authentication on every request.
	Username, Password string
	Logger             *slog.Logger
	Now                func() time.Time
}

// Backend is the reference device-management and analytics backend.
type Backend struct {
	p   Params
	mux *http.ServeMux

	mu      sync.Mutex
	events  *os.File
	devices map[string]*seen // by ESN, else InstanceId, else the User-Agent
}

// seen is what the backend knows of one device.
type seen struct {
	Key        string
	Name       string
	Model      string // vendor:product variant
	Firmware   string
	LastSeen   time.Time
	LastAnswer string // the configuration file served last
	Events     []seenEvent
}

type seenEvent struct {
	At     time.Time
	Type   string
	Detail string
}

// maxSeenEvents is how many events per device the page lists.
const maxSeenEvents = 10

// maxEventBytes caps one posted event.
const maxEventBytes = 1 << 20

// The paths the backend serves.
const (
	managementPath = "/api/device-management"
	eventsPath     = "/api/events"
)

// NewBackend opens the events file (appending) and replays it, so the page
// lists what was received before a restart.
func NewBackend(p Params) (*Backend, error) {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	b := &Backend{p: p, devices: map[string]*seen{}}
	if raw, err := os.ReadFile(p.Events); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(make([]byte, 64<<10), maxEventBytes+1024)
		for sc.Scan() {
			var line struct {
				Received time.Time       `json:"received"`
				Event    json.RawMessage `json:"event"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil {
				b.noteEvent(line.Event, line.Received)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(p.Events), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p.Events, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open the events file: %w", err)
	}
	b.events = f
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+managementPath, b.answer)
	mux.HandleFunc("POST "+managementPath, b.receive) // BACKENDTYPE=Ovoc posts device events here
	mux.HandleFunc("GET "+managementPath+"/Firmware/{file}", b.firmware)
	mux.HandleFunc("POST "+eventsPath, b.receive)
	mux.HandleFunc("GET /{$}", b.page)
	mux.HandleFunc("GET /devices.json", b.devicesJSON)
	b.mux = mux
	return b, nil
}

// Close closes the events file.
func (b *Backend) Close() error { return b.events.Close() }

// ServeHTTP checks Basic authentication when configured, then serves.
func (b *Backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if b.p.Username != "" {
		u, pw, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(b.p.Username)) != 1 ||
			subtle.ConstantTimeCompare([]byte(pw), []byte(b.p.Password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="earshot-backend"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			b.p.Logger.Warn("refused: no or wrong credentials", "path", r.URL.Path, "from", r.RemoteAddr)
			return
		}
	}
	b.mux.ServeHTTP(w, r)
}

// UserAgent is what a JabraClient/1.0 User-Agent says (docs/device-management.md).
type UserAgent struct {
	Vendor, Product, Variant, ESN, Firmware, Version string
}

var uaPart = regexp.MustCompile(`(\w+)=([^;)]*)`)

// ParseUserAgent reads "JabraClient/1.0 (Vendor=0B0E; Product=2465; …)".
func ParseUserAgent(s string) (UserAgent, bool) {
	rest, ok := strings.CutPrefix(s, "JabraClient/1.")
	if !ok {
		return UserAgent{}, false
	}
	var ua UserAgent
	for _, m := range uaPart.FindAllStringSubmatch(rest, -1) {
		v := strings.TrimSpace(m[2])
		switch m[1] {
		case "Vendor":
			ua.Vendor = strings.ToUpper(v)
		case "Product":
			ua.Product = strings.ToUpper(v)
		case "Variant":
			ua.Variant = v
		case "ESN":
			ua.ESN = v
		case "Firmware":
			ua.Firmware = v
		case "Version":
			ua.Version = v
		}
	}
	return ua, ua.ESN != "" || ua.Product != ""
}

// safeName keeps a file-name part to letters, digits and dashes.
var unsafe = regexp.MustCompile(`[^A-Za-z0-9-]`)

func safeName(s string) string { return unsafe.ReplaceAllString(s, "") }

// answer serves the configuration of the device the User-Agent names: the
// first of configs/<ESN>.json, configs/<VID>-<PID>-<Variant>.json,
// configs/<VID>-<PID>.json and configs/default.json that exists; 404 when
// none does.
func (b *Backend) answer(w http.ResponseWriter, r *http.Request) {
	ua, ok := ParseUserAgent(r.UserAgent())
	if !ok {
		http.Error(w, "a JabraClient/1.0 User-Agent is required", http.StatusBadRequest)
		return
	}
	var names []string
	if ua.ESN != "" {
		names = append(names, safeName(ua.ESN)+".json")
	}
	if ua.Vendor != "" && ua.Product != "" {
		if ua.Variant != "" {
			names = append(names, safeName(ua.Vendor)+"-"+safeName(ua.Product)+"-"+safeName(ua.Variant)+".json")
		}
		names = append(names, safeName(ua.Vendor)+"-"+safeName(ua.Product)+".json")
	}
	names = append(names, "default.json")
	for _, n := range names {
		raw, err := os.ReadFile(filepath.Join(b.p.Dir, "configs", n))
		if err != nil {
			continue
		}
		b.noteAnswer(ua, n)
		b.p.Logger.Info("configuration served", "esn", ua.ESN, "file", n)
		w.Header().Set("Content-Type", "application/json")
		w.Write(raw)
		return
	}
	b.noteAnswer(ua, "")
	http.NotFound(w, r)
}

// firmware serves an archive of Firmware/, with Range requests (resume).
func (b *Backend) firmware(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if name != path.Base(name) || strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\`) {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(filepath.Join(b.p.Dir, "Firmware", name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		http.NotFound(w, r)
		return
	}
	if ua, ok := ParseUserAgent(r.UserAgent()); ok {
		b.p.Logger.Info("firmware served", "esn", ua.ESN, "file", name, "range", r.Header.Get("Range"))
	}
	w.Header().Set("Content-Type", "application/zip")
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

// receive appends one posted event to the events file, one JSON object per
// line: {"received": time, "userAgent": …, "event": the event as posted}.
func (b *Backend) receive(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxEventBytes+1))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(raw) > maxEventBytes {
		http.Error(w, "event too large", http.StatusRequestEntityTooLarge)
		return
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		http.Error(w, "want one JSON object", http.StatusBadRequest)
		return
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := b.p.Now().UTC()
	line, _ := json.Marshal(struct {
		Received  time.Time       `json:"received"`
		UserAgent string          `json:"userAgent"`
		Event     json.RawMessage `json:"event"`
	}{now, r.UserAgent(), compact.Bytes()})
	b.mu.Lock()
	_, err = b.events.Write(append(line, '\n'))
	b.mu.Unlock()
	if err != nil {
		b.p.Logger.Error("write event", "err", err)
		http.Error(w, "cannot store the event", http.StatusInternalServerError)
		return
	}
	b.noteEvent(compact.Bytes(), now)
	w.WriteHeader(http.StatusOK)
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// noteEvent records an event for the page.
func (b *Backend) noteEvent(raw []byte, at time.Time) {
	var ev map[string]any
	if json.Unmarshal(raw, &ev) != nil {
		return
	}
	key := str(ev, "ESN")
	if key == "" {
		key = str(ev, "InstanceId")
	}
	if key == "" {
		key = str(ev, "DeviceName")
	}
	if key == "" {
		return
	}
	detail := str(ev, "CallStatus")
	if s := str(ev, "FirmwareUpdateCompletedStatus"); s != "" {
		detail = s
		if f := str(ev, "FirmwareUpdateFailureDescription"); f != "" {
			detail += ": " + f
		}
	}
	if a, ok := ev["AppliedSettings"].(map[string]any); ok {
		r, _ := ev["RejectedSettings"].(map[string]any)
		detail = fmt.Sprintf("%d applied, %d rejected", len(a), len(r))
	}
	if n, ok := ev["PeopleCount"].(float64); ok {
		detail = fmt.Sprintf("%g people", n)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.device(key)
	d.Name = firstNonEmpty(str(ev, "DeviceName"), d.Name)
	if v, p := str(ev, "VendorId"), str(ev, "ProductId"); p != "" {
		d.Model = strings.TrimSpace(v + ":" + p + " " + str(ev, "VariantType"))
	}
	d.Firmware = firstNonEmpty(str(ev, "FirmwareVersion"), d.Firmware)
	if at.After(d.LastSeen) {
		d.LastSeen = at
	}
	d.Events = append([]seenEvent{{At: at, Type: str(ev, "EventType"), Detail: detail}}, d.Events...)
	if len(d.Events) > maxSeenEvents {
		d.Events = d.Events[:maxSeenEvents]
	}
}

// noteAnswer records a configuration request for the page.
func (b *Backend) noteAnswer(ua UserAgent, file string) {
	if ua.ESN == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.device(ua.ESN)
	d.Model = strings.TrimSpace(ua.Vendor + ":" + ua.Product + " " + ua.Variant)
	d.Firmware = firstNonEmpty(ua.Firmware, d.Firmware)
	d.LastSeen = b.p.Now().UTC()
	d.LastAnswer = file
	if file == "" {
		d.LastAnswer = "none (404)"
	}
}

func (b *Backend) device(key string) *seen {
	d := b.devices[key]
	if d == nil {
		d = &seen{Key: key}
		b.devices[key] = d
	}
	return d
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// snapshot returns the devices seen, most recent first.
func (b *Backend) snapshot() []seen {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]seen, 0, len(b.devices))
	for _, d := range b.devices {
		c := *d
		c.Events = slices.Clone(d.Events)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].LastSeen.Equal(out[j].LastSeen) {
			return out[i].LastSeen.After(out[j].LastSeen)
		}
		return out[i].Key < out[j].Key
	})
	return out
}

func (b *Backend) devicesJSON(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(b.snapshot())
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.Local().Format("2006-01-02 15:04:05")
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>earshot-backend</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f4f4f4}small{color:#777}ul{margin:0;padding-left:1.1em}
</style></head><body>
<h1>Devices seen</h1>
<p><small>Read-only. Configurations from {{.Dir}}/configs, firmware from {{.Dir}}/Firmware, events appended to {{.Events}}. Refreshes every 5 s.</small></p>
{{if not .Devices}}<p>No device has asked for a configuration or sent an event yet.</p>{{else}}
<table><tr><th>Device</th><th>Model</th><th>Firmware</th><th>Last seen</th><th>Configuration served</th><th>Last events</th></tr>
{{range .Devices}}<tr><td>{{.Name}}<br><small>{{.Key}}</small></td><td>{{.Model}}</td><td>{{.Firmware}}</td><td>{{when .LastSeen}}</td>
<td>{{.LastAnswer}}</td><td><ul>{{range .Events}}<li>{{.Type}}{{if .Detail}} — {{.Detail}}{{end}} <small>{{when .At}}</small></li>{{end}}</ul></td></tr>
{{end}}</table>{{end}}
</body></html>
`))

func (b *Backend) page(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	err := pageTemplate.Execute(w, struct {
		Dir, Events string
		Devices     []seen
	}{b.p.Dir, b.p.Events, b.snapshot()})
	if err != nil && !errors.Is(err, http.ErrHandlerTimeout) {
		b.p.Logger.Error("page", "err", err)
	}
}
