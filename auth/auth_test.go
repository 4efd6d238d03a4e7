package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// member is a test user type.
type member struct {
	ID     int64
	Name   string
	Role   string
	Active bool
}

func (m member) IsActive() bool           { return m.Active }
func (m member) HasRole(role string) bool { return m.Role == role }
func (m member) Subject() int64           { return m.ID }

// fakeStore holds users, live sessions and API keys in memory.
type fakeStore struct {
	users    map[int64]member
	sessions map[string]int64 // sid → user id
	keys     map[string]auth.StoredKey[member]
	used     []string
}

func (f *fakeStore) FindSession(_ context.Context, sub, sid string) (member, error) {
	uid, err := strconv.ParseInt(sub, 10, 64)
	if err != nil || f.sessions[sid] != uid {
		return member{}, auth.ErrUnknown
	}
	return f.users[uid], nil
}

func (f *fakeStore) FindAPIKey(_ context.Context, prefix string) (auth.StoredKey[member], error) {
	k, ok := f.keys[prefix]
	if !ok {
		return k, auth.ErrUnknown
	}
	k.User = f.users[k.User.ID]
	return k, nil
}

func (f *fakeStore) APIKeyUsed(_ context.Context, k auth.StoredKey[member], _ time.Time) {
	f.used = append(f.used, k.ID)
}

const secret = "an-example-secret-of-32-bytes-or-more!!"

// fixture is an Authenticator over a fakeStore with users ada (active
// user), root (active admin) and zed (inactive).
type fixture struct {
	store *fakeStore
	authn *auth.Authenticator[member]
	kr    *auth.Keyring
}

