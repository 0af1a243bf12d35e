// Package httpguard keeps credentials and tokens on the origin they were
// configured for. Every HTTP client of Earshot that sends them (device
// management polls, firmware downloads, analytics posts) goes through a
// Home: on each hop of a request, the first and every redirect, the Basic
// credentials are attached only when the request goes to the exact origin
// (scheme, host and port) of the configured endpoint, and elsewhere the
// Authorization header and the endpoint's query parameters are removed.
//
// Go's own redirect rule keeps the Authorization header for the same host
// name on another port and for subdomains; this package does not rely on
// it.
package httpguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Origin returns u's origin as "scheme://host:port": scheme and host in
// lower case, the scheme's default port made explicit. A URL without a
// scheme or a host (a relative or protocol-relative reference) has no
// origin: "".
func Origin(u *url.URL) string {
	if u == nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		case "ftp":
			port = "21"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// SameOrigin tells whether the URLs a and b have one origin. An unparsable
// URL, or one without an origin, is nobody's origin.
func SameOrigin(a, b string) bool {
	ua, err := url.Parse(a)
	if err != nil {
		return false
	}
	ub, err := url.Parse(b)
	if err != nil {
		return false
	}
	oa := Origin(ua)
	return oa != "" && oa == Origin(ub)
}

// Home is a configured endpoint: the origin its credentials and query
// belong to.
type Home struct {
	origin             string
	username, password string
	query              url.Values // the endpoint's own query: tokens
	local              bool       // the endpoint is on a loopback or link-local address
	refuseLocal        bool
	lookup             func(ctx context.Context, host string) ([]net.IPAddr, error)
}

// NewHome returns the Home of endpoint (an absolute URL). username and
// password, when username is set, are sent as HTTP Basic authentication to
// that origin only.
func NewHome(endpoint, username, password string) (Home, error) {
	u, err := url.Parse(endpoint)
	if err != nil || Origin(u) == "" {
		return Home{}, errors.New("the endpoint is not an absolute URL")
	}
	return Home{origin: Origin(u), username: username, password: password, query: u.Query(),
		local: IsLocalHost(u.Hostname()), lookup: net.DefaultResolver.LookupIPAddr}, nil
}

// Origin is the Home's origin.
func (h Home) Origin() string { return h.origin }

// Local tells whether the endpoint itself is on a loopback or link-local
// address.
func (h Home) Local() bool { return h.local }

// RefuseLocal returns h set to refuse every request to a loopback or
// link-local address (literal, "localhost", or a name that resolves to
// one), unless the endpoint itself is on one. It guards what an endpoint's
// answer points at (a downloadUrl) from reaching services on this machine.
func (h Home) RefuseLocal() Home {
	h.refuseLocal = !h.local
	return h
}

// ErrLocalAddress is wrapped by the error of a request Home.RefuseLocal
// refused.
var ErrLocalAddress = errors.New("a loopback or link-local address, which the endpoint is not on")

// CheckLocal returns an error wrapping ErrLocalAddress when h refuses local
// addresses and raw's host is one (literally or by name). It does not
// resolve names.
func (h Home) CheckLocal(raw string) error {
	if !h.refuseLocal {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if IsLocalHost(u.Hostname()) {
		return fmt.Errorf("%s is %w", u.Hostname(), ErrLocalAddress)
	}
	return nil
}

// IsLocalHost tells whether host (a name or a literal address, IPv6
// without brackets) is loopback, link-local or unspecified without a name
// lookup: "localhost" and its subdomains, 127.0.0.0/8, ::1, 169.254.0.0/16,
// fe80::/10, 0.0.0.0 and ::.
func IsLocalHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if i := strings.IndexByte(host, '%'); i >= 0 { // a zone: fe80::1%eth0
		host = host[:i]
	}
	ip := net.ParseIP(host)
	return ip != nil && isLocalIP(ip)
}

func isLocalIP(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified()
}

// Client returns a copy of c (nil: a zero http.Client) whose every request
// goes through h: the transport of c (nil: http.DefaultTransport) sees a
// request with h's credentials on h's origin and without the Authorization
// header and h's query parameters anywhere else. c's redirect policy is
// kept.
func (h Home) Client(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	}
	next := out.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	out.Transport = &transport{h: h, next: next}
	return &out
}

// transport applies a Home to each request.
type transport struct {
	h    Home
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.checkLocal(req); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	r := req.Clone(req.Context())
	if Origin(req.URL) == t.h.origin {
		if t.h.username != "" {
			r.SetBasicAuth(t.h.username, t.h.password)
		}
	} else {
		r.Header.Del("Authorization")
		r.URL.RawQuery = t.h.strip(r.URL)
	}
	return t.next.RoundTrip(r)
}

// strip returns u's query without the parameters (name and value) of the
// endpoint's query.
func (h Home) strip(u *url.URL) string {
	if len(h.query) == 0 || u.RawQuery == "" {
		return u.RawQuery
	}
	var kept []string
	for _, part := range strings.Split(u.RawQuery, "&") {
		k, v, _ := strings.Cut(part, "=")
		name, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 == nil && err2 == nil && contains(h.query[name], value) {
			continue
		}
		// A parameter that does not decode is kept as it is: it cannot
		// be one of the endpoint's, which did decode.
		kept = append(kept, part)
	}
	return strings.Join(kept, "&")
}

func contains(values []string, v string) bool {
	for _, x := range values {
		if x == v && x != "" {
			return true
		}
	}
	return false
}

// checkLocal refuses a request to a local address when h says so: by the
// host as written, then by the addresses its name resolves to (a lookup
// that fails is left to the transport, which will fail the same way).
func (t *transport) checkLocal(req *http.Request) error {
	if !t.h.refuseLocal {
		return nil
	}
	host := req.URL.Hostname()
	if IsLocalHost(host) {
		return fmt.Errorf("%s is %w", host, ErrLocalAddress)
	}
	if net.ParseIP(host) != nil || t.h.lookup == nil {
		return nil
	}
	addrs, err := t.h.lookup(req.Context(), host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if isLocalIP(a.IP) {
			return fmt.Errorf("%s resolves to %s, %w", host, a.IP, ErrLocalAddress)
		}
	}
	return nil
}
