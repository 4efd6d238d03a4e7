package gatehouse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/problem"
)

var errDomain = errors.New("domain: no such thing")

func quietAPI(logs io.Writer) *gatehouse.API {
	return gatehouse.New(gatehouse.Options{
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		MapError: func(err error) *problem.Details {
			if errors.Is(err, errDomain) {
				return problem.NotFound("Thing")
			}
			return nil
		},
	})
}

func hello(context.Context, struct{}) (string, error) { return "hello", nil }

func TestHandleRefusesUnprotectedRoute(t *testing.T) {
	t.Parallel()
	api := quietAPI(io.Discard)
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, `"GET /open"`) || !strings.Contains(msg, "Public") {
			t.Fatalf("Handle of an unprotected route: recover() = %q, want a panic naming the route and Public", msg)
		}
	}()
	api.Handle("GET /open", dep.Handler(dep.None, hello))
	t.Fatal("Handle accepted a route with no protection and no Public")
}

func TestHandleAcceptsProtectedAndPublic(t *testing.T) {
	t.Parallel()
	api := quietAPI(io.Discard)
	api.Handle("GET /open", dep.Handler(dep.None, hello), gatehouse.Public("landing page"))
	api.Handle("GET /key", dep.Handler(auth.APIKeyHeader("X-API-Key"), func(_ context.Context, k string) (string, error) { return "ok", nil }))
	if got := len(api.Routes()); got != 2 {
		t.Fatalf("Routes() has %d routes, want 2", got)
	}
}

func TestErrorsAreProblems(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	api := quietAPI(&logs)
	api.Handle("GET /things/{id}", dep.Handler(dep.Path[int64]("id"), func(_ context.Context, id int64) (string, error) {
		switch id {
		case 1:
			return "", errDomain
		case 2:
			return "", errors.New("connection refused: password=hunter2")
		case 3:
			panic("boom")
		}
		return "thing", nil
	}), gatehouse.Public("test"))
	api.Handle("POST /things", dep.Handler(dep.None, hello), gatehouse.Public("test"))

	tests := []struct {
		name, method, path string
		wantCode           int
		wantDetail         string
		wantAllow          string
	}{
		{"mapped domain error", "GET", "/things/1", 404, "Thing not found", ""},
		{"unknown error is generic", "GET", "/things/2", 500, "Internal Server Error", ""},
		{"panic is generic", "GET", "/things/3", 500, "Internal Server Error", ""},
		{"no route", "GET", "/nowhere", 404, "Not Found", ""},
		{"wrong method keeps Allow", "DELETE", "/things/5", 405, "Method Not Allowed", "GET, HEAD"},
		{"bad path value", "GET", "/things/x", 422, "path.id: must be a valid int64", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			api.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.wantCode {
				t.Fatalf("%s %s = %d, want %d (%s)", tt.method, tt.path, rec.Code, tt.wantCode, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != problem.ContentType {
				t.Fatalf("Content-Type = %q, want problem+json", ct)
			}
			var p problem.Details
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Detail != tt.wantDetail || p.Status != tt.wantCode {
				t.Fatalf("body = %s, want detail %q", rec.Body, tt.wantDetail)
			}
			if got := rec.Header().Get("Allow"); got != tt.wantAllow {
				t.Fatalf("Allow = %q, want %q", got, tt.wantAllow)
			}
			if strings.Contains(rec.Body.String(), "hunter2") || strings.Contains(rec.Body.String(), "boom") {
				t.Fatalf("body leaks the cause: %s", rec.Body)
			}
		})
	}
	if !strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), "boom") {
		t.Errorf("the causes of the 500s were not logged: %s", logs.String())
	}
	if strings.Contains(logs.String(), "?") {
		t.Errorf("logs hold a query string: %s", logs.String())
	}
}

