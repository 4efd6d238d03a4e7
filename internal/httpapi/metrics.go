package httpapi

import (
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
)

// Metrics receives the counts of what notesd's routes decide, for
// monitoring; it must be safe for concurrent use and quick. notesd's
// Prometheus metrics implement it; httpapi imports no metrics library.
type Metrics interface {
	// Request observes one answered request: r.Pattern is its route
	// pattern ("" when none matched), status what was sent, elapsed how
	// long the answer took (gatehouse.Options.Observe).
	Request(r *http.Request, status int, elapsed time.Duration)
	// Metrics counts logins by outcome and rate-limit refusals.
	accounts.Metrics
}

// observe is the API's Observe: Metrics.Request, or nothing.
func (s *server) observe() func(*http.Request, int, time.Duration) {
	if s.cfg.Metrics == nil {
		return nil
	}
	return s.cfg.Metrics.Request
}
