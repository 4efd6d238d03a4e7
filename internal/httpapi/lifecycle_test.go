package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/golang-jwt/jwt/v5"
)

// loginPair logs u in, with scope if given, and returns the token response.
func (e *env) loginPair(u user, scope ...string) token {
	e.t.Helper()
	f := url.Values{"username": {u.Email}, "password": {u.password}}
	if len(scope) > 0 {
		f.Set("scope", strings.Join(scope, " "))
	}
	var tok token
	e.must(200, req{method: "POST", path: "/auth/login", form: f}).decode(e.t, &tok)
	return tok
}

func (e *env) refresh(refreshToken string, want int) token {
	e.t.Helper()
	var tok token
	res := e.must(want, req{method: "POST", path: "/auth/refresh", form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}})
	if want == 200 {
		res.decode(e.t, &tok)
		if res.header.Get("Cache-Control") != "no-store" {
			e.t.Errorf("refresh response Cache-Control = %q, want no-store", res.header.Get("Cache-Control"))
		}
	}
	return tok
}

func TestRefreshRotation(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	first := e.loginPair(ada, notes.ScopeRead)

	second := e.refresh(first.RefreshToken, 200)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatalf("refresh did not rotate: %+v", second)
	}
	if second.Scope != notes.ScopeRead {
		t.Errorf("refreshed scope = %q, want the login's %q", second.Scope, notes.ScopeRead)
	}
	e.must(200, req{method: "GET", path: "/me", token: second.AccessToken})
	e.must(403, req{method: "POST", path: "/notes", token: second.AccessToken, json: map[string]string{"title": "x"}})

	// JSON works as well as the form.
	var third token
	e.must(200, req{method: "POST", path: "/auth/refresh", json: map[string]string{"refresh_token": second.RefreshToken}}).decode(t, &third)

	// Reusing an old refresh token revokes the whole session: the newest
	// pair dies with it.
	e.refresh(first.RefreshToken, 401)
	e.refresh(third.RefreshToken, 401)
	e.must(401, req{method: "GET", path: "/me", token: third.AccessToken})
	e.must(401, req{method: "GET", path: "/me", token: first.AccessToken})

	// Other sessions are untouched.
	other := e.loginPair(ada)
	e.must(200, req{method: "GET", path: "/me", token: other.AccessToken})

	tests := []struct {
		name string
		r    req
		want int
	}{
		{"unknown token", req{method: "POST", path: "/auth/refresh", form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}}, 401},
		{"wrong grant", req{method: "POST", path: "/auth/refresh", form: url.Values{"grant_type": {"password"}, "refresh_token": {other.RefreshToken}}}, 422},
		{"no token", req{method: "POST", path: "/auth/refresh", form: url.Values{"grant_type": {"refresh_token"}}}, 422},
		{"JSON without token", req{method: "POST", path: "/auth/refresh", json: map[string]string{}}, 422},
		{"text body", req{method: "POST", path: "/auth/refresh", raw: "x", contentType: "text/plain"}, 415},
		{"after logout", req{method: "POST", path: "/auth/refresh", form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {e.loggedOutRefresh(ada)}}}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { e.must(tt.want, tt.r) })
	}
}

func (e *env) loggedOutRefresh(u user) string {
	e.t.Helper()
	tok := e.loginPair(u)
	e.must(204, req{method: "POST", path: "/auth/logout", token: tok.AccessToken})
	return tok.RefreshToken
}

