//go:build !race

package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

// TestAllocationBudget holds the hot routes to an allocation budget per
// request (counts, not time: the same on any machine; the race detector's
// builds are left out, since its sync.Pool drops items at random). Today:
// GET /notes/{id} 11 (a note read before, from the note cache; 30 read from
// SQLite), GET /me 9, GET /data 12, request log included; the budgets
// leave a little room. A change that allocates more on the hot path fails
// here and says by how much; BenchmarkGetNote and friends show the bytes
// and the time.
func TestAllocationBudget(t *testing.T) {
	e, tok, key, id := benchEnv(t)
	u, utok, _, uid := benchEnvWith(t, sqlite.Options{NoteCache: -1})
	cases := []struct {
		name   string
		env    *env
		req    func() *http.Request
		budget float64
	}{
		{"GET /notes/{id}", e, func() *http.Request {
			r := httptest.NewRequest("GET", fmtPath("/notes/%d", id), nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			return r
		}, 15},
		{"GET /notes/{id} uncached", u, func() *http.Request {
			r := httptest.NewRequest("GET", fmtPath("/notes/%d", uid), nil)
			r.Header.Set("Authorization", "Bearer "+utok)
			return r
		}, 33},
		{"GET /me", e, func() *http.Request {
			r := httptest.NewRequest("GET", "/me", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			return r
		}, 12},
		{"GET /data", e, func() *http.Request {
			r := httptest.NewRequest("GET", "/data", nil)
			r.Header.Set("X-API-Key", key)
			return r
		}, 15},
	}
	for _, c := range cases {
		r := c.req()
		w := &discardWriter{h: http.Header{}}
		serve := func() {
			clear(w.h)
			w.code = 200
			c.env.api.ServeHTTP(w, r)
		}
		serve() // warm: the caches and pools fill on the first request
		if w.code != 200 {
			t.Fatalf("%s = %d, want 200", c.name, w.code)
		}
		got := testing.AllocsPerRun(200, serve)
		if got > c.budget {
			t.Errorf("%s allocates %.0f times per request, budget %.0f", c.name, got, c.budget)
		}
		t.Logf("%s: %.0f allocations per request (budget %.0f)", c.name, got, c.budget)
	}
}