func TestQueryStringNotLogged(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	api := quietAPI(&logs)
	api.Handle("GET /data", dep.Handler(auth.APIKeyQuery("api_key"), func(_ context.Context, k string) (string, error) { return "ok", nil }))
	api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/data?api_key=gk_supersecret", nil))
	if strings.Contains(logs.String(), "supersecret") || !strings.Contains(logs.String(), `route="GET /data"`) {
		t.Fatalf("request log = %q, want the route without the query", logs.String())
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	api := gatehouse.New(gatehouse.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BodyLimit: 10})
	api.Handle("POST /echo", dep.Handler(dep.Request(), func(_ context.Context, r *http.Request) (string, error) {
		b, err := io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", problem.TooLarge(mbe.Limit)
		}
		return string(b), err
	}), gatehouse.Public("test"))
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("POST", "/echo", strings.NewReader(strings.Repeat("x", 11))))
	if rec.Code != 413 {
		t.Fatalf("11 bytes over a 10-byte limit = %d, want 413", rec.Code)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	newAPI := func(origins ...string) *gatehouse.API {
		api := gatehouse.New(gatehouse.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CORSOrigins: origins})
		api.Handle("GET /x", dep.Handler(dep.None, hello), gatehouse.Public("test"))
		return api
	}
	tests := []struct {
		name       string
		api        *gatehouse.API
		method     string
		origin     string
		preflight  bool
		wantCode   int
		wantOrigin string
	}{
		{"off by default", newAPI(), "GET", "https://app.example", false, 200, ""},
		{"preflight refused when off", newAPI(), "OPTIONS", "https://app.example", true, 405, ""},
		{"allowed origin", newAPI("https://app.example"), "GET", "https://app.example", false, 200, "https://app.example"},
		{"other origin", newAPI("https://app.example"), "GET", "https://evil.example", false, 200, ""},
		{"preflight of allowed origin", newAPI("https://app.example"), "OPTIONS", "https://app.example", true, 204, "https://app.example"},
		{"preflight of other origin", newAPI("https://app.example"), "OPTIONS", "https://evil.example", true, 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/x", nil)
			r.Header.Set("Origin", tt.origin)
			if tt.preflight {
				r.Header.Set("Access-Control-Request-Method", "GET")
			}
			rec := httptest.NewRecorder()
			tt.api.ServeHTTP(rec, r)
			if rec.Code != tt.wantCode || rec.Header().Get("Access-Control-Allow-Origin") != tt.wantOrigin {
				t.Fatalf("got %d, Allow-Origin %q; want %d, %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), tt.wantCode, tt.wantOrigin)
			}
			if rec.Header().Get("Access-Control-Allow-Credentials") != "" {
				t.Fatal("credentials allowed cross-origin")
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	api := quietAPI(io.Discard)
	api.Handle("GET /x", dep.Handler(dep.None, hello), gatehouse.Public("test"))
	for _, path := range []string{"/x", "/missing"} {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		for h, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		} {
			if got := rec.Header().Get(h); got != want {
				t.Errorf("GET %s %s = %q, want %q", path, h, got, want)
			}
		}
	}
}

// TestHeaderValuesArePerResponse: a handler that writes into a header
// value it was given changes its own response only.
func TestHeaderValuesArePerResponse(t *testing.T) {
	t.Parallel()
	api := quietAPI(io.Discard)
	api.Handle("GET /meddle", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for _, vs := range w.Header() {
			for i := range vs {
				vs[i] = "meddled"
			}
		}
	}), gatehouse.Public("test"))
	api.Handle("GET /x", dep.Handler(dep.None, hello), gatehouse.Public("test"))
	api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/meddle", nil))
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	for _, h := range []string{"X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy"} {
		if got := rec.Header().Get(h); got == "meddled" {
			t.Errorf("after a handler wrote into its header values, the next response's %s = %q", h, got)
		}
	}
}

// TestHandleRefusesPublicOwnerOrRole: a Public route cannot ask for an
// owner or a role, which only an authenticated principal has; this is the
// issue's forge, which the route table printed as "public … owner-scoped".
func TestHandleRefusesPublicOwnerOrRole(t *testing.T) {
	t.Parallel()
	type user = subjectUser
	forged := dep.New("forged", func(*http.Request) (auth.Principal[user], error) { return auth.Principal[user]{}, nil })
	tests := []struct {
		name string
		h    http.Handler
	}{
		{"owner", dep.Handler(auth.OwnerOf[int64](forged), func(context.Context, auth.Owner[int64]) (string, error) { return "", nil })},
		{"admin", dep.Handler(auth.RequireAdmin(forged), func(context.Context, auth.Privileged[user]) (string, error) { return "", nil })},
		{"role", dep.Handler(auth.RequireRole(forged, "editor"), func(context.Context, auth.Privileged[user]) (string, error) { return "", nil })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := quietAPI(io.Discard)
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, `"GET /x"`) || !strings.Contains(msg, "owner or a role") {
					t.Fatalf("Handle of a Public route with %s: recover() = %q, want a panic naming the route", tt.name, msg)
				}
			}()
			api.Handle("GET /x", tt.h, gatehouse.Public("demo"))
			t.Fatalf("Handle accepted a Public route that asks for %s", tt.name)
		})
	}
}

