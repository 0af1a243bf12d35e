package management

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/earshot-app/earshot/device"
)

var headset = device.Device{Info: device.Info{ID: "hs1", Kind: device.KindHeadset, Name: "Jabra Evolve 75",
	VendorID: 0x0B0E, ProductID: 0x2465, Variant: "01-3D", ESN: "501AA5D6337F", Firmware: "2.0.0"}}

func TestUserAgent(t *testing.T) {
	tests := []struct {
		name string
		d    device.Device
		want string
	}{
		{name: "the example of docs/device-management.md", d: headset,
			want: "JabraClient/1.0 (Vendor=0B0E; Product=2465; Variant=01-3D; ESN=501AA5D6337F; Firmware=2.0.0; Version=1.4.4735.0)"},
		{name: "four upper-case hex digits", d: device.Device{Info: device.Info{VendorID: 0xb, ProductID: 0x30a4, ESN: "x"}},
			want: "JabraClient/1.0 (Vendor=000B; Product=30A4; Variant=; ESN=x; Firmware=; Version=1.4.4735.0)"},
		{name: "hostile device strings cannot break the header", d: device.Device{Info: device.Info{VendorID: 1, ProductID: 2,
			Variant: "01-3D); Evil=(1", ESN: "AB\r\nX-Injected: 1", Firmware: "2.0 beta"}},
			want: "JabraClient/1.0 (Vendor=0001; Product=0002; Variant=01-3DEvil=1; ESN=ABX-Injected:1; Firmware=2.0beta; Version=1.4.4735.0)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := UserAgent(tc.d, "1.4.4735.0"); got != tc.want {
				t.Errorf("UserAgent =\n %q, want\n %q", got, tc.want)
			}
		})
	}
}

func TestFetch(t *testing.T) {
	const good = `{"firmware": {}, "settings": {"WIRELESS_RANGE": "3"}}`
	tests := []struct {
		name    string
		handler func(other string) http.HandlerFunc
		wantErr string
		wantNo  bool // ErrNoConfiguration
	}{
		{name: "ok", handler: func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(good)) }
		}},
		{name: "redirect on the same host", handler: func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/moved" {
					http.Redirect(w, r, "/moved?"+r.URL.RawQuery, http.StatusFound)
					return
				}
				w.Write([]byte(good))
			}
		}},
		{name: "redirect to another port refused", handler: func(other string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other+"/steal", http.StatusFound) }
		}, wantErr: "redirected to another origin"},
		{name: "huge body capped", handler: func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"firmware": {}, "settings": {"A": "`))
				chunk := []byte(strings.Repeat("x", 64<<10))
				for range 64 {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			}
		}, wantErr: "more than the 1048576 bytes allowed"},
		{name: "non-JSON", handler: func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>maintenance</html>")) }
		}, wantErr: "not JSON"},
		{name: "server error", handler: func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) }
		}, wantErr: "503"},
		{name: "not found: no configuration", handler: func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
		}, wantNo: true},
		{name: "slow: timeout", handler: func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			}
		}, wantErr: "deadline exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				t.Errorf("the other host was asked, with %q", r.Header.Get("Authorization"))
			}))
			defer other.Close()
			var seen []*http.Request
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = append(seen, r.Clone(context.Background()))
				tc.handler(other.URL)(w, r)
			}))
			defer srv.Close()
			c, err := NewClient(ClientParams{Endpoint: srv.URL + "/api/ep?Token=XXXX", Username: "it", Password: "s3cret!",
				Version: "1.4.4735.0", Timeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			ans, err := c.Fetch(context.Background(), headset)
			switch {
			case tc.wantNo:
				if !errors.Is(err, ErrNoConfiguration) {
					t.Fatalf("err = %v, want ErrNoConfiguration", err)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "XXXX") || strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error shows a secret: %v", err)
				}
			default:
				if err != nil || ans.Settings["WIRELESS_RANGE"] != "3" {
					t.Fatalf("Fetch = %+v, %v", ans, err)
				}
			}
			srv.Close() // waits for the handlers, so seen is complete
			for _, r := range seen {
				if ua := r.Header.Get("User-Agent"); ua != UserAgent(headset, "1.4.4735.0") {
					t.Errorf("User-Agent = %q", ua)
				}
				if u, p, ok := r.BasicAuth(); !ok || u != "it" || p != "s3cret!" {
					t.Errorf("%s without Basic auth", r.URL)
				}
				if r.URL.Query().Get("Token") != "XXXX" {
					t.Errorf("query lost: %s", r.URL)
				}
				if r.Method != http.MethodGet {
					t.Errorf("method %s", r.Method)
				}
			}
		})
	}
}

func TestNewClientRefusesBadEndpoints(t *testing.T) {
	for _, ep := range []string{"", "ftp://h/x", "/relative", "https://"} {
		if _, err := NewClient(ClientParams{Endpoint: ep}); err == nil {
			t.Errorf("NewClient(%q) accepted", ep)
		}
	}
}
