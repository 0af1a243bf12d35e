package presence

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/device"
)

type apiFixture struct {
	s      *Service
	lights *fakeLights
	logs   *logBuf
	tokens *Tokens
	base   string
	token  string
	svcAdv func(time.Duration)
}

func startAPI(t *testing.T, maxConcurrent int) *apiFixture {
	t.Helper()
	s, lights, clk, logs := newTestService(t, ServiceParams{Lifetime: 10 * time.Minute})
	dir := t.TempDir()
	tokens := &Tokens{Fs: afero.NewOsFs(), Dir: dir}
	tok, err := tokens.Token()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	api := NewAPI(APIParams{Service: s, Tokens: tokens, Logger: s.p.Logger, MaxConcurrent: maxConcurrent})
	done := make(chan error, 1)
	go func() { done <- api.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return &apiFixture{s: s, lights: lights, logs: logs, tokens: tokens, base: "http://" + ln.Addr().String(), token: tok, svcAdv: clk.Advance}
}

func (f *apiFixture) do(t *testing.T, method, path, body, token string) (int, View) {
	t.Helper()
	req, err := http.NewRequest(method, f.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v View
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode, v
}

func post(app, event string) string {
	b, _ := json.Marshal(PostBody{Application: app, Event: event})
	return string(b)
}

func TestAPIRefusesTokens(t *testing.T) {
	f := startAPI(t, 0)
	cases := []struct {
		name, header string
		want         int
	}{
		{"no header", "", http.StatusUnauthorized},
		{"wrong token", "Bearer 00", http.StatusUnauthorized},
		{"token without Bearer", f.token, http.StatusUnauthorized},
		{"basic", "Basic " + f.token, http.StatusUnauthorized},
		{"right token", "Bearer " + f.token, http.StatusOK},
		{"lower-case scheme", "bearer " + f.token, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", f.base+"/v1/presence", nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("status %d, want %d", resp.StatusCode, c.want)
			}
		})
	}
	// A new token replaces the old one at once.
	fresh, err := f.tokens.NewToken()
	if err != nil || fresh == f.token {
		t.Fatalf("New = %q, %v", fresh, err)
	}
	if code, _ := f.do(t, "GET", "/v1/presence", "", f.token); code != http.StatusUnauthorized {
		t.Errorf("old token: %d", code)
	}
	if code, _ := f.do(t, "GET", "/v1/presence", "", fresh); code != http.StatusOK {
		t.Errorf("new token: %d", code)
	}
	info, err := os.Stat(filepath.Join(f.tokens.Dir, tokenFile))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", info.Mode().Perm())
	}
	// Read back from disk, the same token.
	again := &Tokens{Fs: afero.NewOsFs(), Dir: f.tokens.Dir}
	if got, _ := again.Token(); got != fresh {
		t.Errorf("stored token %q, want %q", got, fresh)
	}
}

func TestAPIEveryMappingRow(t *testing.T) {
	f := startAPI(t, 0)
	for _, r := range DefaultMapping().Rows() {
		for _, e := range r.Events {
			t.Run(r.Application+"/"+e, func(t *testing.T) {
				code, v := f.do(t, "POST", "/v1/presence", post(r.Application, e), f.token)
				if code != http.StatusOK {
					t.Fatalf("POST: %d", code)
				}
				var found *SourceView
				for i := range v.Sources {
					if v.Sources[i].Application == r.Application {
						found = &v.Sources[i]
					}
				}
				if found == nil || found.State != r.State || found.Event != e || found.Ringing != (Normalize(e) == "callalert") {
					t.Fatalf("source = %+v, want %s", found, r.State)
				}
				if v.State != r.State {
					t.Errorf("resolved %s, want %s", v.State, r.State)
				}
				if code, _ := f.do(t, "DELETE", "/v1/presence/"+url.PathEscape(r.Application), "", f.token); code != http.StatusOK {
					t.Fatalf("DELETE: %d", code)
				}
			})
		}
	}
}

