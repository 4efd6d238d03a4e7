package httpapi_test

import (
	"context"
	"net/url"
	"runtime"
	"strings"

	"encoding/json"
	"github.com/gatehouse-dev/gatehouse/auth"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/sqlite"
)

// discardWriter is a ResponseWriter that keeps nothing, so benchmarks
// measure the server, not a recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }

// benchHandler serves requests made by newReq through h, failing on any
// status but 200. Request logging stays on (at info, into io.Discard).
func benchHandler(b *testing.B, h http.Handler, newReq func() *http.Request) {
	b.Helper()
	r := newReq()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.code = 200
		h.ServeHTTP(w, r)
		if w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
	}
}

func benchEnv(b testing.TB) (*env, string, string, int64) {
	b.Helper()
	return benchEnvWith(b, sqlite.Options{})
}

// benchEnvWith is benchEnv on a database opened with o.
func benchEnvWith(b testing.TB, o sqlite.Options) (*env, string, string, int64) {
	b.Helper()
	e := newEnvWith(b, o, func(c *httpapi.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	})
	ada := e.register("ada@example.com")
	tok := e.login(ada)
	n := e.createNote(tok, "groceries")
	return e, tok, e.apiKey(ada, []string{notes.ScopeRead}), n.ID
}

// BenchmarkGetNote is GET /notes/{id} with a bearer token: JWT, live
// session and user, scope check, owner-scoped read (of a note read before,
// so from the note cache), JSON, request log.
func BenchmarkGetNote(b *testing.B) { benchGetNote(b, sqlite.Options{}) }

// BenchmarkGetNoteUncached is BenchmarkGetNote without the note cache:
// every request reads SQLite.
func BenchmarkGetNoteUncached(b *testing.B) { benchGetNote(b, sqlite.Options{NoteCache: -1}) }

func benchGetNote(b *testing.B, o sqlite.Options) {
	e, tok, _, id := benchEnvWith(b, o)
	benchHandler(b, e.api, func() *http.Request {
		r := httptest.NewRequest("GET", fmtPath("/notes/%d", id), nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return r
	})
}

// BenchmarkMe is GET /me with a bearer token.
func BenchmarkMe(b *testing.B) {
	e, tok, _, _ := benchEnv(b)
	benchHandler(b, e.api, func() *http.Request {
		r := httptest.NewRequest("GET", "/me", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return r
	})
}

// BenchmarkData is GET /data with an API key.
func BenchmarkData(b *testing.B) {
	e, _, key, _ := benchEnv(b)
	benchHandler(b, e.api, func() *http.Request {
		r := httptest.NewRequest("GET", "/data", nil)
		r.Header.Set("X-API-Key", key)
		return r
	})
}

// BenchmarkBare is the baseline: a bare net/http handler writing a note of
// the same shape as JSON.
func BenchmarkBare(b *testing.B) {
	type note struct {
		ID        int64     `json:"id"`
		Title     string    `json:"title"`
		Body      string    `json:"body"`
		OwnerID   int64     `json:"owner_id"`
		CreatedAt time.Time `json:"created_at"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	n := note{1, "groceries", "body of groceries", 1, time.Now(), time.Now()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(n)
	})
	benchHandler(b, mux, func() *http.Request { return httptest.NewRequest("GET", "/notes/1", nil) })
}

// BenchmarkLogin measures logins/s with production argon2id parameters
// and a hash pool of one worker per CPU, against the ideal of
// CPUs ÷ one hash's time, measured in the same run (reported as
// "of-ideal"). Logins are argon2id-bound by design.
func BenchmarkLogin(b *testing.B) {
	hasher := auth.NewHasher(auth.HasherConfig{Queue: 1 << 10}) // default params, GOMAXPROCS workers
	e := newEnv(b, func(c *httpapi.Config) {
		c.Hasher = hasher
		c.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
		c.Limits.LoginPerIP = 1 << 30
	})
	ada := e.register("ada@example.com")
	body := url.Values{"username": {ada.Email}, "password": {ada.password}}.Encode()

	// One hash alone, several times, for the ideal.
	ctx := context.Background()
	start := time.Now()
	const solo = 5
	for range solo {
		if _, err := hasher.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
	oneHash := time.Since(start) / solo
	cpus := runtime.GOMAXPROCS(0)
	ideal := float64(cpus) / oneHash.Seconds()

	b.SetParallelism(2) // 2 × GOMAXPROCS callers keep every worker busy
	b.ResetTimer()
	began := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			r := httptest.NewRequest("POST", "/auth/login", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			clear(w.h)
			w.code = 200
			e.api.ServeHTTP(w, r)
			if w.code != 200 {
				b.Errorf("login status %d", w.code)
				return
			}
		}
	})
	perSec := float64(b.N) / time.Since(began).Seconds()
	b.ReportMetric(perSec, "logins/s")
	b.ReportMetric(ideal, "ideal-logins/s")
	b.ReportMetric(perSec/ideal, "of-ideal")
}