func TestSessions(t *testing.T) {
	e := newEnv(t)
	ada, bob := e.register("ada@example.com"), e.register("bob@example.com")
	current := e.loginPair(ada)
	other := e.loginPair(ada)
	bobTok := e.login(bob)

	var list struct {
		Items []struct {
			ID        int64  `json:"id"`
			Current   bool   `json:"current"`
			UserAgent string `json:"user_agent"`
		}
	}
	e.must(200, req{method: "GET", path: "/me/sessions", token: current.AccessToken}).decode(t, &list)
	if len(list.Items) != 2 {
		t.Fatalf("GET /me/sessions has %d sessions, want 2", len(list.Items))
	}
	var otherID int64
	for _, s := range list.Items {
		if s.Current != (strconv.FormatInt(s.ID, 10) == sessionOf(t, current.AccessToken)) {
			t.Errorf("session %d current = %v", s.ID, s.Current)
		}
		if !s.Current {
			otherID = s.ID
		}
	}
	// Bob cannot end Ada's session: the same 404 as a missing one.
	missing := e.must(404, req{method: "DELETE", path: "/me/sessions/999999", token: bobTok})
	got := e.must(404, req{method: "DELETE", path: fmtPath("/me/sessions/%d", otherID), token: bobTok})
	if string(got.body) != string(missing.body) {
		t.Errorf("someone else's session = %s, missing one = %s", got.body, missing.body)
	}
	e.must(200, req{method: "GET", path: "/me", token: other.AccessToken})
	e.must(204, req{method: "DELETE", path: fmtPath("/me/sessions/%d", otherID), token: current.AccessToken})
	e.must(401, req{method: "GET", path: "/me", token: other.AccessToken})
	e.refresh(other.RefreshToken, 401)
	e.must(200, req{method: "GET", path: "/me", token: current.AccessToken})

	// An admin logs Bob out everywhere.
	root := e.admin("root@example.com")
	e.must(204, req{method: "DELETE", path: fmtPath("/admin/users/%d/sessions", bob.ID), token: e.login(root)})
	e.must(401, req{method: "GET", path: "/me", token: bobTok})
	e.must(404, req{method: "DELETE", path: "/admin/users/999999/sessions", token: e.login(root)})
	e.must(403, req{method: "DELETE", path: fmtPath("/admin/users/%d/sessions", ada.ID), token: current.AccessToken})
}

type apiKeyOut struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Prefix     string   `json:"prefix"`
	Scopes     []string `json:"scopes"`
	Key        string   `json:"key"`
	ExpiresAt  *string  `json:"expires_at"`
	LastUsedAt *string  `json:"last_used_at"`
}

