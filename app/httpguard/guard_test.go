package httpguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestOrigin(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"default https port made explicit", "https://H.example/p?q=1", "https://h.example:443"},
		{"default http port", "http://h", "http://h:80"},
		{"explicit port kept", "http://127.0.0.1:8080/x", "http://127.0.0.1:8080"},
		{"IPv6", "http://[::1]:9/x", "http://[::1]:9"},
		{"trailing dot", "https://h.example./", "https://h.example:443"},
		{"protocol-relative has none", "//h/x", ""},
		{"relative has none", "x/y", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := Origin(u); got != tt.want {
				t.Errorf("Origin(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       bool
	}{
		{"same", "https://h/a", "https://h/b?x", true},
		{"default port written out", "https://h/a", "https://h:443/b", true},
		{"case", "HTTPS://H/a", "https://h/b", true},
		{"other port", "http://127.0.0.1:80/a", "http://127.0.0.1:81/a", false},
		{"other scheme", "http://h/a", "https://h/a", false},
		{"subdomain", "https://h/a", "https://x.h/a", false},
		{"protocol-relative", "https://h/a", "//h/a", false},
		{"unparsable", "https://h/a", "http://[::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameOrigin(tt.a, tt.b); got != tt.want {
				t.Errorf("SameOrigin(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestIsLocalHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST.": true, "a.localhost": true, "127.0.0.1": true, "127.5.6.7": true,
		"::1": true, "169.254.169.254": true, "fe80::1": true, "fe80::1%eth0": true, "0.0.0.0": true, "::": true,
		"::ffff:127.0.0.1": true, "10.0.0.1": false, "example.com": false, "localhost.example.com": false, "8.8.8.8": false,
	} {
		if got := IsLocalHost(host); got != want {
			t.Errorf("IsLocalHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// recorder is a loopback server that records what each request carried.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newRecorder(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *recorder {
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, fmt.Sprintf("auth=%q query=%q", r.Header.Get("Authorization"), r.URL.RawQuery))
		rec.mu.Unlock()
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

// TestClientOnEveryHop: the credentials are added on the home origin and
// removed elsewhere, with the home's query parameters, across redirects
// that Go's own rule would let keep them.
func TestClientOnEveryHop(t *testing.T) {
	other := newRecorder(t, nil)
	home := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/go" {
			http.Redirect(w, r, other.URL+"/x?"+r.URL.Query().Get("to"), http.StatusFound)
		}
	})
	h, err := NewHome(home.URL+"/ep?Token=T0K", "user", "pa55")
	if err != nil {
		t.Fatal(err)
	}
	c := h.Client(nil)
	tests := []struct {
		name, url        string
		wantHome         string // the home's last request ("" = none)
		wantOther        string // the other's last request ("" = none)
		wantHomeRequests int
	}{
		{name: "home gets the credentials", url: home.URL + "/ep?Token=T0K",
			wantHome: `auth="Basic dXNlcjpwYTU1" query="Token=T0K"`},
		{name: "another port gets neither", url: other.URL + "/x?Token=T0K&mine=1",
			wantOther: `auth="" query="mine=1"`},
		{name: "a redirect to another port loses them", url: home.URL + "/go?to=" + url.QueryEscape("Token=T0K&v=2"),
			wantHome: `auth="Basic dXNlcjpwYTU1" query="to=Token%3DT0K%26v%3D2"`, wantOther: `auth="" query="v=2"`},
		{name: "a token of another value is not the endpoint's", url: other.URL + "/x?Token=other",
			wantOther: `auth="" query="Token=other"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nh, no := len(home.requests()), len(other.requests())
			req, _ := http.NewRequest(http.MethodGet, tt.url, nil)
			req.Header.Set("Authorization", "Basic c3RhbGU6c3RhbGU=") // set by a careless caller
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			check := func(who string, all []string, before int, want string) {
				t.Helper()
				got := all[before:]
				switch {
				case want == "" && len(got) > 0:
					t.Errorf("%s got %q, want nothing", who, got)
				case want != "" && (len(got) == 0 || got[len(got)-1] != want):
					t.Errorf("%s got %q, want %q", who, got, want)
				}
			}
			check("home", home.requests(), nh, tt.wantHome)
			check("other", other.requests(), no, tt.wantOther)
		})
	}
}

// TestRefuseLocal: a home off this machine refuses local addresses,
// literally, by name, and on a redirect; a home on this machine does not.
func TestRefuseLocal(t *testing.T) {
	local := newRecorder(t, nil)
	port := local.URL[strings.LastIndex(local.URL, ":")+1:]
	remote, err := NewHome("https://dm.example/ep", "", "")
	if err != nil {
		t.Fatal(err)
	}
	remote = remote.RefuseLocal()
	remote.lookup = func(_ context.Context, host string) ([]net.IPAddr, error) {
		if host == "sneaky.example" {
			return []net.IPAddr{{IP: net.ParseIP("127.0.0.1")}}, nil
		}
		return nil, errors.New("no such host")
	}
	tests := []struct {
		name, url string
	}{
		{"literal loopback", local.URL + "/fw.zip"},
		{"localhost", "http://localhost:" + port + "/fw.zip"},
		{"a name that resolves to loopback", "http://sneaky.example:" + port + "/fw.zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := remote.CheckLocal(tt.url); tt.name != "a name that resolves to loopback" && !errors.Is(err, ErrLocalAddress) {
				t.Errorf("CheckLocal = %v, want ErrLocalAddress", err)
			}
			_, err := remote.Client(nil).Get(tt.url)
			if !errors.Is(err, ErrLocalAddress) {
				t.Errorf("Get = %v, want ErrLocalAddress", err)
			}
		})
	}
	if n := len(local.requests()); n > 0 {
		t.Errorf("the local server was asked %d times", n)
	}
	onLoopback, err := NewHome(local.URL+"/ep", "", "")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := onLoopback.RefuseLocal().Client(nil).Get(local.URL + "/fw.zip")
	if err != nil {
		t.Fatalf("a loopback endpoint may use loopback: %v", err)
	}
	resp.Body.Close()
}
