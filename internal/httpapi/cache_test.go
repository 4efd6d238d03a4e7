package httpapi_test

import (
	"strconv"
	"strings"
	"testing"
)

// TestAuthenticatedAnswersNotCached checks Cache-Control: no-store on the
// answers to authenticated requests, with a bearer token and with an API
// key: first the personal reads, each answered 200, then every route that
// reads a credential, whatever it answers; public routes keep their own
// caching.
func TestAuthenticatedAnswersNotCached(t *testing.T) {
	e := newEnv(t)
	ada := e.admin("ada@example.com")
	tok := e.login(ada)
	n := e.createNote(tok, "groceries")
	var key struct {
		Key string `json:"key"`
	}
	e.must(201, req{method: "POST", path: "/api-keys", token: tok, json: map[string]any{
		"name": "ci", "scopes": []string{"notes:read", "notes:write", "admin"},
	}}).decode(t, &key)
	noteURL := "/notes/" + strconv.FormatInt(n.ID, 10)

	for _, tt := range []struct {
		path        string
		bearer, key int // status with each credential; 0: not sent
	}{
		{"/me", 200, 200},
		{"/profile", 200, 200},
		{"/private", 200, 200},
		{"/data", 0, 200},
		{"/notes", 200, 200},
		{noteURL, 200, 200},
		{"/notes/999999", 404, 404},
		{"/me/sessions", 200, 401}, // the account is managed with a login only
		{"/api-keys", 200, 401},
		{"/admin/users", 200, 200},
	} {
		for _, r := range []struct {
			name string
			want int
			req  req
		}{
			{"bearer", tt.bearer, req{method: "GET", path: tt.path, token: tok}},
			{"API key", tt.key, req{method: "GET", path: tt.path, apiKey: key.Key}},
		} {
			if r.want == 0 {
				continue
			}
			res := e.do(r.req)
			if res.code != r.want {
				t.Errorf("GET %s with a %s = %d, want %d; body %s", tt.path, r.name, res.code, r.want, res.body)
			}
			if got := res.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("GET %s with a %s (%d): Cache-Control = %q, want no-store", tt.path, r.name, res.code, got)
			}
		}
	}

	// Every route that reads a credential, with ids that name nothing (so
	// nothing is deleted) and an empty JSON body; logout last.
	var logout bool
	for _, rt := range e.api.Routes() {
		if len(rt.Security.Requirements) == 0 {
			continue
		}
		if rt.Method == "POST" && rt.Path == "/auth/logout" {
			logout = true
			continue
		}
		path := strings.ReplaceAll(strings.ReplaceAll(rt.Path, "{id}", "999999"), "{$}", "")
		for _, r := range []req{
			{method: rt.Method, path: path, token: tok, json: map[string]any{}},
			{method: rt.Method, path: path, apiKey: key.Key, json: map[string]any{}},
		} {
			res := e.do(r)
			if got := res.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s %s (%d): Cache-Control = %q, want no-store", r.method, r.path, res.code, got)
			}
		}
	}
	if !logout {
		t.Fatal("no POST /auth/logout route")
	}
	res := e.must(204, req{method: "POST", path: "/auth/logout", token: tok})
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("POST /auth/logout (204): Cache-Control = %q, want no-store", got)
	}

	for path, want := range map[string]string{
		"/public":              "", // its handler sets none, and the API adds none
		"/openapi.json":        "no-cache",
		"/docs":                "no-cache",
		"/docs/swagger-ui.css": "no-cache",
		"/ui/static/style.css": "public, max-age=3600",
	} {
		for _, r := range []req{{method: "GET", path: path}, {method: "GET", path: path, apiKey: key.Key}} {
			res := e.must(200, r)
			if got := res.header.Get("Cache-Control"); got != want {
				t.Errorf("GET %s (key sent: %t): Cache-Control = %q, want %q", path, r.apiKey != "", got, want)
			}
		}
	}
}