func TestAPIKeyManagement(t *testing.T) {
	e := newEnv(t)
	ada, bob := e.register("ada@example.com"), e.register("bob@example.com")
	adaTok, bobTok := e.login(ada), e.login(bob)

	res := e.must(201, req{method: "POST", path: "/api-keys", token: adaTok, json: map[string]any{"name": "ci", "scopes": []string{notes.ScopeRead}, "expires_in_days": 30}})
	var k apiKeyOut
	res.decode(t, &k)
	if !strings.HasPrefix(k.Key, "gk_"+k.Prefix+"_") || k.ExpiresAt == nil || res.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("created key = %+v (Cache-Control %q)", k, res.header.Get("Cache-Control"))
	}
	e.must(200, req{method: "GET", path: "/notes", apiKey: k.Key})
	e.must(403, req{method: "POST", path: "/notes", apiKey: k.Key, json: map[string]string{"title": "x"}})

	var list struct{ Items []apiKeyOut }
	res = e.must(200, req{method: "GET", path: "/api-keys", token: adaTok})
	res.decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].Key != "" || strings.Contains(string(res.body), k.Key) {
		t.Fatalf("GET /api-keys = %s, want one key without its secret", res.body)
	}
	if list.Items[0].LastUsedAt == nil {
		t.Errorf("last_used_at not recorded after use: %s", res.body)
	}
	e.must(200, req{method: "GET", path: "/api-keys", token: bobTok}).decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("Bob sees %d of Ada's keys", len(list.Items))
	}

	tests := []struct {
		name string
		r    req
		want int
	}{
		{"scope the role lacks", req{method: "POST", path: "/api-keys", token: adaTok, json: map[string]any{"name": "x", "scopes": []string{notes.ScopeAdmin}}}, 422},
		{"scope the token lacks", req{method: "POST", path: "/api-keys", token: e.login(ada, notes.ScopeRead), json: map[string]any{"name": "x", "scopes": []string{notes.ScopeWrite}}}, 422},
		{"unknown scope", req{method: "POST", path: "/api-keys", token: adaTok, json: map[string]any{"name": "x", "scopes": []string{"root"}}}, 422},
		{"no scopes", req{method: "POST", path: "/api-keys", token: adaTok, json: map[string]any{"name": "x", "scopes": []string{}}}, 422},
		{"no name", req{method: "POST", path: "/api-keys", token: adaTok, json: map[string]any{"scopes": []string{notes.ScopeRead}}}, 422},
		{"expiry out of range", req{method: "POST", path: "/api-keys", token: adaTok, json: map[string]any{"name": "x", "scopes": []string{notes.ScopeRead}, "expires_in_days": 0}}, 422},
		{"a key cannot mint keys", req{method: "POST", path: "/api-keys", apiKey: k.Key, json: map[string]any{"name": "x", "scopes": []string{notes.ScopeRead}}}, 401},
		{"a key cannot list keys", req{method: "GET", path: "/api-keys", apiKey: k.Key}, 401},
		{"Bob cannot revoke Ada's key", req{method: "DELETE", path: fmtPath("/api-keys/%d", k.ID), token: bobTok}, 404},
		{"missing key", req{method: "DELETE", path: "/api-keys/999999", token: adaTok}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { e.must(tt.want, tt.r) })
	}

	e.must(200, req{method: "GET", path: "/data", apiKey: k.Key})
	e.must(204, req{method: "DELETE", path: fmtPath("/api-keys/%d", k.ID), token: adaTok})
	if p := e.must(403, req{method: "GET", path: "/data", apiKey: k.Key}).problem(t); p.Detail != "Invalid API key" {
		t.Errorf("revoked key detail = %q, want Invalid API key", p.Detail)
	}
	e.must(404, req{method: "DELETE", path: fmtPath("/api-keys/%d", k.ID), token: adaTok})
}

// TestNoSecretsInDatabase dumps every table and looks for each secret the
// API handed out: none may be stored in clear.
func TestNoSecretsInDatabase(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	pair := e.loginPair(ada)
	rotated := e.refresh(pair.RefreshToken, 200)
	var k apiKeyOut
	e.must(201, req{method: "POST", path: "/api-keys", token: rotated.AccessToken, json: map[string]any{"name": "ci", "scopes": []string{notes.ScopeRead}}}).decode(t, &k)
	e.must(200, req{method: "GET", path: "/data", apiKey: k.Key})

	secrets := map[string]string{
		"access token": pair.AccessToken, "refresh token": pair.RefreshToken,
		"rotated access token": rotated.AccessToken, "rotated refresh token": rotated.RefreshToken,
		"API key": k.Key, "API key secret": k.Key[len("gk_")+len(k.Prefix)+1:], "password": ada.password,
	}
	dump := dumpDatabase(t, e.dbPath)
	if !strings.Contains(dump, ada.Email) {
		t.Fatal("the dump does not hold the user's e-mail: it is not a dump of the data")
	}
	for what, s := range secrets {
		if strings.Contains(dump, s) {
			t.Errorf("the database holds the %s in clear", what)
		}
	}
}

// dumpDatabase renders every row of every table as text, blobs both raw
// and in hex.
func dumpDatabase(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, table := range tables {
		rs, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					fmt.Fprintf(&b, "%s %x ", bs, bs)
					continue
				}
				fmt.Fprintf(&b, "%v ", v)
			}
			b.WriteString("\n")
		}
		rs.Close()
	}
	return b.String()
}

