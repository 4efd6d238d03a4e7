package gatehouse_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/dep"
)

// TestObserve checks that Options.Observe sees every answered request with
// its route pattern (none for an unmatched path) and the status sent.
func TestObserve(t *testing.T) {
	t.Parallel()
	type seen struct {
		pattern string
		status  int
	}
	var (
		mu  sync.Mutex
		got []seen
	)
	api := gatehouse.New(gatehouse.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Observe: func(r *http.Request, status int, elapsed time.Duration) {
			if elapsed < 0 {
				t.Errorf("Observe elapsed = %v, want >= 0", elapsed)
			}
			mu.Lock()
			defer mu.Unlock()
			got = append(got, seen{r.Pattern, status})
		},
	})
	api.Handle("GET /things/{id}", dep.Handler(dep.None, hello), gatehouse.Public("test"))

	tests := []struct {
		name   string
		method string
		path   string
		want   seen
	}{
		{"matched", http.MethodGet, "/things/7", seen{"GET /things/{id}", http.StatusOK}},
		{"unmatched path", http.MethodGet, "/nowhere", seen{"", http.StatusNotFound}},
		{"wrong method", http.MethodDelete, "/things/7", seen{"", http.StatusMethodNotAllowed}},
	}
	for _, tt := range tests {
		mu.Lock()
		got = nil
		mu.Unlock()
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		mu.Lock()
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s: Observe saw %+v, want [%+v]", tt.name, got, tt.want)
		}
		mu.Unlock()
		if rec.Code != tt.want.status {
			t.Errorf("%s: status = %d, want %d", tt.name, rec.Code, tt.want.status)
		}
	}
}
