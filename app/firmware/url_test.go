package firmware

import (
	"net/url"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/app/httpguard"
)

func TestResolveURL(t *testing.T) {
	tests := []struct {
		name, endpoint, download, want string
		wantErr                        bool
	}{
		{name: "relative against the endpoint as a folder", endpoint: "https://myserver/api/myendpoint",
			download: "Firmware/Jabra-Evolve-75-2.0.0.zip", want: "https://myserver/api/myendpoint/Firmware/Jabra-Evolve-75-2.0.0.zip"},
		{name: "the endpoint's query is appended", endpoint: "https://myserver/api/myendpoint/?Token=XXXX",
			download: "Firmware/Jabra-Evolve-75-2.0.0.zip", want: "https://myserver/api/myendpoint/Firmware/Jabra-Evolve-75-2.0.0.zip?Token=XXXX"},
		{name: "query without a trailing slash", endpoint: "https://h/api/ep?Token=a%2Bb&x=1",
			download: "Firmware/x.zip", want: "https://h/api/ep/Firmware/x.zip?Token=a%2Bb&x=1"},
		{name: "both queries kept", endpoint: "https://h/ep?Token=T", download: "fw/x.zip?v=2",
			want: "https://h/ep/fw/x.zip?v=2&Token=T"},
		{name: "port kept", endpoint: "http://127.0.0.1:8080/dm", download: "x.zip", want: "http://127.0.0.1:8080/dm/x.zip"},
		{name: "absolute https used as given", endpoint: "https://h/ep?Token=T", download: "https://cdn.example/fw/x.zip",
			want: "https://cdn.example/fw/x.zip"},
		{name: "absolute http used as given", endpoint: "https://h/ep", download: "http://cdn/x.zip?a=1", want: "http://cdn/x.zip?a=1"},
		{name: "absolute ftp used as given", endpoint: "https://h/ep", download: "ftp://files.example/x.zip", want: "ftp://files.example/x.zip"},
		{name: "dot-dot stays on the host", endpoint: "https://h/api/ep", download: "../fw/x.zip", want: "https://h/api/fw/x.zip"},
		{name: "fragment dropped", endpoint: "https://h/ep#frag", download: "x.zip#y", want: "https://h/ep/x.zip"},
		{name: "file scheme refused", endpoint: "https://h/ep", download: "file:///etc/passwd", wantErr: true},
		{name: "javascript refused", endpoint: "https://h/ep", download: "javascript:alert(1)", wantErr: true},
		{name: "empty refused", endpoint: "https://h/ep", download: " ", wantErr: true},
		{name: "absolute without host", endpoint: "https://h/ep", download: "https:///x.zip", wantErr: true},
		{name: "relative with a bad endpoint", endpoint: "not a url", download: "x.zip", wantErr: true},
		{name: "protocol-relative is another origin: no token", endpoint: "https://h/ep?Token=T",
			download: "//other:8443/fw.zip", want: "https://other:8443/fw.zip"},
		{name: "protocol-relative to the endpoint's own origin keeps the token", endpoint: "https://h/ep?Token=T",
			download: "//h:443/fw.zip", want: "https://h:443/fw.zip?Token=T"},
		{name: "loopback refused for a remote endpoint", endpoint: "https://h/ep", download: "http://127.0.0.1:9000/x.zip", wantErr: true},
		{name: "protocol-relative loopback refused", endpoint: "https://h/ep", download: "//localhost/x.zip", wantErr: true},
		{name: "link-local refused", endpoint: "https://h/ep", download: "http://169.254.169.254/x.zip", wantErr: true},
		{name: "IPv6 link-local refused", endpoint: "https://h/ep", download: "http://[fe80::1]/x.zip", wantErr: true},
		{name: "loopback allowed for a loopback endpoint", endpoint: "http://127.0.0.1:8080/dm",
			download: "http://localhost:9000/x.zip", want: "http://localhost:9000/x.zip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveURL(tc.endpoint, tc.download)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ResolveURL error = %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("ResolveURL(%q, %q) = %q, want %q", tc.endpoint, tc.download, got, tc.want)
			}
		})
	}
}

// FuzzResolveURL: whatever the answer's downloadUrl, the endpoint's token
// goes only to the endpoint's own origin, and a remote endpoint never gets
// a URL to a local address. The corpus (testdata/fuzz/FuzzResolveURL)
// holds the protocol-relative case of issue 9.
func FuzzResolveURL(f *testing.F) {
	for _, seed := range []struct{ endpoint, download string }{
		{"https://dm.example/api/ep?Token=S3CRET", "Firmware/x.zip"},
		{"https://dm.example/api/ep?Token=S3CRET", "//other.example:8443/fw.zip"},
		{"http://127.0.0.1:8080/dm?Token=S3CRET", "//127.0.0.1:9090/fw.zip"},
		{"https://dm.example/ep?Token=S3CRET", "http://169.254.169.254/latest"},
		{"https://dm.example/ep?Token=S3CRET", "///x.zip"},
		{"https://dm.example/ep?Token=S3CRET", "\\\\other\\x.zip"},
	} {
		f.Add(seed.endpoint, seed.download)
	}
	f.Fuzz(func(t *testing.T, endpoint, download string) {
		got, err := ResolveURL(endpoint, download)
		if err != nil {
			return
		}
		ep, err := url.Parse(endpoint)
		if err != nil {
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("ResolveURL(%q, %q) = %q, not a URL: %v", endpoint, download, got, err)
		}
		if httpguard.Origin(u) != httpguard.Origin(ep) {
			for _, vs := range ep.Query() {
				for _, v := range vs {
					// The endpoint's value, added by ResolveURL rather than
					// written in the downloadUrl itself.
					if len(v) >= 4 && strings.Contains(got, url.QueryEscape(v)) && !strings.Contains(download, url.QueryEscape(v)) && !strings.Contains(download, v) {
						t.Fatalf("ResolveURL(%q, %q) = %q carries the endpoint's %q to another origin", endpoint, download, got, v)
					}
				}
			}
		}
		if httpguard.IsLocalHost(u.Hostname()) && !httpguard.IsLocalHost(ep.Hostname()) && ep.Host != "" {
			t.Fatalf("ResolveURL(%q, %q) = %q, a local address for a remote endpoint", endpoint, download, got)
		}
	})
}
