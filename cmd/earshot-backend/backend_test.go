package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/app/firmware"
)

func newTestBackend(t *testing.T, user, pass string) (*Backend, *httptest.Server, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "backend")
	if err := writeExample(dir); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "configs", "501AA5D6337F.json"), []byte(`{"firmware": {}, "settings": {"X": "esn"}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "configs", "0B0E-30A4-01-96.json"), []byte(`{"firmware": {}, "settings": {"X": "variant"}}`), 0o644)
	b, err := NewBackend(Params{Dir: dir, Events: filepath.Join(dir, "events.jsonl"), Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b)
	t.Cleanup(func() { srv.Close(); b.Close() })
	return b, srv, dir
}

func ua(vendor, product, variant, esn string) string {
	return fmt.Sprintf("JabraClient/1.0 (Vendor=%s; Product=%s; Variant=%s; ESN=%s; Firmware=1.25.0; Version=0.1.0)",
		vendor, product, variant, esn)
}

func get(t *testing.T, url, userAgent string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("User-Agent", userAgent)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestParseUserAgent(t *testing.T) {
	got, ok := ParseUserAgent("JabraClient/1.0 (Vendor=0B0E; Product=2465; Variant=01-3D; ESN=501AA5D6337F; Firmware=2.0.0; Version=1.4.4735.0)")
	want := UserAgent{Vendor: "0B0E", Product: "2465", Variant: "01-3D", ESN: "501AA5D6337F", Firmware: "2.0.0", Version: "1.4.4735.0"}
	if !ok || got != want {
		t.Errorf("ParseUserAgent = %+v, %v", got, ok)
	}
	if _, ok := ParseUserAgent("Mozilla/5.0"); ok {
		t.Error("accepted a browser")
	}
}

func TestAnswers(t *testing.T) {
	_, srv, _ := newTestBackend(t, "", "")
	tests := []struct {
		name, ua, want string
		status         int
	}{
		{name: "per ESN", ua: ua("0B0E", "30A4", "01-96", "501AA5D6337F"), want: `"esn"`, status: 200},
		{name: "per model variant", ua: ua("0B0E", "30A4", "01-96", "OTHER"), want: `"variant"`, status: 200},
		{name: "per model", ua: ua("0B0E", "30A4", "01-99", "OTHER"), want: `"1.27.0"`, status: 200},
		{name: "default", ua: ua("0B0E", "2465", "01-3D", "X"), want: `{"firmware": {}, "settings": {}}`, status: 200},
		{name: "path tricks stay in configs", ua: ua("0B0E", "30A4", "01-96", "../../etc/passwd"), want: `"variant"`, status: 200},
		{name: "no JabraClient", ua: "curl/8", status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+managementPath, tc.ua)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
		})
	}
}

func TestFirmwareWithRange(t *testing.T) {
	_, srv, dir := newTestBackend(t, "", "")
	full, _ := os.ReadFile(filepath.Join(dir, "Firmware", "Jabra-Evolve2-85-1.27.0.zip"))
	url := srv.URL + managementPath + "/Firmware/Jabra-Evolve2-85-1.27.0.zip"
	resp, body := get(t, url, ua("0B0E", "30A4", "01-96", "E"), "Range", "bytes=1000-")
	if resp.StatusCode != http.StatusPartialContent || body != string(full[1000:]) {
		t.Errorf("range: %d, %d bytes", resp.StatusCode, len(body))
	}
	for _, bad := range []string{"/Firmware/..%2Fconfigs%2Fdefault.json", "/Firmware/.hidden", "/Firmware/missing.zip"} {
		if resp, _ := get(t, srv.URL+managementPath+bad, "x"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", bad, resp.StatusCode)
		}
	}
}

func TestEventsAndPage(t *testing.T) {
	b, srv, dir := newTestBackend(t, "", "")
	post := func(path, body string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		req.Header.Set("User-Agent", "JabraLogging")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	get(t, srv.URL+managementPath, ua("0B0E", "30A4", "01-96", "501AA5D6337F"))
	if code := post(eventsPath, `{"EventType": "DeviceAdded", "ESN": "501AA5D6337F", "DeviceName": "Jabra Evolve2 85", "FirmwareVersion": "1.25.0"}`); code != 200 {
		t.Fatalf("post: %d", code)
	}
	if code := post(managementPath, `{"EventType": "FirmwareUpdateCompleted", "ESN": "501AA5D6337F", "FirmwareUpdateCompletedStatus": "Failure", "FirmwareUpdateFailureDescription": "Unexpected failure"}`); code != 200 {
		t.Fatalf("post to the management endpoint (Ovoc): %d", code)
	}
	if code := post(eventsPath, `[1, 2]`); code != 400 {
		t.Errorf("an array was accepted: %d", code)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	sc := bufio.NewScanner(bytes.NewReader(raw))
	var types []string
	for sc.Scan() {
		var line struct {
			Received  time.Time
			UserAgent string
			Event     map[string]any
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if line.UserAgent != "JabraLogging" || line.Received.IsZero() {
			t.Errorf("line %+v", line)
		}
		types = append(types, line.Event["EventType"].(string))
	}
	if strings.Join(types, ",") != "DeviceAdded,FirmwareUpdateCompleted" {
		t.Errorf("events file holds %v", types)
	}
	_, page := get(t, srv.URL+"/", "browser")
	for _, want := range []string{"Jabra Evolve2 85", "501AA5D6337F", "0B0E:30A4 01-96", "501AA5D6337F.json",
		"FirmwareUpdateCompleted — Failure: Unexpected failure", "DeviceAdded"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	// A restarted backend lists what it received before.
	b.Close()
	b2, err := NewBackend(Params{Dir: dir, Events: filepath.Join(dir, "events.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if s := b2.snapshot(); len(s) != 1 || len(s[0].Events) != 2 {
		t.Errorf("after restart: %+v", s)
	}
}

func TestBasicAuth(t *testing.T) {
	_, srv, _ := newTestBackend(t, "it", "pw")
	if resp, _ := get(t, srv.URL+managementPath, ua("0B0E", "30A4", "01-96", "E")); resp.StatusCode != 401 {
		t.Errorf("without credentials: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+managementPath, nil)
	req.Header.Set("User-Agent", ua("0B0E", "30A4", "01-96", "E"))
	req.SetBasicAuth("it", "pw")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("with credentials: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func TestRunListensOnLoopback(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"--listen", "127.0.0.1:bad", "--dir", t.TempDir()}, &out, &errOut, func(string) string { return "" })
	if code != 1 {
		t.Errorf("bad address: exit %d", code)
	}
	if code := run([]string{"--nope"}, &out, &errOut, func(string) string { return "" }); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
}

// The example folder's firmware is in Jabra's own archive format, with GN
// checksums a stager accepts.
func TestExampleFirmwareIsInJabrasFormat(t *testing.T) {
	_, _, dir := newTestBackend(t, "", "")
	raw, err := os.ReadFile(filepath.Join(dir, "Firmware", "Jabra-Evolve2-85-1.27.0.zip"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := firmware.OpenArchive(bytes.NewReader(raw), int64(len(raw)), firmware.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Info.GN || a.Info.Version != "1.27.0" || len(a.Info.Files) != 4 || a.Info.Files[0].Partition != "0" {
		t.Errorf("info = %+v", a.Info)
	}
	if err := a.CheckCRCs(); err != nil {
		t.Error(err)
	}
}
