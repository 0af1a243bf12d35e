package analytics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCredentialsStayOnTheEndpointsOrigin: with a client that follows
// redirects, a 307 from the endpoint to another port of the same host gets
// neither the Basic credentials nor the endpoint's Token (Go keeps the
// Authorization header for the same host name; httpguard does not).
func TestCredentialsStayOnTheEndpointsOrigin(t *testing.T) {
	tests := []struct {
		name   string
		status int
		query  string // of the Location
	}{
		{name: "307 to another port", status: http.StatusTemporaryRedirect},
		{name: "308 to another port echoing the token", status: http.StatusPermanentRedirect, query: "?Token=abc123&keep=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := newSink(t, nil)
			home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if u, p, _ := r.BasicAuth(); u != "desk-user" || p != "s3cret-pass" {
					http.Error(w, "no credentials at home", http.StatusUnauthorized)
					return
				}
				http.Redirect(w, r, other.URL+"/ev"+tt.query, tt.status)
			}))
			defer home.Close()
			st := openStore(t)
			u := startUploader(t, UploaderParams{Store: st, Endpoints: []string{home.URL + "/ev?Token=abc123"},
				Username: "desk-user", Password: "s3cret-pass", Client: &http.Client{}})
			evs := desk(testBuilder())
			enqueueEvents(t, st, headset.Key(), evs[:2]...)
			waitFor(t, "delivered through the redirect", drained(t, u))
			reqs := other.Requests()
			if len(reqs) == 0 {
				t.Fatal("the other origin got nothing")
			}
			for _, r := range reqs {
				if r.User != "" || r.Password != "" || strings.Contains(r.Query, "abc123") {
					t.Errorf("the other origin got the endpoint's credentials or token: %+v", r)
				}
				if tt.query != "" && !strings.Contains(r.Query, "keep=1") {
					t.Errorf("the other origin's own query was cut: %q", r.Query)
				}
			}
		})
	}
}
