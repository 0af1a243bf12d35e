package firmware

import "testing"

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
