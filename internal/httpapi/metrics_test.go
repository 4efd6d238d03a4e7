package httpapi_test

import (
	"maps"
	"net/url"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

// countingMetrics records what Config.Metrics is told.
type countingMetrics struct {
	mu      sync.Mutex
	logins  map[string]int
	limited map[string]int
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

func (m *countingMetrics) snapshot() (logins, limited map[string]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.logins), maps.Clone(m.limited)
}

// TestMetricsCountLoginsAndLimits checks that each login is counted by its
// outcome and each rate-limit refusal by its rule.
func TestMetricsCountLoginsAndLimits(t *testing.T) {
	t.Parallel()
	m := &countingMetrics{logins: map[string]int{}, limited: map[string]int{}}
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

	logins, limited := m.snapshot()
	if diff := cmp.Diff(map[string]int{"success": 1, "bad_credentials": 2, "limited": 1}, logins); diff != "" {
		t.Errorf("logins by outcome (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"login-account": 1}, limited); diff != "" {
		t.Errorf("refusals by rule (-want +got):\n%s", diff)
	}
}
