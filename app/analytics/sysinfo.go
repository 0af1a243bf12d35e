package analytics

import (
	"bufio"
	"net"
	"os"
	"os/user"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/earshot-app/earshot/device/clock"
)

// DetectSystem describes this computer: host name, the user running
// Earshot, the OS and the addresses of its network interfaces. It is the
// real SystemInfo source; tests pass their own.
func DetectSystem() SystemInfo {
	si := SystemInfo{}
	si.MachineName, _ = os.Hostname()
	if u, err := user.Current(); err == nil {
		si.UserName = u.Username
	}
	si.OsName, si.OsVersion = osNameVersion()
	si.IPAddresses = ipAddresses()
	return si
}

// ipAddresses returns the unicast addresses of the interfaces that are up,
// loopback and IPv6 link-local left out, sorted.
func ipAddresses() []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLoopback() || n.IP.IsLinkLocalUnicast() || n.IP.IsMulticast() || n.IP.IsUnspecified() {
			continue
		}
		out = append(out, n.IP.String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// CachedSystem returns a SystemInfo source that calls detect at most once
// per ttl of clk's time, so every event does not ask the OS again, while a
// changed IP address still shows within ttl.
func CachedSystem(clk clock.Clock, ttl time.Duration, detect func() SystemInfo) func() SystemInfo {
	var mu sync.Mutex
	var cached SystemInfo
	var at time.Time
	return func() SystemInfo {
		mu.Lock()
		defer mu.Unlock()
		now := clk.Now()
		if at.IsZero() || now.Sub(at) >= ttl || now.Before(at) {
			cached, at = detect(), now
		}
		return cached
	}
}

// parseOSRelease reads the name and version out of an os-release file
// (freedesktop.org): NAME and VERSION_ID, falling back to PRETTY_NAME and
// VERSION.
func parseOSRelease(content string) (name, version string) {
	vals := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(content))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		vals[strings.TrimSpace(k)] = v
	}
	name = firstNonEmpty(vals["NAME"], vals["PRETTY_NAME"])
	version = firstNonEmpty(vals["VERSION_ID"], vals["VERSION"])
	return name, version
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
