package gatehouse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/dep"
)

// requestLine returns the one JSON request line in logs.
func requestLine(t *testing.T, logs *bytes.Buffer) map[string]any {
	t.Helper()
	for l := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		if m["msg"] == "request" {
			return m
		}
	}
	t.Fatalf("no request line in %q", logs.String())
	return nil
}

func TestRequestIDKeptWhenValid(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, in string
		keep     bool
	}{
		{"plain", "abc-123", true},
		{"all classes", "A.z_0-9", true},
		{"64 chars", strings.Repeat("a", 64), true},
		{"65 chars", strings.Repeat("a", 65), false},
		{"space", "a b", false},
		{"newline", "a\nlevel=ERROR", false},
		{"quote", `a"b`, false},
		{"non-ASCII", "é", false},
		{"empty", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			api := gatehouse.New(gatehouse.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			api.Handle("GET /x", dep.Handler(dep.None, func(context.Context, struct{}) (string, error) { return "ok", nil }), gatehouse.Public("test"))
			r := httptest.NewRequest("GET", "/x", nil)
			r.Header["X-Request-Id"] = []string{tt.in}
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, r)
			got := rec.Header().Get("X-Request-Id")
			if (got == tt.in) != tt.keep || got == "" {
				t.Fatalf("X-Request-Id %q answered as %q, want kept=%v", tt.in, got, tt.keep)
			}
			if id := requestLine(t, &logs)["request_id"]; id != got {
				t.Errorf("logged request_id %q, answered %q", id, got)
			}
		})
	}
}

func TestRequestLineAttrs(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	api := gatehouse.New(gatehouse.Options{
		Logger:   slog.New(slog.NewJSONHandler(&logs, nil)),
		ClientIP: func(*http.Request) string { return "203.0.113.9" },
	})
	api.Handle("GET /items/{id}", dep.Handler(dep.None, func(ctx context.Context, _ struct{}) (string, error) {
		dep.AddLogAttrs(ctx, slog.String("user_id", "42"))
		return "ok", nil
	}), gatehouse.Public("test"))
	api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/items/secret-in-path?token=abc", nil))
	line := requestLine(t, &logs)
	for k, want := range map[string]any{"ip": "203.0.113.9", "user_id": "42", "route": "GET /items/{id}", "method": "GET", "status": 200.0} {
		if line[k] != want {
			t.Errorf("request line %s = %v, want %v (line %v)", k, line[k], want, line)
		}
	}
	if _, ok := line["duration_ms"].(float64); !ok {
		t.Errorf("request line has no duration_ms: %v", line)
	}
	if strings.Contains(logs.String(), "secret-in-path") || strings.Contains(logs.String(), "abc") {
		t.Errorf("the log holds the path or query: %s", logs.String())
	}
}

// TestRequestLineSource: a logger with AddSource gets a source on request
// lines, in gatehouse; one without gets none.
func TestRequestLineSource(t *testing.T) {
	t.Parallel()
	for _, addSource := range []bool{true, false} {
		var logs bytes.Buffer
		api := gatehouse.New(gatehouse.Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{AddSource: addSource}))})
		api.Handle("GET /x", dep.Handler(dep.None, func(context.Context, struct{}) (string, error) { return "ok", nil }), gatehouse.Public("test"))
		api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
		src, ok := requestLine(t, &logs)["source"].(map[string]any)
		switch {
		case addSource && (!ok || !strings.HasSuffix(src["file"].(string), "gatehouse.go") ||
			!strings.HasPrefix(src["function"].(string), "github.com/gatehouse-dev/gatehouse.")):
			t.Errorf("request line's source with AddSource = %v, want gatehouse.go in package gatehouse", src)
		case !addSource && ok:
			t.Errorf("request line's source without AddSource = %v, want none", src)
		}
	}
}