// subjectUser is a user with an int64 id.
type subjectUser struct{ id int64 }

func (subjectUser) IsActive() bool      { return true }
func (subjectUser) HasRole(string) bool { return true }
func (u subjectUser) Subject() int64    { return u.id }

// namedUser is a user that is its name.
type namedUser string

func (namedUser) IsActive() bool      { return true }
func (namedUser) HasRole(string) bool { return false }

// TestAuthenticatedAnswersNotStored checks that every answer of a route
// whose graph reads a credential says Cache-Control: no-store, success and
// error alike, whatever weaker policy the handler asks for, while public
// routes keep the caching their handler chose.
func TestAuthenticatedAnswersNotStored(t *testing.T) {
	t.Parallel()
	api := quietAPI(io.Discard)
	key := auth.APIKeyHeader("X-API-Key")
	principal := dep.Derive(key, func(_ context.Context, k string) (auth.Principal[namedUser], error) {
		if k != "good" {
			return auth.Principal[namedUser]{}, problem.InvalidAPIKey()
		}
		return gatehousetest.Principal(namedUser("ada")), nil
	})
	cached := func(policy string) func(context.Context, string) (dep.Response[string], error) {
		return func(context.Context, string) (dep.Response[string], error) {
			return dep.Response[string]{Code: 200, Body: "ok", Header: http.Header{"Cache-Control": {policy}}}, nil
		}
	}
	whoami := func(_ context.Context, p auth.Principal[namedUser]) (string, error) { return string(p.User()), nil }
	api.Handle("GET /key", dep.Handler(key, func(_ context.Context, k string) (string, error) { return "ok", nil }))
	api.Handle("GET /me", dep.Handler(principal, whoami))
	api.Handle("GET /maybe", dep.Handler(auth.Optional(principal), whoami))
	api.Handle("GET /weaker", dep.Handler(key, cached("public, max-age=300")))
	api.Handle("GET /stricter", dep.Handler(key, cached("no-store, private")))
	api.Handle("GET /fails", dep.Handler(key, func(context.Context, string) (string, error) { return "", errDomain }))
	api.Handle("GET /public", dep.Handler(dep.None, func(context.Context, struct{}) (dep.Response[string], error) {
		return dep.Response[string]{Code: 200, Body: "hi", Header: http.Header{"Cache-Control": {"public, max-age=300"}}}, nil
	}), gatehouse.Public("landing page"))
	api.Handle("GET /plain", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "plain") }), gatehouse.Public("test"))

	tests := []struct {
		path, key string
		wantCode  int
		want      string
	}{
		{"/key", "good", 200, "no-store"},
		{"/key", "", 401, "no-store"},
		{"/me", "good", 200, "no-store"},
		{"/me", "bad", 403, "no-store"},
		{"/maybe", "good", 200, "no-store"},
		{"/maybe", "", 200, "no-store"}, // the same URL answers others personally
		{"/weaker", "good", 200, "no-store"},
		{"/stricter", "good", 200, "no-store, private"},
		{"/fails", "good", 404, "no-store"},
		{"/public", "", 200, "public, max-age=300"},
		{"/public", "good", 200, "public, max-age=300"},
		{"/plain", "", 200, ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", tt.path, nil)
		if tt.key != "" {
			r.Header.Set("X-API-Key", tt.key)
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, r)
		if rec.Code != tt.wantCode {
			t.Errorf("GET %s (key %q) = %d, want %d", tt.path, tt.key, rec.Code, tt.wantCode)
		}
		if got := rec.Header().Values("Cache-Control"); strings.Join(got, ", ") != tt.want {
			t.Errorf("GET %s (key %q) Cache-Control = %q, want %q", tt.path, tt.key, got, tt.want)
		}
	}
}
