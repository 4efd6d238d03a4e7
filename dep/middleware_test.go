package dep_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-dev/gatehouse/dep"
)

// TestMiddlewareReleaseSeesOutcome: behind Middleware, a release function
// learns whether the plain handler failed (5xx or panic), so a transaction
// it opened rolls back; it ran with nil before.
func TestMiddlewareReleaseSeesOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    error
	}{
		{"200 commits", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) }, nil},
		{"implicit 200 commits", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }, nil},
		{"404 commits", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) }, nil},
		{"500 rolls back", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }, dep.ErrServerError},
		{"503 rolls back", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }, dep.ErrServerError},
		{"panic rolls back", func(http.ResponseWriter, *http.Request) { panic("boom") }, dep.ErrServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got error = errors.New("release not run")
			tx := dep.Open("tx", func(*http.Request) (int, func(error) error, error) {
				return 1, func(err error) error { got = err; return nil }, nil
			})
			h := dep.Middleware(tx, nil)(tt.handler)
			func() {
				defer func() { _ = recover() }()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			}()
			if !errors.Is(got, tt.want) && got != tt.want {
				t.Errorf("release got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestValueFrom: a plain handler behind Middleware reads what it resolved.
func TestValueFrom(t *testing.T) {
	t.Parallel()
	name := dep.New("name", func(r *http.Request) (string, error) { return r.URL.Query().Get("n"), nil })
	other := dep.New("other", func(*http.Request) (string, error) { return "never", nil })
	var got, miss string
	var ok, missOK bool
	h := dep.Middleware(name, nil)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got, ok = dep.ValueFrom(r.Context(), name)
		miss, missOK = dep.ValueFrom(r.Context(), other)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/?n=ada", nil))
	if got != "ada" || !ok {
		t.Errorf("ValueFrom(name) = %q, %v, want ada, true", got, ok)
	}
	if miss != "" || missOK {
		t.Errorf("ValueFrom(unresolved) = %q, %v, want \"\", false", miss, missOK)
	}
	if _, ok := dep.ValueFrom(context.Background(), name); ok {
		t.Error("ValueFrom without Middleware reported a value")
	}
}
