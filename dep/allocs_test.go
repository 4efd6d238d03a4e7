//go:build !race

package dep

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// nullWriter is a ResponseWriter that keeps nothing.
type nullWriter struct{ h http.Header }

func (w nullWriter) Header() http.Header       { return w.h }
func (nullWriter) Write(b []byte) (int, error) { return len(b), nil }
func (nullWriter) WriteHeader(int)             {}

// TestAppendedResultNoAllocation: a handler's result that appends its own
// JSON is written without a copy of it made an interface, so serving it
// allocates nothing (the race detector's builds are left out: their
// sync.Pool drops items at random).
func TestAppendedResultNoAllocation(t *testing.T) {
	calls := 0
	h := Handler(None, func(context.Context, struct{}) (appended, error) {
		return appended{A: "a note's title", calls: &calls}, nil
	})
	r := httptest.NewRequest("GET", "/", nil)
	w := nullWriter{h: http.Header{}}
	h.ServeHTTP(w, r) // warm: the pools fill on the first request
	if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != 0 {
		t.Errorf("serving an appended result: %.0f allocations, want 0", n)
	}
	if calls < 100 {
		t.Errorf("AppendJSON called %d times, want at least 100", calls)
	}
}
