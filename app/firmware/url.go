package firmware

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/app/httpguard"
)

// ResolveURL turns a downloadUrl of a device-management answer into the URL
// to fetch (docs/device-management.md). An absolute http, https or ftp URL is used as given. A
// relative one is resolved against the endpoint URL taken as a folder
// ("https://h/api/ep" + "Firmware/x.zip" → "https://h/api/ep/Firmware/x.zip"),
// and the endpoint's query string is appended to it ("?Token=XXXX") when it
// stays on the endpoint's origin: a protocol-relative reference
// ("//other:8080/fw.zip") is another origin and does not get the token. Any
// other scheme is refused, and so is a URL to a loopback or link-local
// address when the endpoint is not on one (httpguard.Home.RefuseLocal).
func ResolveURL(endpoint, downloadURL string) (string, error) {
	u, err := resolveURL(endpoint, downloadURL)
	if err != nil {
		return "", err
	}
	if home, herr := httpguard.NewHome(endpoint, "", ""); herr == nil {
		if err := home.RefuseLocal().CheckLocal(u); err != nil {
			return "", fmt.Errorf("resolve firmware URL: %w", err)
		}
	}
	return u, nil
}

func resolveURL(endpoint, downloadURL string) (string, error) {
	downloadURL = strings.TrimSpace(downloadURL)
	if downloadURL == "" {
		return "", errors.New("resolve firmware URL: downloadUrl is empty")
	}
	ref, err := url.Parse(downloadURL)
	if err != nil {
		return "", fmt.Errorf("resolve firmware URL: downloadUrl is not a URL: %w", err)
	}
	if ref.Scheme != "" {
		switch strings.ToLower(ref.Scheme) {
		case "http", "https", "ftp":
			if ref.Host == "" {
				return "", fmt.Errorf("resolve firmware URL: %s URL without a host", ref.Scheme)
			}
			return downloadURL, nil
		}
		return "", fmt.Errorf("resolve firmware URL: scheme %q is not http, https or ftp", ref.Scheme)
	}
	base, err := url.Parse(endpoint)
	if err != nil || base.Host == "" {
		return "", errors.New("resolve firmware URL: the device-management endpoint is not an absolute URL")
	}
	query := base.RawQuery
	base.RawQuery, base.Fragment = "", ""
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
		if base.RawPath != "" {
			base.RawPath += "/"
		}
	}
	u := base.ResolveReference(ref)
	u.Fragment = ""
	if query != "" && httpguard.Origin(u) == httpguard.Origin(base) {
		if u.RawQuery == "" {
			u.RawQuery = query
		} else {
			u.RawQuery += "&" + query
		}
	}
	return u.String(), nil
}

// redact masks credentials and query values, as Staged.Source records them.
func redact(raw string) string { return config.Redact(raw) }
