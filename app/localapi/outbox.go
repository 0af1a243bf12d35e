package localapi

import (
	"context"
	"net/http"

	"github.com/earshot-app/earshot/app/analytics"
)

// OutboxOwner is what GET /v1/outbox serves (analytics.Uploader).
type OutboxOwner interface {
	Status() ([]analytics.EndpointStatus, error)
}

// ServeOutbox answers GET /v1/outbox with every analytics endpoint's
// figures (the `earshot outbox --json` shape). Call it before Serve.
func (s *Server) ServeOutbox(o OutboxOwner) {
	s.mux.HandleFunc("GET /v1/outbox", func(w http.ResponseWriter, _ *http.Request) {
		sts, err := o.Status()
		if err != nil {
			s.logger.Error("local API: outbox status", "err", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if sts == nil {
			sts = []analytics.EndpointStatus{}
		}
		writeJSON(w, sts)
	})
}

// Outbox asks the owner for its analytics endpoints' figures.
func (c *Client) Outbox(ctx context.Context) ([]analytics.EndpointStatus, error) {
	var sts []analytics.EndpointStatus
	return sts, c.get(ctx, "/v1/outbox", &sts)
}
