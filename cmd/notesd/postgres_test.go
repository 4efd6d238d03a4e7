package main

import (
	"encoding/json"
	"github.com/gatehouse-dev/gatehouse/internal/pgtest"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// postgresSchemaURL creates a fresh schema gh_<random> in the database of
// NOTESD_TEST_POSTGRES_URL (skipping t when it is not set), drops it when t
// ends, and returns a URL whose connections use it (search_path).
func postgresSchemaURL(t *testing.T) string {
	t.Helper()
	return pgtest.SchemaURL(t)
}

// TestPostgresMigrate runs notesd migrate twice on a fresh schema.
func TestPostgresMigrate(t *testing.T) {
	t.Parallel()
	dbURL := postgresSchemaURL(t)
	for range 2 {
		out := mustRun(t, envOf("NOTESD_DATABASE_URL="+dbURL), "", "migrate")
		if !strings.Contains(out, "at schema version 1") || !strings.Contains(out, "database postgres://") {
			t.Errorf("migrate printed %q, want the postgres database at schema version 1", out)
		}
	}
}

// TestPostgresReplicas runs two notesd serve processes (two run
// goroutines) on one PostgreSQL database, as two replicas behind a load
// balancer (SPEC §5): a token issued by one is accepted by the other, and
// a logout on one is honoured by the other on the next request.
func TestPostgresReplicas(t *testing.T) {
	t.Parallel()
	dbURL := postgresSchemaURL(t)
	// Both replicas share the signing secret, as replicas must; given
	// secrets write nothing into ./notesd-data.
	env := envOf("NOTESD_DATABASE_URL="+dbURL, "NOTESD_SECRET_KEY="+randomSecret())

	// The CLI writes to the same database.
	mustRun(t, env, "bob's password\n", "user", "create", "--email", "bob@example.com")
	out := mustRun(t, env, "", "apikey", "create", "--email", "bob@example.com", "--scopes", "notes:read")
	m := keyLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("apikey create printed no key:\n%s", out)
	}
	apiKey := m[1]

	a := startServer(t, env)
	b := startServer(t, env) // no "served by another process": no lock for PostgreSQL

	type tokens struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	decode := func(t *testing.T, op string, code int, body string) tokens {
		t.Helper()
		var tok tokens
		if code != http.StatusOK {
			t.Fatalf("%s = %d %s, want 200", op, code, body)
		}
		if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
			t.Fatalf("%s body = %s (%v), want an access and a refresh token", op, body, err)
		}
		return tok
	}
	me := func(t *testing.T, s *server, name, token string, want int) {
		t.Helper()
		code, body := call(t, "GET", s.url+"/me", "", "", "Authorization", "Bearer "+token)
		if code != want {
			t.Fatalf("GET /me on %s = %d %s, want %d", name, code, body, want)
		}
	}

	form := url.Values{"username": {"bob@example.com"}, "password": {"bob's password"}}.Encode()
	code, body := call(t, "POST", a.url+"/auth/login", "application/x-www-form-urlencoded", form)
	tok := decode(t, "POST /auth/login on A", code, body)

	// Issued by A, accepted by B; the CLI's key works on both.
	me(t, b, "B", tok.AccessToken, http.StatusOK)
	me(t, a, "A", tok.AccessToken, http.StatusOK)
	for name, s := range map[string]*server{"A": a, "B": b} {
		if code, body := call(t, "GET", s.url+"/notes", "", "", "X-API-Key", apiKey); code != http.StatusOK {
			t.Errorf("GET /notes on %s with the CLI's API key = %d %s, want 200", name, code, body)
		}
	}

	// A note written through A is read through B.
	code, body = call(t, "POST", a.url+"/notes", "application/json", `{"title":"shared","body":"one database"}`,
		"Authorization", "Bearer "+tok.AccessToken)
	if code != http.StatusCreated {
		t.Fatalf("POST /notes on A = %d %s, want 201", code, body)
	}
	if code, body := call(t, "GET", b.url+"/notes", "", "", "Authorization", "Bearer "+tok.AccessToken); code != http.StatusOK || !strings.Contains(body, `"shared"`) {
		t.Errorf("GET /notes on B = %d %s, want 200 with the note written through A", code, body)
	}

	// The refresh token from A rotates on B; the rotated-away one is then
	// reuse on A, which ends the session everywhere.
	refreshForm := func(rt string) string {
		return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()
	}
	code, body = call(t, "POST", b.url+"/auth/refresh", "application/x-www-form-urlencoded", refreshForm(tok.RefreshToken))
	tok2 := decode(t, "POST /auth/refresh on B", code, body)
	me(t, a, "A", tok2.AccessToken, http.StatusOK)

	// Logout on A is honoured by B on the very next request: B asks the
	// database, it caches nothing.
	if code, body := call(t, "POST", a.url+"/auth/logout", "", "", "Authorization", "Bearer "+tok2.AccessToken); code != http.StatusNoContent {
		t.Fatalf("POST /auth/logout on A = %d %s, want 204", code, body)
	}
	me(t, b, "B after logout on A", tok2.AccessToken, http.StatusUnauthorized)
	me(t, b, "B after logout on A (token from before the refresh)", tok.AccessToken, http.StatusUnauthorized)
	me(t, a, "A after logout on A", tok2.AccessToken, http.StatusUnauthorized)
	code, body = call(t, "POST", b.url+"/auth/refresh", "application/x-www-form-urlencoded", refreshForm(tok2.RefreshToken))
	if code != http.StatusUnauthorized {
		t.Errorf("POST /auth/refresh on B after logout on A = %d %s, want 401", code, body)
	}

	// A fresh login on B, then reuse of a refresh token rotated away two
	// rotations ago (no retry: only the previous one is) on A revokes
	// that session for B too.
	code, body = call(t, "POST", b.url+"/auth/login", "application/x-www-form-urlencoded", form)
	tok3 := decode(t, "POST /auth/login on B", code, body)
	code, body = call(t, "POST", b.url+"/auth/refresh", "application/x-www-form-urlencoded", refreshForm(tok3.RefreshToken))
	tok4 := decode(t, "POST /auth/refresh on B", code, body)
	code, body = call(t, "POST", b.url+"/auth/refresh", "application/x-www-form-urlencoded", refreshForm(tok4.RefreshToken))
	tok4 = decode(t, "POST /auth/refresh on B", code, body)
	code, body = call(t, "POST", a.url+"/auth/refresh", "application/x-www-form-urlencoded", refreshForm(tok3.RefreshToken))
	if code != http.StatusUnauthorized {
		t.Errorf("POST /auth/refresh on A with a rotated-away token = %d %s, want 401", code, body)
	}
	me(t, b, "B after refresh-token reuse on A", tok4.AccessToken, http.StatusUnauthorized)

	a.shutdown(t)
	b.shutdown(t)
	if strings.Contains(a.stderr.String()+b.stderr.String(), "generated") {
		t.Errorf("a replica generated a key file although the secret was given:\n%s%s", a.stderr, b.stderr)
	}
}
