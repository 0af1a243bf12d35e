package management

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// bigAnswer is an answer with 500 settings, a large configuration.
func bigAnswer() string {
	var b strings.Builder
	b.WriteString(`{"firmware": {"version": "2.0.0", "downloadUrl": "Firmware/x.zip"}, "settings": {`)
	for i := range 500 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"SETTING_%d": "%d"`, i, i%7)
	}
	b.WriteString("}}")
	return b.String()
}

// BenchmarkFetch asks a loopback endpoint for a 500-setting answer: the
// request, the capped read and the parse of one poll.
func BenchmarkFetch(b *testing.B) {
	body := []byte(bigAnswer())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) }))
	defer srv.Close()
	c, err := NewClient(ClientParams{Endpoint: srv.URL + "/ep?Token=T", Username: "u", Password: "p", Version: "1"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.Fetch(context.Background(), headset); err != nil {
			b.Fatal(err)
		}
	}
}
