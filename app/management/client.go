package management

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/app/httpguard"
	"github.com/earshot-app/earshot/device"
)

// UserAgent is the User-Agent of every request about device d (docs/device-management.md):
//
//	JabraClient/1.0 (Vendor=0B0E; Product=2465; Variant=01-3D; ESN=501AA5D6337F; Firmware=2.0.0; Version=0.1.0)
//
// Vendor and product are 4 upper-case hex digits. Characters that would
// break the header's structure (controls, ";", "(", ")") are left out of the
// values the device reports.
func UserAgent(d device.Device, version string) string {
	return fmt.Sprintf("JabraClient/1.0 (Vendor=%04X; Product=%04X; Variant=%s; ESN=%s; Firmware=%s; Version=%s)",
		d.VendorID, d.ProductID, clean(d.Variant), clean(d.ESN), clean(d.Firmware), clean(version))
}

func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e || r == ';' || r == '(' || r == ')' {
			return -1
		}
		return r
	}, s)
}

// ClientParams are a Client's dependencies.
type ClientParams struct {
	// Endpoint is DEVICEMANAGEMENTENDPOINT, query string and all.
	Endpoint string
	// Username and Password give HTTP Basic authentication when Username
	// is set.
	Username, Password string
	// Version is Earshot's version, in the User-Agent.
	Version string
	// HTTP sends the requests; nil means a client with
	// http.DefaultTransport. Its redirect policy is replaced: redirects
	// stay on the endpoint's origin.
	HTTP *http.Client
	// Timeout bounds one request, answer included; 0 means 30 s.
	Timeout time.Duration
}

// Client asks the device-management endpoint for configurations.
type Client struct {
	p        ClientParams
	endpoint *url.URL
	home     httpguard.Home
	http     *http.Client
}

// NewClient returns a Client, or an error when the endpoint is not an
// absolute http(s) URL.
func NewClient(p ClientParams) (*Client, error) {
	u, err := url.Parse(p.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("device-management endpoint %q is not an http or https URL", config.Redact(p.Endpoint))
	}
	if p.Timeout <= 0 {
		p.Timeout = 30 * time.Second
	}
	home, err := httpguard.NewHome(p.Endpoint, p.Username, p.Password)
	if err != nil {
		return nil, fmt.Errorf("device-management endpoint %q: %w", config.Redact(p.Endpoint), err)
	}
	// The credentials go with each hop only on the endpoint's own origin
	// (httpguard), and a redirect to another origin is refused: the answer
	// decides what is written to devices, so it must come from the
	// endpoint IT configured.
	hc := home.Client(p.HTTP)
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		if httpguard.Origin(req.URL) != home.Origin() {
			return fmt.Errorf("%w: redirected to another origin, %s", ErrHostileAnswer, config.Redact(req.URL.String()))
		}
		return nil
	}
	return &Client{p: p, endpoint: u, home: home, http: hc}, nil
}

// Endpoint is the configured endpoint URL.
func (c *Client) Endpoint() string { return c.p.Endpoint }

// Credentials returns the Basic credentials ("" when none).
func (c *Client) Credentials() (username, password string) { return c.p.Username, c.p.Password }

// SameOrigin tells whether raw is on the endpoint's origin (scheme, host
// and port), so the credentials may go with a request to it.
func (c *Client) SameOrigin(raw string) bool { return httpguard.SameOrigin(raw, c.p.Endpoint) }

// ErrNoConfiguration means the endpoint has no configuration for the device
// (it answered 404 or 204).
var ErrNoConfiguration = errors.New("no configuration for this device")

// Fetch asks the endpoint for d's configuration: a GET of the endpoint URL
// as configured, with d's User-Agent and Basic authentication. It refuses an
// answer other than 200 (404 and 204 give ErrNoConfiguration), a body over
// MaxAnswerBytes, and whatever ParseAnswer refuses.
func (c *Client) Fetch(ctx context.Context, d device.Device) (Answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.p.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.p.Endpoint, nil)
	if err != nil {
		return Answer{}, fmt.Errorf("ask %s: %w", config.Redact(c.p.Endpoint), err)
	}
	req.Header.Set("User-Agent", UserAgent(d, c.p.Version))
	req.Header.Set("Accept", "application/json") // Basic auth: added by c.http on the endpoint's origin
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL would show the query's token
		}
		return Answer{}, fmt.Errorf("ask %s: %w", config.Redact(c.p.Endpoint), err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusNoContent:
		return Answer{}, ErrNoConfiguration
	default:
		return Answer{}, &StatusError{Status: resp.Status, Code: resp.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
	if err != nil {
		return Answer{}, fmt.Errorf("read the answer of %s: %w", config.Redact(c.p.Endpoint), err)
	}
	if len(body) > MaxAnswerBytes {
		return Answer{}, refuse("the body is more than the %d bytes allowed", MaxAnswerBytes)
	}
	return ParseAnswer(body)
}

// StatusError is an answer with an unexpected HTTP status.
type StatusError struct {
	Status string
	Code   int
}

func (e *StatusError) Error() string { return "the endpoint answered " + e.Status }