func TestAPIScenarios(t *testing.T) {
	f := startAPI(t, 0)
	headset := f.lights.add("h", device.KindHeadset)
	f.s.HandleEvent(device.Event{Type: device.Arrived, Device: headset})

	t.Run("unknown application is logged in the seed's words", func(t *testing.T) {
		if code, _ := f.do(t, "POST", "/v1/presence", post("Skype for Business", "On-The-Phone"), f.token); code != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", code)
		}
		if !strings.Contains(f.logs.String(), `msg="transforming: ignored, sending application is unknown" application="Skype for Business"`) {
			t.Fatalf("log: %s", f.logs)
		}
	})
	t.Run("unknown event is logged in the seed's words", func(t *testing.T) {
		if code, _ := f.do(t, "POST", "/v1/presence", post("Zoom", "Out-To-Lunch"), f.token); code != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", code)
		}
		if !strings.Contains(f.logs.String(), `msg="transforming: ignored, sending event is unknown" application=Zoom event=Out-To-Lunch`) {
			t.Fatalf("log: %s", f.logs)
		}
	})
	t.Run("a call overrides another application's Free", func(t *testing.T) {
		if _, v := f.do(t, "POST", "/v1/presence", post("Manual Changer", "Available"), f.token); v.State != Free || v.DecidedBy != "Manual Changer" {
			t.Fatalf("after Available: %+v", v)
		}
		headset.InCall = true
		f.s.HandleEvent(device.Event{Type: device.Changed, Device: headset})
		if _, v := f.do(t, "GET", "/v1/presence", "", f.token); v.State != OnThePhone || v.Rule != RuleCall || v.DecidedBy != "dev h" {
			t.Fatalf("during the call: %+v", v)
		}
		headset.InCall = false
		f.s.HandleEvent(device.Event{Type: device.Changed, Device: headset})
		if _, v := f.do(t, "GET", "/v1/presence", "", f.token); v.State != Free || v.DecidedBy != "Manual Changer" {
			t.Fatalf("after the call: %+v", v)
		}
	})
	t.Run("a manual DND overrides an application's Available", func(t *testing.T) {
		if err := f.s.SetManual(DND); err != nil {
			t.Fatal(err)
		}
		if _, v := f.do(t, "GET", "/v1/presence", "", f.token); v.State != DND || v.Rule != RuleManual || v.Manual != DND {
			t.Fatalf("%+v", v)
		}
		if err := f.s.SetManual(""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an application's state expires", func(t *testing.T) {
		if _, v := f.do(t, "POST", "/v1/presence", post("Manual Changer", "Busy"), f.token); v.State != Busy {
			t.Fatalf("%+v", v)
		}
		deadline := time.Now().Add(5 * time.Second)
		var v View
		for time.Now().Before(deadline) {
			f.svcAdv(time.Minute)
			if _, v = f.do(t, "GET", "/v1/presence", "", f.token); v.State == Free {
				break
			}
		}
		if v.State != Free || len(v.Sources) != 1 || !v.Sources[0].Expired {
			t.Fatalf("after the lifetime: %+v", v)
		}
	})
	t.Run("withdraw", func(t *testing.T) {
		if code, _ := f.do(t, "DELETE", "/v1/presence/manual-changer", "", f.token); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		if code, _ := f.do(t, "DELETE", "/v1/presence/manual-changer", "", f.token); code != http.StatusNotFound {
			t.Fatalf("again: status %d", code)
		}
		if code, _ := f.do(t, "DELETE", "/v1/presence/Skype", "", f.token); code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown: status %d", code)
		}
	})
	bad := []struct {
		name, body string
		want       int
	}{
		{"body over 4 KiB", `{"application":"Zoom","event":"Call Alert","x":"` + strings.Repeat("a", MaxBody) + `"}`, http.StatusRequestEntityTooLarge},
		{"not JSON", "application=Zoom", http.StatusBadRequest},
		{"no event", `{"application":"Zoom"}`, http.StatusBadRequest},
		{"two objects", post("Zoom", "Call Alert") + post("Zoom", "Call Alert"), http.StatusBadRequest},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			if code, _ := f.do(t, "POST", "/v1/presence", c.body, f.token); code != c.want {
				t.Fatalf("status %d, want %d", code, c.want)
			}
		})
	}
}

// TestAPIBoundsConcurrency holds one request open (its body still coming)
// and sees the next refused.
func TestAPIBoundsConcurrency(t *testing.T) {
	f := startAPI(t, 1)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", f.base+"/v1/presence", pr)
	req.Header.Set("Authorization", "Bearer "+f.token)
	first := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	_, _ = pw.Write([]byte(`{"application":`))
	deadline := time.Now().Add(5 * time.Second)
	code := 0
	for time.Now().Before(deadline) {
		if code, _ = f.do(t, "GET", "/v1/presence", "", f.token); code == http.StatusServiceUnavailable {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code != http.StatusServiceUnavailable {
		t.Fatalf("second request: %d, want 503", code)
	}
	_, _ = pw.Write([]byte(`"Zoom","event":"Call Alert"}`))
	pw.Close()
	if c := <-first; c != http.StatusOK {
		t.Fatalf("first request: %d", c)
	}
	if code, _ := f.do(t, "GET", "/v1/presence", "", f.token); code != http.StatusOK {
		t.Fatalf("after: %d", code)
	}
}

// TestAPIFloodMemoryFlat sends 10 000 requests from 50 clients and checks
// the heap after is within a few MiB of the heap before.
func TestAPIFloodMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("flood")
	}
	f := startAPI(t, 64)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	flood(t, f, 1000) // warm up the connection pools
	before := heap()
	flood(t, f, 10000)
	after := heap()
	t.Logf("heap in use before %d KiB, after %d KiB", before>>10, after>>10)
	if after > before+8<<20 {
		t.Fatalf("heap grew from %d to %d bytes", before, after)
	}
}

func flood(t testing.TB, f *apiFixture, n int) {
	const clients = 50
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	var failed sync.Once
	for c := range clients {
		wg.Go(func() {
			for i := c; i < n; i += clients {
				var req *http.Request
				if i%2 == 0 {
					req, _ = http.NewRequest("POST", f.base+"/v1/presence", strings.NewReader(post("Zoom", "In-a-Zoom-Meeting")))
				} else {
					req, _ = http.NewRequest("GET", f.base+"/v1/presence", nil)
				}
				req.Header.Set("Authorization", "Bearer "+f.token)
				resp, err := client.Do(req)
				if err != nil {
					failed.Do(func() { t.Error(err) })
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Do(func() { t.Error(fmt.Sprintf("status %d", resp.StatusCode)) })
				}
			}
		})
	}
	wg.Wait()
}

func TestIsLoopback(t *testing.T) {
	cases := []struct {
		addr string
		want bool
		bad  bool
	}{
		{"127.0.0.1:8990", true, false},
		{"[::1]:8990", true, false},
		{"localhost:1", true, false},
		{":8990", false, false},
		{"0.0.0.0:8990", false, false},
		{"192.168.0.100:8989", false, false},
		{"8990", false, true},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			got, err := IsLoopback(c.addr)
			if got != c.want || (err != nil) != c.bad {
				t.Fatalf("= %v, %v", got, err)
			}
		})
	}
}
