package dep_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/dep"
)

type benchUser struct {
	ID     int64
	Name   string
	Active bool
}

// discard is a ResponseWriter that keeps nothing, so the benchmark measures
// the dependency layer rather than a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header       { return d.h }
func (*discard) Write(b []byte) (int, error) { return len(b), nil }
func (*discard) WriteHeader(int)             {}

// BenchmarkChain4 resolves a 4-deep chain (token → claims → user → active
// user) and a handler that returns a renderer writing nothing, so what is
// measured is the dependency layer itself.
func BenchmarkChain4(b *testing.B) {
	u := &benchUser{ID: 1, Name: "ada", Active: true}
	token := dep.New("token", func(r *http.Request) (string, error) { return r.Header.Get("Authorization"), nil })
	claims := dep.Derive(token, func(_ context.Context, t string) (int64, error) { return int64(len(t)), nil })
	user := dep.Derive(claims, func(_ context.Context, id int64) (*benchUser, error) { return u, nil })
	active := dep.Derive(user, func(_ context.Context, u *benchUser) (*benchUser, error) { return u, nil })
	h := dep.Handler(active, func(context.Context, *benchUser) (dep.NoContent, error) { return dep.NoContent{}, nil })
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer x")
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

// BenchmarkBare is the baseline: the same work written by hand in a plain
// http.HandlerFunc.
func BenchmarkBare(b *testing.B) {
	u := &benchUser{ID: 1, Name: "ada", Active: true}
	lookup := func(id int64) *benchUser { return u }
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := r.Header.Get("Authorization")
		if u := lookup(int64(len(t))); u.Active {
			w.WriteHeader(http.StatusNoContent)
		}
	})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer x")
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

type benchNote struct {
	Title string   `json:"title" openapi:"minLength=1,maxLength=200"`
	Body  string   `json:"body" openapi:"optional,maxBytes=100000"`
	Tags  []string `json:"tags,omitempty" openapi:"maxItems=10"`
}

// BenchmarkJSON decodes a small note body: the rule pass plus the decode.
func BenchmarkJSON(b *testing.B) {
	h := dep.Handler(dep.JSON[benchNote](), func(context.Context, benchNote) (dep.NoContent, error) { return dep.NoContent{}, nil })
	const body = `{"title":"groceries","body":"milk, eggs, bread and a little more text","tags":["home","todo"]}`
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(w, req)
	}
}

// BenchmarkPath resolves an int64 path parameter: the parse of every
// GET /notes/{id}.
func BenchmarkPath(b *testing.B) {
	id := dep.Path[int64]("id")
	h := dep.Handler(id, func(context.Context, int64) (dep.NoContent, error) { return dep.NoContent{}, nil })
	mux := http.NewServeMux()
	mux.Handle("GET /notes/{id}", h)
	req := httptest.NewRequest("GET", "/notes/12345", nil)
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		mux.ServeHTTP(w, req)
	}
}
