package management

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
)

// mirror is a second loopback server, on another port than the
// device-management endpoint: another origin. It serves an archive and
// records what each request carried.
type mirror struct {
	archive []byte
	mu      sync.Mutex
	seen    []string // "path auth=… query=…"
}

func (m *mirror) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.seen = append(m.seen, fmt.Sprintf("%s auth=%q query=%q", r.URL.Path, r.Header.Get("Authorization"), r.URL.RawQuery))
	m.mu.Unlock()
	http.ServeContent(w, r, "fw.zip", time.Time{}, strings.NewReader(string(m.archive)))
}

func (m *mirror) requests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.seen...)
}

// TestIntegrationCredentialsStayOnTheirOrigin: the Basic password and the
// endpoint's Token go to the endpoint's exact origin only, on every hop of
// a firmware download. Go itself keeps the Authorization header on a
// redirect to the same host name on another port, and a protocol-relative
// downloadUrl used to get the Token appended.
func TestIntegrationCredentialsStayOnTheirOrigin(t *testing.T) {
	archive := firmwaretest.Archive("1.27.0", []uint16{0x30A4}, 20_000)
	tests := []struct {
		name string
		// downloadURL builds the answer's downloadUrl from the mirror's
		// host:port.
		downloadURL func(mirrorHost string) string
		// redirect, when set, makes the endpoint answer the firmware path
		// with a 302 to the mirror.
		redirect bool
	}{
		{name: "302 from the endpoint to another port on 127.0.0.1",
			downloadURL: func(string) string { return "Firmware/fw.zip" }, redirect: true},
		{name: "protocol-relative downloadUrl",
			downloadURL: func(h string) string { return "//" + h + "/fw.zip" }},
		{name: "absolute downloadUrl on another port",
			downloadURL: func(h string) string { return "http://" + h + "/fw.zip" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &mirror{archive: archive}
			other := httptest.NewServer(m)
			defer other.Close()
			otherHost := strings.TrimPrefix(other.URL, "http://")
			be := &loopbackBackend{t: t, firmware: map[string][]byte{}, answers: map[string]string{"501AA5D6337F": fmt.Sprintf(
				`{"firmware": {"version": "1.27.0", "downloadUrl": %q}, "settings": {}}`, tt.downloadURL(otherHost))}}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.redirect && strings.HasPrefix(r.URL.Path, "/api/dm/Firmware/") {
					u, p, _ := r.BasicAuth()
					if u != "fleet" || p != "Pa55:word!" || r.URL.Query().Get("Token") != "T0K" {
						http.Error(w, "the endpoint's own firmware path lacks the credentials", http.StatusForbidden)
						return
					}
					http.Redirect(w, r, other.URL+"/fw.zip", http.StatusFound)
					return
				}
				be.ServeHTTP(w, r)
			}))
			defer srv.Close()
			s := startStack(t, `{"speed": 100, "devices": [
				{"id": "hs1", "kind": "headset", "name": "Jabra Evolve2 85", "vendorId": "0B0E", "productId": "30A4",
				 "variant": "01-96", "esn": "501AA5D6337F", "firmware": "1.25.0", "connection": "USB",
				 "firmwareUpdate": {"result": "Success", "seconds": 1}}], "timeline": []}`, srv.URL+"/api/dm?Token=T0K")
			s.settle(t, "the download from the other origin", func() bool { return len(m.requests()) > 0 })
			s.settle(t, "the update", func() bool { return len(s.events(t, "FirmwareUpdateCompleted")) > 0 })
			for _, r := range m.requests() {
				if strings.Contains(r, "Basic") || strings.Contains(r, "T0K") {
					t.Errorf("the other origin got the endpoint's credentials or token: %s", r)
				}
			}
			if _, _, noAuth := be.seen(); len(noAuth) > 0 {
				t.Errorf("the endpoint itself got requests without Basic auth: %v", noAuth)
			}
			if strings.Contains(s.logs.String(), "Pa55") || strings.Contains(s.logs.String(), "T0K") {
				t.Errorf("a secret in the log:\n%s", s.logs.String())
			}
		})
	}
}

// TestApplyRefusesLocalDownloadURL: an endpoint that is not on this machine
// cannot point a download at a loopback or link-local address.
func TestApplyRefusesLocalDownloadURL(t *testing.T) {
	m := &mirror{archive: firmwaretest.Archive("1.27.0", []uint16{0x30A4}, 2000)}
	local := httptest.NewServer(m)
	defer local.Close()
	port := local.URL[strings.LastIndex(local.URL, ":")+1:]
	tests := []struct {
		name, downloadURL string
	}{
		{"loopback address", local.URL + "/fw.zip"},
		{"localhost by name", "http://localhost:" + port + "/fw.zip"},
		{"IPv6 loopback", "http://[::1]:" + port + "/fw.zip"},
		{"unspecified address", "http://0.0.0.0:" + port + "/fw.zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDesk(t, "https://dm.example/api/ep?Token=T0K")
			d.apply(t, fmt.Sprintf(`{"firmware": {"version": "1.27.0", "downloadUrl": %q}, "settings": {}}`, tt.downloadURL))
			c, found, err := d.st.AppliedConfig("501AA5D6337F")
			if err != nil || !found {
				t.Fatalf("nothing recorded: %v", err)
			}
			if !strings.HasPrefix(c.FirmwareOutcome, "refused") || !strings.Contains(c.FirmwareOutcome, "loopback or link-local") {
				t.Errorf("firmware outcome %q, want a refusal naming the local address", c.FirmwareOutcome)
			}
			if r := m.requests(); len(r) > 0 {
				t.Errorf("the local server was asked: %v", r)
			}
		})
	}
}
