package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Metrics receives the counts of what notesd's routes decide, for
// monitoring; it must be safe for concurrent use and quick. notesd's
// Prometheus metrics implement it; httpapi imports no metrics library.
type Metrics interface {
	// Request observes one answered request: r.Pattern is its route
	// pattern ("" when none matched), status what was sent, elapsed how
	// long the answer took (gatehouse.Options.Observe).
	Request(r *http.Request, status int, elapsed time.Duration)
	// Login counts one password check of a login (API or web UI) by
	// outcome: success, bad_credentials, inactive, limited, invalid, busy
	// or error.
	Login(outcome string)
	// Limited counts one attempt a rate limit refused, by rule:
	// login-account, login-ip, refresh-ip or register-ip.
	Limited(rule string)
}

// noMetrics counts nothing: the default.
type noMetrics struct{}

func (noMetrics) Request(*http.Request, int, time.Duration) {}
func (noMetrics) Login(string)                              {}
func (noMetrics) Limited(string)                            {}

// metrics returns Config.Metrics, or one that counts nothing.
func (s *server) metrics() Metrics {
	if s.cfg.Metrics == nil {
		return noMetrics{}
	}
	return s.cfg.Metrics
}

// loginOutcome names the outcome of a password check for Metrics.Login.
func loginOutcome(err error) string {
	var p *problem.Details
	switch {
	case err == nil:
		return "success"
	case errors.Is(err, auth.ErrBusy):
		return "busy"
	case !errors.As(err, &p):
		return "error"
	}
	switch p.Status {
	case http.StatusUnauthorized:
		return "bad_credentials"
	case http.StatusBadRequest:
		return "inactive"
	case http.StatusTooManyRequests:
		return "limited"
	case http.StatusUnprocessableEntity:
		return "invalid"
	}
	return "error"
}

// ruleName is the name of a rate limit rule for Metrics.Limited: its key
// prefix without the colon.
func ruleName(prefix string) string { return strings.TrimSuffix(prefix, ":") }
