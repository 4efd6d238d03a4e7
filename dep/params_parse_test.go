package dep_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/dep"
)

// noteID is a named scalar: it parses through its kind.
type noteID int64

// pathValue serves raw as the path parameter "v" of a route whose
// dependency is dep.Path[T]("v") and returns the status and what the
// handler got (or the problem's body).
func pathValue[T dep.Scalar](t *testing.T, raw string) (int, string) {
	t.Helper()
	h := dep.Handler(dep.Path[T]("v"), func(_ context.Context, v T) (string, error) { return fmt.Sprint(v), nil })
	mux := http.NewServeMux()
	mux.Handle("GET /x/{v}", h)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/x/"+raw, nil))
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

// TestPathScalars: every scalar kind parses, exact and named types alike,
// and a value out of its range or of the wrong form is 422 naming the kind.
func TestPathScalars(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		run      func(t *testing.T) (int, string)
		code     int
		contains string
	}{
		{"string", func(t *testing.T) (int, string) { return pathValue[string](t, "abc") }, 200, `"abc"`},
		{"int64", func(t *testing.T) (int, string) { return pathValue[int64](t, "-42") }, 200, `"-42"`},
		{"int64 overflow", func(t *testing.T) (int, string) { return pathValue[int64](t, "9223372036854775808") }, 422, "must be a valid int64"},
		{"int", func(t *testing.T) (int, string) { return pathValue[int](t, "7") }, 200, `"7"`},
		{"int32", func(t *testing.T) (int, string) { return pathValue[int32](t, "2147483647") }, 200, `"2147483647"`},
		{"int32 overflow", func(t *testing.T) (int, string) { return pathValue[int32](t, "2147483648") }, 422, "must be a valid int32"},
		{"uint", func(t *testing.T) (int, string) { return pathValue[uint](t, "8") }, 200, `"8"`},
		{"uint32 negative", func(t *testing.T) (int, string) { return pathValue[uint32](t, "-1") }, 422, "must be a valid uint32"},
		{"uint64", func(t *testing.T) (int, string) { return pathValue[uint64](t, "18446744073709551615") }, 200, `"18446744073709551615"`},
		{"bool", func(t *testing.T) (int, string) { return pathValue[bool](t, "true") }, 200, `"true"`},
		{"bool bad", func(t *testing.T) (int, string) { return pathValue[bool](t, "yes") }, 422, "must be a valid bool"},
		{"float64", func(t *testing.T) (int, string) { return pathValue[float64](t, "1.5") }, 200, `"1.5"`},
		{"float64 bad", func(t *testing.T) (int, string) { return pathValue[float64](t, "x") }, 422, "must be a valid float64"},
		{"named int64", func(t *testing.T) (int, string) { return pathValue[noteID](t, "12") }, 200, `"12"`},
		{"named int64 bad", func(t *testing.T) (int, string) { return pathValue[noteID](t, "1x") }, 422, "must be a valid int64"},
		{"int64 bad", func(t *testing.T) (int, string) { return pathValue[int64](t, "12a") }, 422, "path.v: must be a valid int64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, body := c.run(t)
			if code != c.code || !strings.Contains(body, c.contains) {
				t.Errorf("GET /x/… = %d %s, want %d with %s", code, body, c.code, c.contains)
			}
		})
	}
}
