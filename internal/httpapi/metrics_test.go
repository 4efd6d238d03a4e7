package httpapi_test

import (
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

// countingMetrics records what Config.Metrics is told.
type countingMetrics struct {
	mu       sync.Mutex
	requests map[string]int
	logins   map[string]int
	limited  map[string]int
}

func (m *countingMetrics) Request(r *http.Request, status int, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[r.Pattern+" "+strconv.Itoa(status)]++
}

func (m *countingMetrics) Login(outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.logins[outcome]++
}

func (m *countingMetrics) Limited(rule string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.limited[rule]++
}

func (m *countingMetrics) snapshot() (requests, logins, limited map[string]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.requests), maps.Clone(m.logins), maps.Clone(m.limited)
}

// TestMetricsCountLoginsAndLimits checks that each request is observed by
// its route pattern and status, each login counted by its outcome and each
// rate-limit refusal by its rule.
func TestMetricsCountLoginsAndLimits(t *testing.T) {
	t.Parallel()
	m := &countingMetrics{requests: map[string]int{}, logins: map[string]int{}, limited: map[string]int{}}
	e := newEnv(t, func(c *httpapi.Config) {
		c.Metrics = m
		c.Limits.LoginPerAccount = 2
	})
	u := e.register("ann@example.com")
	login := func(password string, want int) {
		t.Helper()
		e.must(want, req{method: "POST", path: "/auth/login", form: url.Values{"username": {u.Email}, "password": {password}}})
	}
	login(u.password, 200)
	login("wrong-password", 401)
	login("wrong-password", 401)
	login(u.password, 429) // the account's two failures are used up

	requests, logins, limited := m.snapshot()
	if diff := cmp.Diff(map[string]int{
		"POST /auth/register 201": 1, "POST /auth/login 200": 1, "POST /auth/login 401": 2, "POST /auth/login 429": 1,
	}, requests); diff != "" {
		t.Errorf("requests by pattern and status (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"success": 1, "bad_credentials": 2, "limited": 1}, logins); diff != "" {
		t.Errorf("logins by outcome (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"login-account": 1}, limited); diff != "" {
		t.Errorf("refusals by rule (-want +got):\n%s", diff)
	}
}
