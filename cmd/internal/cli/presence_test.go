package cli

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

type presenceJSON struct {
	State, Rule, DecidedBy, Manual string
	Sources                        []struct{ Application, Event, State string }
}

func presenceOf(t *testing.T, data string, environ ...string) presenceJSON {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"presence", "--json", "--data", data}, &stdout, &stderr, environ); code != 0 {
		t.Fatalf("presence --json: exit %d: %s", code, stderr.String())
	}
	var p presenceJSON
	mustDecode(t, stdout.String(), &p)
	return p
}

var hexToken = regexp.MustCompile(`^[0-9a-f]{64}\n$`)

// TestPresenceWithoutOwner: the state kept by hand and the token are read
// and written in the data folder; light needs an owner.
func TestPresenceWithoutOwner(t *testing.T) {
	data := t.TempDir()
	if p := presenceOf(t, data); p.State != "free" || p.Rule != "default" {
		t.Fatalf("fresh: %+v", p)
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string // regexp
		stderr string // substring
	}{
		{"set dnd", []string{"presence", "set", "DND"}, 0, "^Do not disturb — Set by hand in Earshot.\n$", ""},
		{"set an unknown state", []string{"presence", "set", "asleep"}, 2, "^$", `unknown presence state “asleep”`},
		{"set without a state", []string{"presence", "set"}, 2, "^$", "usage: earshot presence"},
		{"an unknown subcommand", []string{"presence", "flip"}, 2, "^$", "usage: earshot presence"},
		{"--new without token", []string{"presence", "--new"}, 2, "^$", "--new"},
		{"light without an owner", []string{"light", "all", "red"}, 1, "^$", "no Earshot is running"},
		{"light with an unknown colour", []string{"light", "all", "mauve"}, 2, "^$", `unknown colour “mauve”`},
		{"light with one argument", []string{"light", "all"}, 2, "^$", "usage: earshot light"},
		{"--blink is not a presence flag", []string{"presence", "--blink"}, 2, "^$", "-blink"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append(c.args, "--data", data), &stdout, &stderr, nil)
			if code != c.code || !regexp.MustCompile(c.stdout).MatchString(stdout.String()) || !strings.Contains(stderr.String(), c.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
			}
		})
	}
	if p := presenceOf(t, data); p.State != "dnd" || p.Manual != "dnd" {
		t.Fatalf("after set dnd: %+v", p)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"presence", "set", "auto", "--data", data}, &stdout, &stderr, nil); code != 0 {
		t.Fatalf("set auto: %d %s", code, stderr.String())
	}
	if p := presenceOf(t, data); p.State != "free" || p.Manual != "" {
		t.Fatalf("after set auto: %+v", p)
	}
	token := func(args ...string) string {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"presence", "token", "--data", data}, args...), &stdout, &stderr, nil); code != 0 || !hexToken.MatchString(stdout.String()) {
			t.Fatalf("token %v: exit %d %q %s", args, code, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	first := token()
	if again := token(); again != first {
		t.Fatal("the token changed by itself")
	}
	if fresh := token("--new"); fresh == first {
		t.Fatal("--new kept the token")
	}
	if st, err := os.Stat(filepath.Join(data, "presence-token")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", st, err)
	}
}

// deskScenario has a busylight and a headset, and a Manual Changer that
// posts Busy at once; the call comes much later.
const deskScenario = `{
  "speed": 1,
  "devices": [
    { "id": "bl", "kind": "busylight", "name": "kuando Busylight Omega", "vendorId": "27BB", "productId": "3BCD" },
    { "id": "hs", "kind": "headset", "name": "Jabra Evolve2 65", "vendorId": "0B0E", "productId": "30A3" }
  ],
  "timeline": [
    { "at": "0s", "do": "presence", "application": "Manual Changer", "event": "Busy" },
    { "at": "1h", "do": "callStart", "device": "hs" }
  ]
}`

// TestPresenceWithOwner runs a headless owner with the presence API on and
// drives it from the command line and over HTTP.
func TestPresenceWithOwner(t *testing.T) {
	data := t.TempDir()
	scenario := filepath.Join(t.TempDir(), "desk.json")
	if err := os.WriteFile(scenario, []byte(deskScenario), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	owner := self(t, "service", "--data", data, "--sim", scenario)
	owner.Env = append(owner.Env, "EARSHOT_PRESENCEAPI=on", "EARSHOT_PRESENCEAPIADDRESS="+addr)
	var ownerErr bytes.Buffer
	owner.Stderr = &ownerErr
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = owner.Process.Kill(); _ = owner.Wait() })
	waitForSocket(t, data)

	var p presenceJSON
	for deadline := time.Now().Add(20 * time.Second); p.State != "busy" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		p = presenceOf(t, data)
	}
	if p.State != "busy" || p.DecidedBy != "Manual Changer" {
		t.Fatalf("owner's presence: %+v", p)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"light", "kuando", "green", "--blink", "--data", data}, &stdout, &stderr, nil); code != 0 {
		t.Fatalf("light: exit %d: %s", code, stderr.String())
	}
	mustContain(t, stdout.String(), "kuando Busylight Omega: green blink")
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"light", "Jabra", "red", "--data", data}, &stdout, &stderr, nil); code != 1 {
		t.Fatalf("light on a headset: exit %d", code)
	}
	mustContain(t, stderr.String(), "has no light")

	// The API, with the token the command prints.
	stdout.Reset()
	if code := run([]string{"presence", "token", "--data", data}, &stdout, &stderr, nil); code != 0 || !hexToken.MatchString(stdout.String()) {
		t.Fatalf("token: %q %s", stdout.String(), stderr.String())
	}
	token := strings.TrimSpace(stdout.String())
	post := func(tok, body string) int {
		req, _ := http.NewRequest("POST", "http://"+addr+"/v1/presence", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("wrong", `{"application":"Zoom","event":"In-a-Zoom-Meeting"}`); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	if code := post(token, `{"application":"Zoom","event":"In-a-Zoom-Meeting"}`); code != http.StatusOK {
		t.Fatalf("post: %d: %s", code, ownerErr.String())
	}
	if p := presenceOf(t, data); p.State != "onthephone" || p.DecidedBy != "Zoom" || len(p.Sources) != 2 {
		t.Fatalf("after Zoom: %+v", p)
	}
	stdout.Reset()
	if code := run([]string{"presence", "set", "dnd", "--data", data}, &stdout, &stderr, nil); code != 0 {
		t.Fatalf("set dnd: %s", stderr.String())
	}
	mustContain(t, stdout.String(), "On the phone — A call on Zoom overrides everything.")
	stdout.Reset()
	if code := run([]string{"presence", "--data", data}, &stdout, &stderr, nil); code != 0 {
		t.Fatal(stderr.String())
	}
	mustContain(t, stdout.String(), "APPLICATION")
	mustContain(t, stdout.String(), "Manual Changer")
	// A new token replaces the old one at once.
	stdout.Reset()
	if code := run([]string{"presence", "token", "--new", "--data", data}, &stdout, &stderr, nil); code != 0 {
		t.Fatal(stderr.String())
	}
	if code := post(token, `{"application":"Zoom","event":"Call Alert"}`); code != http.StatusUnauthorized {
		t.Fatalf("old token after --new: %d", code)
	}
}
