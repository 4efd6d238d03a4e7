package httpapi_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func fmtPath(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// assertNoSecrets fails when a response body holds a secret, a hash or an
// internal error text.
func assertNoSecrets(t *testing.T, body []byte, secrets ...string) {
	t.Helper()
	b := string(body)
	for _, s := range append(secrets, testSecret, "$argon2id$", "$2b$", "sqlite", "SELECT", "goroutine ") {
		if s != "" && strings.Contains(b, s) {
			t.Fatalf("response body %s contains %q", b, s)
		}
	}
}

// claimsFor are valid claims for user uid's session sid.
func claimsFor(uid int64, sid string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"sub": strconv.FormatInt(uid, 10), "sid": sid, "scope": "notes:read notes:write",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "iss": "notesd", "aud": "notesd", "jti": "x",
	}
}

// forge signs valid-looking claims for uid with secret (HS256, kid k1).
func forge(t *testing.T, secret string, uid int64) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claimsFor(uid, "1"))
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sessionOf returns the sid claim of a token issued by the server.
func sessionOf(t testing.TB, token string) string {
	t.Helper()
	var c jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil {
		t.Fatal(err)
	}
	return c["sid"].(string)
}

// TestRefusedTokens: a token whose session was logged out, whose user was
// deactivated, whose alg is none/HS512/RS256/EdDSA, or that lacks exp, is
// refused with 401, although a good token of the same session works.
func TestRefusedTokens(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	good := e.login(ada)
	sid := sessionOf(t, good)
	e.must(200, req{method: "GET", path: "/me", token: good})

	sign := func(method jwt.SigningMethod, key any, mutate func(jwt.MapClaims)) string {
		c := claimsFor(ada.ID, sid)
		if mutate != nil {
			mutate(c)
		}
		tok := jwt.NewWithClaims(method, c)
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hs256 := sign(jwt.SigningMethodHS256, []byte(testSecret), nil)
	e.must(200, req{method: "GET", path: "/me", token: hs256}) // the forger's recipe is right…

	tests := []struct{ name, token string }{
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil)},
		{"alg HS512 with the right secret", sign(jwt.SigningMethodHS512, []byte(testSecret), nil)},
		{"alg RS256", sign(jwt.SigningMethodRS256, rsaKey, nil)},
		{"alg EdDSA", sign(jwt.SigningMethodEdDSA, edKey, nil)},
		{"no exp", sign(jwt.SigningMethodHS256, []byte(testSecret), func(c jwt.MapClaims) { delete(c, "exp") })},
		{"expired", sign(jwt.SigningMethodHS256, []byte(testSecret), func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })},
		{"wrong issuer", sign(jwt.SigningMethodHS256, []byte(testSecret), func(c jwt.MapClaims) { c["iss"] = "evil" })},
		{"wrong audience", sign(jwt.SigningMethodHS256, []byte(testSecret), func(c jwt.MapClaims) { c["aud"] = "evil" })},
		{"unknown subject", sign(jwt.SigningMethodHS256, []byte(testSecret), func(c jwt.MapClaims) { c["sub"] = "999999" })},
		{"someone else's session", sign(jwt.SigningMethodHS256, []byte(testSecret), func(c jwt.MapClaims) { c["sid"] = "999999" })},
		{"in the query string", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req{method: "GET", path: "/me", token: tt.token}
			if tt.token == "" {
				r.path = "/me?access_token=" + url.QueryEscape(good)
			}
			res := e.must(401, r)
			if p := res.problem(t); tt.token != "" && p.Detail != "Could not validate credentials" {
				t.Errorf("detail = %q, want Could not validate credentials", p.Detail)
			}
		})
	}

	t.Run("logged out", func(t *testing.T) {
		tok := e.login(ada)
		e.must(200, req{method: "GET", path: "/me", token: tok})
		e.must(204, req{method: "POST", path: "/auth/logout", token: tok})
		if p := e.must(401, req{method: "GET", path: "/me", token: tok}).problem(t); p.Detail != "Could not validate credentials" {
			t.Errorf("after logout detail = %q", p.Detail)
		}
		e.must(401, req{method: "POST", path: "/auth/logout", token: tok}) // a second logout
		e.must(200, req{method: "GET", path: "/me", token: good})          // other sessions live on
	})

	t.Run("deactivated", func(t *testing.T) {
		root := e.admin("root@example.com")
		bob := e.register("bob@example.com")
		bobTok := e.login(bob)
		e.must(200, req{method: "GET", path: "/me", token: bobTok})
		e.must(200, req{method: "PATCH", path: fmtPath("/admin/users/%d", bob.ID), token: e.login(root), json: map[string]any{"is_active": false}})
		if p := e.must(401, req{method: "GET", path: "/me", token: bobTok}).problem(t); p.Detail != "Could not validate credentials" {
			t.Errorf("after deactivation detail = %q", p.Detail)
		}
	})
}