func newFixture(t testing.TB) *fixture {
	key, err := auth.HS256Key("k1", []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := auth.NewKeyring(auth.KeyringConfig{Issuer: "test", Audience: "test"}, key)
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeStore{
		users: map[int64]member{
			1: {ID: 1, Name: "ada", Role: "user", Active: true},
			2: {ID: 2, Name: "root", Role: "admin", Active: true},
			3: {ID: 3, Name: "zed", Role: "user", Active: false},
		},
		sessions: map[string]int64{"s1": 1, "s2": 2, "s3": 3},
		keys:     map[string]auth.StoredKey[member]{},
	}
	return &fixture{store: s, kr: kr, authn: auth.MustNewAuthenticator(auth.Config[member]{Keyring: kr, Sessions: s, APIKeys: s})}
}

func (f *fixture) token(t testing.TB, uid int64, sid string, scopes ...string) string {
	tok, err := f.kr.Issue(auth.Claims{Subject: strconv.FormatInt(uid, 10), SessionID: sid, Scopes: scopes, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *fixture) key(uid int64, scopes []string, expires time.Time) string {
	key, prefix, hash := auth.NewAPIKey()
	f.store.keys[prefix] = auth.StoredKey[member]{ID: prefix, Hash: hash, Scopes: scopes, ExpiresAt: expires, User: member{ID: uid}}
	return key
}

type answer struct {
	code      int
	detail    string
	challenge []string
	body      string
}

func call(h http.Handler, header map[string]string) answer {
	r := httptest.NewRequest("GET", "/x", nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	a := answer{code: rec.Code, challenge: rec.Header().Values("WWW-Authenticate"), body: rec.Body.String()}
	var p problem.Details
	if json.Unmarshal(rec.Body.Bytes(), &p) == nil {
		a.detail = p.Detail
	}
	return a
}

func name(_ context.Context, p auth.Principal[member]) (string, error) { return p.User().Name, nil }

func TestChain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	current := auth.AnyOf(f.authn.Bearer(), f.authn.APIKey())
	active := auth.ActiveUser(current)
	admin := auth.RequireAdmin(active)
	editor := auth.RequireRole(active, "editor")
	writer := auth.RequireScopes(active, "notes:write")

	adaRead := f.token(t, 1, "s1", "notes:read")
	adaKey := f.key(1, []string{"notes:read", "notes:write"}, time.Time{})
	oldKey := f.key(1, []string{"notes:read"}, time.Now().Add(-time.Minute))
	zedKey := f.key(3, []string{"notes:read"}, time.Time{})

	privName := func(_ context.Context, p auth.Privileged[member]) (string, error) {
		return p.User().Name + ":" + p.Grant.Role(), nil
	}
	tests := []struct {
		name       string
		h          http.Handler
		header     map[string]string
		wantCode   int
		wantDetail string
		wantBody   string
	}{
		{"bearer", dep.Handler(current, name), map[string]string{"Authorization": "Bearer " + adaRead}, 200, "", `"ada"`},
		{"scheme is case-insensitive", dep.Handler(current, name), map[string]string{"Authorization": "bEaReR " + adaRead}, 200, "", `"ada"`},
		{"api key", dep.Handler(current, name), map[string]string{"X-API-Key": adaKey}, 200, "", `"ada"`},
		{"bad bearer does not fall through to a good key", dep.Handler(current, name), map[string]string{"Authorization": "Bearer x", "X-API-Key": adaKey}, 401, "Could not validate credentials", ""},
		{"basic scheme is no bearer", dep.Handler(current, name), map[string]string{"Authorization": "Basic YTpi"}, 401, "Not authenticated", ""},
		{"unknown session", dep.Handler(current, name), map[string]string{"Authorization": "Bearer " + f.token(t, 1, "s2")}, 401, "Could not validate credentials", ""},
		{"inactive user", dep.Handler(active, name), map[string]string{"Authorization": "Bearer " + f.token(t, 3, "s3")}, 400, "Inactive user", ""},
		{"inactive user's key", dep.Handler(current, name), map[string]string{"X-API-Key": zedKey}, 403, "Invalid API key", ""},
		{"expired key", dep.Handler(current, name), map[string]string{"X-API-Key": oldKey}, 403, "Invalid API key", ""},
		{"admin", dep.Handler(admin, privName), map[string]string{"Authorization": "Bearer " + f.token(t, 2, "s2")}, 200, "", `"root:admin"`},
		{"not admin", dep.Handler(admin, privName), map[string]string{"Authorization": "Bearer " + adaRead}, 403, "Admin access required", ""},
		{"wrong role", dep.Handler(editor, privName), map[string]string{"Authorization": "Bearer " + adaRead}, 403, "Insufficient permissions", ""},
		{"missing scope", dep.Handler(writer, name), map[string]string{"Authorization": "Bearer " + adaRead}, 403, "Not enough permissions", ""},
		{"key scope suffices", dep.Handler(writer, name), map[string]string{"X-API-Key": adaKey}, 200, "", `"ada"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call(tt.h, tt.header)
			if got.code != tt.wantCode || got.detail != tt.wantDetail {
				t.Fatalf("got %d %q, want %d %q (%s)", got.code, got.detail, tt.wantCode, tt.wantDetail, got.body)
			}
			if tt.wantBody != "" && got.body != tt.wantBody+"\n" {
				t.Fatalf("body = %q, want %q", got.body, tt.wantBody)
			}
		})
	}
	if len(f.store.used) == 0 {
		t.Error("APIKeyUsed was never told of a use")
	}
}

func TestOptional(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	maybe := auth.Optional(f.authn.Bearer())
	h := dep.Handler(maybe, func(_ context.Context, p auth.Principal[member]) (string, error) {
		if !p.Authenticated() {
			return "anonymous", nil
		}
		return p.User().Name, nil
	})
	owner := dep.Handler(auth.OwnerOf[int64](maybe), func(_ context.Context, o auth.Owner[int64]) (int64, error) { return o.ID(), nil })
	tests := []struct {
		name     string
		h        http.Handler
		header   map[string]string
		wantCode int
		wantBody string
	}{
		{"no token: anonymous", h, nil, 200, "\"anonymous\"\n"},
		{"token", h, map[string]string{"Authorization": "Bearer " + f.token(t, 1, "s1")}, 200, "\"ada\"\n"},
		{"bad token still fails", h, map[string]string{"Authorization": "Bearer nope"}, 401, ""},
		{"anonymous owns nothing", owner, nil, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call(tt.h, tt.header)
			if got.code != tt.wantCode || (tt.wantBody != "" && got.body != tt.wantBody) {
				t.Fatalf("got %d %q, want %d %q", got.code, got.body, tt.wantCode, tt.wantBody)
			}
		})
	}
}

// TestMiddlewareMatchesDependency: the seed's two approaches, built from
// the same dependencies, give the same answers on the same routes.
func TestMiddlewareMatchesDependency(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	active := auth.ActiveUser(f.authn.Bearer())
	public := dep.Handler(dep.None, func(context.Context, struct{}) (string, error) { return "public", nil })

	perRoute := http.NewServeMux()
	perRoute.Handle("GET /public", public)
	perRoute.Handle("GET /me", dep.Handler(active, name))

	global := http.NewServeMux()
	global.Handle("GET /public", public)
	global.Handle("GET /me", dep.Handler(active, name)) // reuses the middleware's value
	viaMiddleware := auth.Middleware(active, nil, "/public")(global)

	headers := []map[string]string{
		nil,
		{"Authorization": "Bearer " + f.token(t, 1, "s1")},
		{"Authorization": "Bearer " + f.token(t, 3, "s3")},
		{"Authorization": "Bearer " + f.token(t, 1, "gone")},
		{"Authorization": "Bearer garbage"},
		{"Authorization": "Basic YTpi"},
	}
	for _, path := range []string{"/public", "/me"} {
		for _, h := range headers {
			mk := func(handler http.Handler) answer {
				r := httptest.NewRequest("GET", path, nil)
				for k, v := range h {
					r.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, r)
				return answer{code: rec.Code, challenge: rec.Header().Values("WWW-Authenticate"), body: rec.Body.String()}
			}
			a, b := mk(perRoute), mk(viaMiddleware)
			if a.code != b.code || a.body != b.body || !slices.Equal(a.challenge, b.challenge) {
				t.Errorf("GET %s %v: dependency = %+v, middleware = %+v", path, h, a, b)
			}
		}
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	active := auth.ActiveUser(auth.AnyOf(f.authn.Bearer(), f.authn.APIKey()))
	tests := []struct {
		name        string
		h           *dep.Endpoint
		wantSchemes []string
		wantString  string
		protected   bool
		scopes      []string
		roles       []string
		owner       bool
	}{
		{"public", dep.Handler(dep.None, func(context.Context, struct{}) (int, error) { return 0, nil }), nil, "-", false, nil, nil, false},
		{"bearer or key, scoped, owner", dep.Handler(auth.OwnerOf[int64](auth.RequireScopes(active, "notes:read")), func(context.Context, auth.Owner[int64]) (int, error) { return 0, nil }),
			[]string{auth.SchemeBearer, auth.SchemeAPIKeyHeader}, "OAuth2PasswordBearer | APIKeyHeader", true, []string{"notes:read"}, nil, true},
		{"admin", dep.Handler(auth.RequireScopes(auth.RequireAdmin(active), "admin"), func(context.Context, auth.Privileged[member]) (int, error) { return 0, nil }),
			[]string{auth.SchemeBearer, auth.SchemeAPIKeyHeader}, "OAuth2PasswordBearer | APIKeyHeader", true, []string{"admin"}, []string{"admin"}, false},
		{"optional", dep.Handler(auth.Optional(f.authn.Bearer()), name), []string{auth.SchemeBearer}, "OAuth2PasswordBearer | anonymous", false, nil, nil, false},
		{"one chain reached twice is one choice", dep.Handler2(active, auth.OwnerOf[int64](active), func(context.Context, auth.Principal[member], auth.Owner[int64]) (int, error) { return 0, nil }),
			[]string{auth.SchemeBearer, auth.SchemeAPIKeyHeader}, "OAuth2PasswordBearer | APIKeyHeader", true, nil, nil, true},
		{"two credentials both required", dep.Handler2(f.authn.Bearer(), f.authn.APIKey(), func(context.Context, auth.Principal[member], auth.Principal[member]) (int, error) { return 0, nil }),
			[]string{auth.SchemeBearer, auth.SchemeAPIKeyHeader}, "OAuth2PasswordBearer+APIKeyHeader", true, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := auth.Describe(tt.h.Inputs())
			if got := s.Schemes(); !slices.Equal(got, tt.wantSchemes) {
				t.Errorf("Schemes() = %q, want %q", got, tt.wantSchemes)
			}
			if got := s.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
			if s.Protected() != tt.protected || !slices.Equal(s.Scopes, tt.scopes) || !slices.Equal(s.Roles, tt.roles) || s.OwnerScoped != tt.owner {
				t.Errorf("Describe = %+v", s)
			}
		})
	}
}

func TestAPIKeyFormat(t *testing.T) {
	t.Parallel()
	key, prefix, hash := auth.NewAPIKey()
	got, ok := auth.SplitAPIKey(key)
	if !ok || got != prefix || !slices.Equal(auth.HashAPIKey(key), hash) {
		t.Fatalf("SplitAPIKey(%q) = %q, %v; want %q", key, got, ok, prefix)
	}
	other, _, _ := auth.NewAPIKey()
	if other == key {
		t.Fatal("NewAPIKey repeated a key")
	}
	for _, bad := range []string{"", "gk_", "gk_zzzzzzzzzzzz_AAAAAAAAAAAAAAAAAAAAAAAAAA", key + "x", key[3:], "GK" + key[2:]} {
		if _, ok := auth.SplitAPIKey(bad); ok {
			t.Errorf("SplitAPIKey(%q) accepted", bad)
		}
	}
}
