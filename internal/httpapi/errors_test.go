package httpapi_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/notes"

	_ "modernc.org/sqlite"
)

// TestErrorTable holds every SPEC §2 row this server produces: status,
// detail and header.
func TestErrorTable(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	adaTok := e.login(ada)
	readOnly := e.login(ada, notes.ScopeRead)
	root := e.admin("root@example.com")
	rootTok := e.login(root)
	rootNoAdminScope := e.login(root, notes.ScopeRead, notes.ScopeWrite)
	n := e.createNote(adaTok, "first")

	key := e.apiKey(ada, []string{notes.ScopeRead})
	revoked := e.apiKey(ada, []string{notes.ScopeRead})
	e.revokeAPIKey(ada, revoked)
	expired := e.expiredAPIKey(ada)

	tests := []struct {
		name       string
		r          req
		wantCode   int
		wantDetail string
		wantHeader map[string]string // header → substring it must contain
	}{
		{"no bearer token", req{method: "POST", path: "/auth/logout"}, 401, "Not authenticated", map[string]string{"WWW-Authenticate": "Bearer"}},
		{"no credentials where bearer or key work", req{method: "GET", path: "/me"}, 401, "Not authenticated", map[string]string{"WWW-Authenticate": "Bearer"}},
		{"garbage token", req{method: "GET", path: "/me", token: "not.a.jwt"}, 401, "Could not validate credentials", map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`}},
		{"token signed with another key", req{method: "GET", path: "/me", token: forge(t, "another-secret-0123456789abcdefghijklmnop", ada.ID)}, 401, "Could not validate credentials", map[string]string{"WWW-Authenticate": "invalid_token"}},
		{"not admin", req{method: "GET", path: "/admin/users", token: adaTok}, 403, "Admin access required", nil},
		{"wrong role", req{method: "DELETE", path: "/admin/notes/1", token: adaTok}, 403, "Insufficient permissions", nil},
		{"missing scope", req{method: "POST", path: "/notes", token: readOnly, json: map[string]string{"title": "x"}}, 403, "Not enough permissions", map[string]string{"WWW-Authenticate": `scope="notes:write"`}},
		{"admin without admin scope", req{method: "GET", path: "/admin/users", token: rootNoAdminScope}, 403, "Not enough permissions", map[string]string{"WWW-Authenticate": `scope="admin"`}},
		{"key without write scope", req{method: "POST", path: "/notes", apiKey: key, json: map[string]string{"title": "x"}}, 403, "Not enough permissions", map[string]string{"WWW-Authenticate": `scope="notes:write"`}},
		{"no API key", req{method: "GET", path: "/data"}, 401, "Not authenticated", map[string]string{"WWW-Authenticate": "APIKey"}},
		{"bad API key", req{method: "GET", path: "/data", apiKey: "gk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAA"}, 403, "Invalid API key", nil},
		{"malformed API key", req{method: "GET", path: "/data", apiKey: "hunter2"}, 403, "Invalid API key", nil},
		{"tampered API key", req{method: "GET", path: "/data", apiKey: key[:len(key)-1] + flip(key[len(key)-1])}, 403, "Invalid API key", nil},
		{"revoked API key", req{method: "GET", path: "/data", apiKey: revoked}, 403, "Invalid API key", nil},
		{"expired API key", req{method: "GET", path: "/data", apiKey: expired}, 403, "Invalid API key", nil},
		{"missing note", req{method: "GET", path: "/notes/999999", token: adaTok}, 404, "Note not found", nil},
		{"admin deletes missing note", req{method: "DELETE", path: "/admin/notes/999999", token: rootTok}, 404, "Note not found", nil},
		{"wrong password", req{method: "POST", path: "/auth/login", form: url.Values{"username": {ada.Email}, "password": {"wrong-password"}}}, 401, "Incorrect username or password", map[string]string{"WWW-Authenticate": "Bearer"}},
		{"unknown email", req{method: "POST", path: "/auth/login", form: url.Values{"username": {"nobody@example.com"}, "password": {"wrong-password"}}}, 401, "Incorrect username or password", map[string]string{"WWW-Authenticate": "Bearer"}},
		{"body over 1 MiB", req{method: "POST", path: "/notes", token: adaTok, contentType: "application/json", raw: `{"title":"x","body":"` + strings.Repeat("a", 1<<20) + `"}`}, 413, "", nil},
		{"JSON endpoint sent a form", req{method: "POST", path: "/notes", token: adaTok, form: url.Values{"title": {"x"}}}, 415, "", nil},
		{"login sent JSON", req{method: "POST", path: "/auth/login", json: map[string]string{"username": ada.Email}}, 415, "", nil},
		{"unknown field (mass assignment)", req{method: "POST", path: "/auth/register", json: map[string]any{"email": "eve@example.com", "password": "password123", "name": "Eve", "role": "admin"}}, 422, "body.role: unknown field", nil},
		{"is_active in register", req{method: "POST", path: "/auth/register", json: map[string]any{"email": "eve@example.com", "password": "password123", "name": "Eve", "is_active": true}}, 422, "body.is_active: unknown field", nil},
		{"bad type", req{method: "POST", path: "/notes", token: adaTok, json: map[string]any{"title": 5}}, 422, "body.title: must be of type string", nil},
		{"empty title", req{method: "POST", path: "/notes", token: adaTok, json: map[string]any{"title": ""}}, 422, "body.title: must be 1 to 200 characters", nil},
		{"title too long", req{method: "POST", path: "/notes", token: adaTok, json: map[string]any{"title": strings.Repeat("t", 201)}}, 422, "body.title: must be 1 to 200 characters", nil},
		{"body too long", req{method: "POST", path: "/notes", token: adaTok, json: map[string]any{"title": "t", "body": strings.Repeat("b", 100_001)}}, 422, "body.body: must be at most 100000 bytes of UTF-8", nil},
		{"short password", req{method: "POST", path: "/auth/register", json: map[string]any{"email": "eve@example.com", "password": "short", "name": "Eve"}}, 422, "body.password: must be 8 to 1024 characters", nil},
		{"bad email", req{method: "POST", path: "/auth/register", json: map[string]any{"email": "not-an-email", "password": "password123", "name": "Eve"}}, 422, "body.email: must be a valid e-mail address", nil},
		{"limit out of range", req{method: "GET", path: "/notes?limit=101", token: adaTok}, 422, "query.limit: must be between 1 and 100", nil},
		{"limit zero", req{method: "GET", path: "/notes?limit=0", token: adaTok}, 422, "query.limit: must be between 1 and 100", nil},
		{"bad cursor", req{method: "GET", path: "/notes?cursor=abc", token: adaTok}, 422, "query.cursor: invalid cursor", nil},
		{"bad id", req{method: "GET", path: "/notes/abc", token: adaTok}, 422, "path.id: must be a valid int64", nil},
		{"duplicate form field at login", req{method: "POST", path: "/auth/login", raw: "username=a%40b.c&password=x&password=y", contentType: "application/x-www-form-urlencoded"}, 422, "body.password: must be given once", nil},
		{"duplicate email", req{method: "POST", path: "/auth/register", json: map[string]any{"email": "ADA@example.com", "password": "password123", "name": "Ada"}}, 409, "Email already registered", nil},
		{"last admin demoted", req{method: "PATCH", path: fmtPath("/admin/users/%d", root.ID), token: rootTok, json: map[string]any{"role": "user"}}, 409, "Cannot demote or deactivate the last active admin", nil},
		{"last admin deactivated", req{method: "PATCH", path: fmtPath("/admin/users/%d", root.ID), token: rootTok, json: map[string]any{"is_active": false}}, 409, "Cannot demote or deactivate the last active admin", nil},
		{"method not allowed", req{method: "PUT", path: fmtPath("/notes/%d", n.ID), token: adaTok}, 405, "Method Not Allowed", map[string]string{"Allow": "PATCH"}},
		{"no such route", req{method: "GET", path: "/nope"}, 404, "Not Found", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do(tt.r)
			if res.code != tt.wantCode {
				t.Fatalf("%s %s = %d, want %d; body %s", tt.r.method, tt.r.path, res.code, tt.wantCode, res.body)
			}
			p := res.problem(t)
			if p.Status != tt.wantCode || p.Type != "about:blank" || p.Title == "" {
				t.Errorf("problem = %+v, want status %d, type about:blank and a title", p, tt.wantCode)
			}
			if tt.wantDetail != "" && p.Detail != tt.wantDetail {
				t.Errorf("detail = %q, want %q", p.Detail, tt.wantDetail)
			}
			for h, want := range tt.wantHeader {
				if got := strings.Join(res.header.Values(h), ", "); !strings.Contains(got, want) {
					t.Errorf("%s = %q, want it to contain %q", h, got, want)
				}
			}
			assertNoSecrets(t, res.body, adaTok, key, ada.password)
		})
	}
}

func TestNoCredentialsChallengesBoth(t *testing.T) {
	e := newEnv(t)
	res := e.must(401, req{method: "GET", path: "/notes"})
	got := res.header.Values("WWW-Authenticate")
	if len(got) != 2 || got[0] != "Bearer" || got[1] != "APIKey" {
		t.Fatalf("WWW-Authenticate = %q, want [Bearer APIKey]", got)
	}
}

func TestInactiveUser(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	tok := e.login(ada)
	key := e.apiKey(ada, []string{notes.ScopeRead})

	// Flip is_active behind the API's back (as an imported database might
	// have it), leaving the session live, so the ActiveUser check itself is
	// what answers.
	db, err := sql.Open("sqlite", e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE users SET is_active = 0 WHERE id = ?`, ada.ID); err != nil {
		t.Fatal(err)
	}
	if p := e.must(400, req{method: "GET", path: "/profile", token: tok}).problem(t); p.Detail != "Inactive user" {
		t.Errorf("GET /profile detail = %q, want Inactive user", p.Detail)
	}
	if p := e.must(400, req{method: "GET", path: "/notes", token: tok}).problem(t); p.Detail != "Inactive user" {
		t.Errorf("GET /notes detail = %q, want Inactive user", p.Detail)
	}
	res := e.must(400, req{method: "POST", path: "/auth/login", form: url.Values{"username": {ada.Email}, "password": {ada.password}}})
	if p := res.problem(t); p.Detail != "Inactive user" || strings.Contains(string(res.body), "access_token") {
		t.Errorf("login of inactive user = %s, want 400 Inactive user without a token", res.body)
	}
	if p := e.must(401, req{method: "POST", path: "/auth/login", form: url.Values{"username": {ada.Email}, "password": {"wrong-password"}}}).problem(t); p.Detail != "Incorrect username or password" {
		t.Errorf("wrong password of inactive user: detail = %q", p.Detail)
	}
	if p := e.must(403, req{method: "GET", path: "/data", apiKey: key}).problem(t); p.Detail != "Invalid API key" {
		t.Errorf("key of inactive user: detail = %q, want Invalid API key", p.Detail)
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// apiKey creates a key for u directly in the store, as `notesd apikey
// create` does, and returns it.
func (e *env) apiKey(u user, scopes []string) string {
	e.t.Helper()
	key, prefix, hash := auth.NewAPIKey()
	_, err := e.store.APIKeys(gatehousetest.Owner(u.ID)).Create(context.Background(), accounts.NewAPIKey{Name: "test", Prefix: prefix, Hash: hash, Scopes: scopes})
	if err != nil {
		e.t.Fatal(err)
	}
	return key
}

func (e *env) revokeAPIKey(u user, key string) {
	e.t.Helper()
	ctx := context.Background()
	prefix, _ := auth.SplitAPIKey(key)
	k, _, err := e.store.APIKeyByPrefix(ctx, prefix)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.APIKeys(gatehousetest.Owner(u.ID)).Revoke(ctx, k.ID); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) expiredAPIKey(u user) string {
	e.t.Helper()
	key, prefix, hash := auth.NewAPIKey()
	past := mustTime(e.t, "2020-01-01T00:00:00Z")
	_, err := e.store.APIKeys(gatehousetest.Owner(u.ID)).Create(context.Background(), accounts.NewAPIKey{Name: "old", Prefix: prefix, Hash: hash, Scopes: []string{notes.ScopeRead}, ExpiresAt: &past})
	if err != nil {
		e.t.Fatal(err)
	}
	return key
}
