package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
)

// legacySecret is the old application's SECRET_KEY, as the lesson's
// settings spell it.
const legacySecret = "your-secret-key-change-in-production"

// legacyUsers maps the old application's user ids to users.
type legacyUsers struct {
	store *fakeStore
	ids   map[string]int64 // old id → user id
}

func (l legacyUsers) FindLegacyUser(_ context.Context, subject string) (member, error) {
	uid, ok := l.ids[subject]
	if !ok {
		return member{}, auth.ErrUnknown
	}
	return l.store.users[uid], nil
}

// legacyToken signs claims as python-jose does for the lesson:
// {"alg":"HS256","typ":"JWT"}, then header changes, with secret.
func legacyToken(t testing.TB, secret string, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newLegacyFixture(t testing.TB, until time.Time) *fixture {
	t.Helper()
	f := newFixture(t)
	authn, err := auth.NewAuthenticator(auth.Config[member]{
		Keyring: f.kr, Sessions: f.store, APIKeys: f.store,
		Legacy: &auth.LegacyTokens[member]{
			Secret: []byte(legacySecret),
			Until:  until,
			Users:  legacyUsers{store: f.store, ids: map[string]int64{"101": 1, "103": 3}},
			Scopes: func(m member) []string { return []string{"notes:read", "role:" + m.Role} },
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.authn = authn
	return f
}

// TestLegacyTokens: with Config.Legacy, Bearer also accepts the old
// application's HS256 tokens ("sub" its user id, "exp"), as a principal
// without a session holding the scopes Legacy.Scopes grants, and refuses
// every variant that is not exactly that.
func TestLegacyTokens(t *testing.T) {
	t.Parallel()
	f := newLegacyFixture(t, time.Now().Add(time.Hour))
	exp := time.Now().Add(30 * time.Minute).Unix()
	ok := legacyToken(t, legacySecret, jwt.MapClaims{"sub": "101", "exp": exp}, nil)
	describe := func(_ context.Context, p auth.Principal[member]) (string, error) {
		return p.User().Name + " " + string(p.Method()) + " " + strings.Join(p.Scopes(), ",") + " sid=" + p.SessionID(), nil
	}
	current := f.authn.Bearer()
	active := auth.ActiveUser(current)
	reader := auth.RequireScopes(active, "notes:read")
	writer := auth.RequireScopes(active, "notes:write")

	// alg none, with the signature segment a legacy parser might skip.
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"101","exp":`+jsonInt(exp)+`}`)) + ".c2ln"
	hs512 := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"sub": "101", "exp": exp})
	hs512s, err := hs512.SignedString([]byte(legacySecret))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		h          http.Handler
		token      string
		wantCode   int
		wantDetail string
		wantBody   string
	}{
		{"legacy token", dep.Handler(current, describe), ok, 200, "", `"ada legacy_bearer notes:read,role:user sid="`},
		{"its scopes pass RequireScopes", dep.Handler(reader, name), ok, 200, "", `"ada"`},
		{"but only those", dep.Handler(writer, name), ok, 403, "Not enough permissions", ""},
		{"the keyring's tokens still work", dep.Handler(current, name), f.token(t, 1, "s1"), 200, "", `"ada"`},
		{"inactive user", dep.Handler(active, name), legacyToken(t, legacySecret, jwt.MapClaims{"sub": "103", "exp": exp}, nil), 400, "Inactive user", ""},
		{"unknown old id", dep.Handler(current, name), legacyToken(t, legacySecret, jwt.MapClaims{"sub": "102", "exp": exp}, nil), 401, "Could not validate credentials", ""},
		{"another secret", dep.Handler(current, name), legacyToken(t, "another-secret", jwt.MapClaims{"sub": "101", "exp": exp}, nil), 401, "Could not validate credentials", ""},
		{"the keyring's secret", dep.Handler(current, name), legacyToken(t, secret, jwt.MapClaims{"sub": "101", "exp": exp}, nil), 401, "Could not validate credentials", ""},
		{"expired", dep.Handler(current, name), legacyToken(t, legacySecret, jwt.MapClaims{"sub": "101", "exp": time.Now().Add(-time.Minute).Unix()}, nil), 401, "Could not validate credentials", ""},
		{"no exp", dep.Handler(current, name), legacyToken(t, legacySecret, jwt.MapClaims{"sub": "101"}, nil), 401, "Could not validate credentials", ""},
		{"iat in the future", dep.Handler(current, name), legacyToken(t, legacySecret, jwt.MapClaims{"sub": "101", "exp": exp, "iat": time.Now().Add(time.Hour).Unix()}, nil), 401, "Could not validate credentials", ""},
		{"sub not a string", dep.Handler(current, name), legacyToken(t, legacySecret, jwt.MapClaims{"sub": 101, "exp": exp}, nil), 401, "Could not validate credentials", ""},
		{"empty sub", dep.Handler(current, name), legacyToken(t, legacySecret, jwt.MapClaims{"sub": "", "exp": exp}, nil), 401, "Could not validate credentials", ""},
		{"a kid", dep.Handler(current, name), legacyToken(t, legacySecret, jwt.MapClaims{"sub": "101", "exp": exp}, map[string]any{"kid": "k1"}), 401, "Could not validate credentials", ""},
		{"crit", dep.Handler(current, name), legacyToken(t, legacySecret, jwt.MapClaims{"sub": "101", "exp": exp}, map[string]any{"crit": []string{"x"}}), 401, "Could not validate credentials", ""},
		{"alg none", dep.Handler(current, name), none, 401, "Could not validate credentials", ""},
		{"HS512", dep.Handler(current, name), hs512s, 401, "Could not validate credentials", ""},
		{"padded base64", dep.Handler(current, name), ok + "=", 401, "Could not validate credentials", ""},
		{"duplicate sub", dep.Handler(current, name), signRaw(t, legacySecret, `{"alg":"HS256","typ":"JWT"}`, `{"sub":"103","sub":"101","exp":`+jsonInt(exp)+`}`), 401, "Could not validate credentials", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call(tt.h, map[string]string{"Authorization": "Bearer " + tt.token})
			if got.code != tt.wantCode || got.detail != tt.wantDetail {
				t.Fatalf("got %d %q, want %d %q (%s)", got.code, got.detail, tt.wantCode, tt.wantDetail, got.body)
			}
			if tt.wantBody != "" && got.body != tt.wantBody+"\n" {
				t.Fatalf("body = %q, want %q", got.body, tt.wantBody)
			}
		})
	}
}

// TestLegacyTokensUntil: from Until on, no legacy token is accepted, and
// without Config.Legacy none ever is.
func TestLegacyTokensUntil(t *testing.T) {
	t.Parallel()
	tok := legacyToken(t, legacySecret, jwt.MapClaims{"sub": "101", "exp": time.Now().Add(time.Hour).Unix()}, nil)
	for _, tt := range []struct {
		name string
		f    *fixture
		want int
	}{
		{"before Until", newLegacyFixture(t, time.Now().Add(time.Minute)), 200},
		{"after Until", newLegacyFixture(t, time.Now().Add(-time.Second)), 401},
		{"no Legacy", newFixture(t), 401},
	} {
		if got := call(dep.Handler(tt.f.authn.Bearer(), name), map[string]string{"Authorization": "Bearer " + tok}); got.code != tt.want {
			t.Errorf("%s: GET with a legacy token = %d %q, want %d", tt.name, got.code, got.detail, tt.want)
		}
	}
}

// TestLegacyTokensConfig: an incomplete Legacy is refused by
// NewAuthenticator, not found as a 401 on every request.
func TestLegacyTokensConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	users := legacyUsers{store: f.store}
	until := time.Now().Add(time.Hour)
	for _, tt := range []struct {
		name string
		cfg  auth.Config[member]
	}{
		{"no secret", auth.Config[member]{Keyring: f.kr, Sessions: f.store, Legacy: &auth.LegacyTokens[member]{Until: until, Users: users}}},
		{"no until", auth.Config[member]{Keyring: f.kr, Sessions: f.store, Legacy: &auth.LegacyTokens[member]{Secret: []byte("s"), Users: users}}},
		{"no users", auth.Config[member]{Keyring: f.kr, Sessions: f.store, Legacy: &auth.LegacyTokens[member]{Secret: []byte("s"), Until: until}}},
		{"no keyring", auth.Config[member]{APIKeys: f.store, Legacy: &auth.LegacyTokens[member]{Secret: []byte("s"), Until: until, Users: users}}},
	} {
		if _, err := auth.NewAuthenticator(tt.cfg); err == nil {
			t.Errorf("NewAuthenticator(%s) = nil error, want one", tt.name)
		}
	}
}

// TestVerifyLegacy: every failure wraps ErrInvalidToken.
func TestVerifyLegacy(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tok := legacyToken(t, legacySecret, jwt.MapClaims{"sub": "7", "exp": now.Add(time.Minute).Unix()}, nil)
	if sub, err := auth.VerifyLegacy(tok, []byte(legacySecret), now, 30*time.Second); err != nil || sub != "7" {
		t.Fatalf("VerifyLegacy = %q, %v, want 7", sub, err)
	}
	if _, err := auth.VerifyLegacy(tok, []byte("wrong"), now, 30*time.Second); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("VerifyLegacy with another secret = %v, want ErrInvalidToken", err)
	}
	if _, err := auth.VerifyLegacy(tok, []byte(legacySecret), now.Add(2*time.Minute), 30*time.Second); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("VerifyLegacy after exp = %v, want ErrInvalidToken", err)
	}
}

func jsonInt(n int64) string { return strconv.FormatInt(n, 10) }

// signRaw signs header and payload, JSON as given, with HS256.
func signRaw(t testing.TB, secret, header, payload string) string {
	t.Helper()
	in := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	sig, err := jwt.SigningMethodHS256.Sign(in, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}