func TestKeyRotation(t *testing.T) {
	key := func(kid, secret string) auth.SigningKey {
		k, err := auth.HS256Key(kid, []byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	ring := func(keys ...auth.SigningKey) *auth.Keyring {
		kr, err := auth.NewKeyring(auth.KeyringConfig{Issuer: "notesd", Audience: "notesd"}, keys...)
		if err != nil {
			t.Fatal(err)
		}
		return kr
	}
	oldKey, newKey := key("old", testSecret), key("new", "a-brand-new-secret-0123456789abcdefghijkl")
	e := newEnv(t, func(c *httpapi.Config) { c.Keyring = ring(oldKey) })
	ada := e.register("ada@example.com")
	oldTok := e.login(ada)

	// The new key signs, the old one still verifies: nobody is logged out.
	rotated, err := httpapi.New(httpapi.Config{Accounts: e.store.Stores(), Notes: e.store, Ping: e.store.Ping, Keyring: ring(newKey, oldKey), Hasher: e.hasher, Logger: e.api.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	e.api = rotated
	e.must(200, req{method: "GET", path: "/me", token: oldTok})
	newTok := e.login(ada)
	e.must(200, req{method: "GET", path: "/me", token: newTok})

	// Once the old key is removed, its tokens stop working.
	if e.api, err = httpapi.New(httpapi.Config{Accounts: e.store.Stores(), Notes: e.store, Ping: e.store.Ping, Keyring: ring(newKey), Hasher: e.hasher, Logger: e.api.Logger()}); err != nil {
		t.Fatal(err)
	}
	e.must(401, req{method: "GET", path: "/me", token: oldTok})
	e.must(200, req{method: "GET", path: "/me", token: newTok})
	e.must(404, req{method: "GET", path: "/.well-known/jwks.json"})
}

func TestEdDSAAndJWKS(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.Ed25519Key("ed1", priv)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := auth.NewKeyring(auth.KeyringConfig{Issuer: "notesd", Audience: "notesd"}, k)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *httpapi.Config) { c.Keyring = kr })
	ada := e.register("ada@example.com")
	tok := e.login(ada)
	e.must(200, req{method: "GET", path: "/me", token: tok})

	res := e.must(200, req{method: "GET", path: "/.well-known/jwks.json"})
	var set struct {
		Keys []struct{ Kty, Crv, X, Kid, Alg string }
	}
	res.decode(t, &set)
	if len(set.Keys) != 1 || set.Keys[0].Kid != "ed1" || set.Keys[0].Alg != "EdDSA" || set.Keys[0].Crv != "Ed25519" {
		t.Fatalf("JWKS = %s", res.body)
	}
	// Anyone holding the JWKS can verify the token with a standard library.
	x, err := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return ed25519.PublicKey(x), nil }, jwt.WithValidMethods([]string{"EdDSA"}))
	if err != nil || !parsed.Valid {
		t.Fatalf("verifying with the published key: %v", err)
	}
	// An HS256 token signed with the public key's bytes (alg confusion) fails.
	forged := jwt.NewWithClaims(jwt.SigningMethodHS256, claimsFor(ada.ID, sessionOf(t, tok)))
	forged.Header["kid"] = "ed1"
	fs, err := forged.SignedString(x)
	if err != nil {
		t.Fatal(err)
	}
	e.must(401, req{method: "GET", path: "/me", token: fs})
}

// TestAPIKeyCannotManageAccount: a key, even one with every scope, cannot
// change the password or touch sessions.
func TestAPIKeyCannotManageAccount(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	key := e.apiKey(ada, []string{notes.ScopeRead, notes.ScopeWrite})
	for _, r := range []req{
		{method: "PATCH", path: "/me", apiKey: key, json: map[string]string{"password": "taken-over-1", "current_password": ada.password}},
		{method: "PATCH", path: "/me", apiKey: key, json: map[string]string{"name": "Mallory"}},
		{method: "GET", path: "/me/sessions", apiKey: key},
		{method: "DELETE", path: "/me/sessions/1", apiKey: key},
	} {
		if p := e.must(401, r).problem(t); p.Detail != "Not authenticated" {
			t.Errorf("%s %s with a key: detail %q", r.method, r.path, p.Detail)
		}
	}
	e.login(ada) // the password is unchanged
}
