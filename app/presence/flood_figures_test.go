package presence

import (
	"context"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rssKiB reads this process's resident set size (Linux only; 0 elsewhere).
func rssKiB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}

// TestAPIFloodFigures measures the API under 10 000 requests from 50
// clients on loopback (half POST, half GET), and in the same run a
// baseline: the same server settings and clients against a handler that
// only answers {}. Run it with EARSHOT_FIGURES=1; the figures go to
// docs/PERFORMANCE.md.
func TestAPIFloodFigures(t *testing.T) {
	if os.Getenv("EARSHOT_FIGURES") == "" {
		t.Skip("figures: set EARSHOT_FIGURES=1")
	}
	const n = 10000
	f := startAPI(t, 64)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := NewAPI(APIParams{Service: f.s, Tokens: f.tokens}).Server()
	base.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}\n"))
	})
	go func() { _ = base.Serve(ln) }()
	defer base.Shutdown(context.Background())
	baseline := &apiFixture{base: "http://" + ln.Addr().String(), token: f.token}

	for _, c := range []struct {
		name string
		fx   *apiFixture
	}{{"baseline {} handler", baseline}, {"presence API", f}, {"baseline {} handler again", baseline}, {"presence API again", f}} {
		flood(t, c.fx, 1000)
		runtime.GC()
		before := rssKiB()
		start := time.Now()
		flood(t, c.fx, n)
		took := time.Since(start)
		runtime.GC()
		after := rssKiB()
		t.Logf("%-26s %6.0f req/s  RSS before %d KiB, after %d KiB", c.name, float64(n)/took.Seconds(), before, after)
	}
}
