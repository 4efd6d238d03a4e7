package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
)

// account is an application's user type.
type account struct {
	ID     int64
	Name   string
	Role   string
	Active bool
}

func (a account) IsActive() bool           { return a.Active }
func (a account) HasRole(role string) bool { return a.Role == role }
func (a account) Subject() int64           { return a.ID }

// sessions is an in-memory auth.SessionStore: session id → account.
type sessions map[string]account

func (s sessions) FindSession(_ context.Context, sub, sid string) (account, error) {
	a, ok := s[sid]
	if !ok || strconv.FormatInt(a.ID, 10) != sub {
		return account{}, auth.ErrUnknown
	}
	return a, nil
}

// keys is an auth.APIKeyStore that knows no key.
type keys struct{}

func (keys) FindAPIKey(context.Context, string) (auth.StoredKey[account], error) {
	return auth.StoredKey[account]{}, auth.ErrUnknown
}
func (keys) APIKeyUsed(context.Context, auth.StoredKey[account], time.Time) {}

// keyring is the examples' keyring.
func keyring() *auth.Keyring {
	key, _ := auth.HS256Key("k1", []byte("example-secret-of-at-least-32-bytes!!"))
	kr, _ := auth.NewKeyring(auth.KeyringConfig{Issuer: "example", Audience: "example"}, key)
	return kr
}

// The FastAPI chain, oauth2_scheme → get_current_user →
// get_current_active_user → require_admin, as dependencies.
func Example() {
	key, _ := auth.HS256Key("k1", []byte("example-secret-of-at-least-32-bytes!!"))
	kr, _ := auth.NewKeyring(auth.KeyringConfig{Issuer: "example", Audience: "example"}, key)
	store := sessions{"s1": {ID: 1, Name: "ada", Role: "user", Active: true}, "s2": {ID: 2, Name: "root", Role: "admin", Active: true}}
	authn := auth.MustNewAuthenticator(auth.Config[account]{Keyring: kr, Sessions: store})

	active := auth.ActiveUser(authn.Bearer())
	admin := auth.RequireAdmin(active)
	h := dep.Handler(admin, func(_ context.Context, p auth.Privileged[account]) (string, error) {
		return "hello " + p.User().Name, nil
	})

	for _, sid := range []string{"", "s1", "s2"} {
		r := httptest.NewRequest("GET", "/admin", nil)
		if sid != "" {
			tok, _ := kr.Issue(auth.Claims{Subject: strconv.FormatInt(store[sid].ID, 10), SessionID: sid, ExpiresAt: time.Now().Add(time.Hour)})
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 401 {"type":"about:blank","title":"Unauthorized","status":401,"detail":"Not authenticated"}
	// 403 {"type":"about:blank","title":"Forbidden","status":403,"detail":"Admin access required"}
	// 200 "hello root"
}

// OwnerOf mints the proof storage asks for: data access bound to the user.
func ExampleOwnerOf() {
	key, _ := auth.HS256Key("k1", []byte("example-secret-of-at-least-32-bytes!!"))
	kr, _ := auth.NewKeyring(auth.KeyringConfig{Issuer: "example", Audience: "example"}, key)
	authn := auth.MustNewAuthenticator(auth.Config[account]{Keyring: kr, Sessions: sessions{"s1": {ID: 7, Active: true}}})
	owner := auth.OwnerOf[int64](auth.ActiveUser(authn.Bearer()))
	h := dep.Handler(owner, func(_ context.Context, o auth.Owner[int64]) (string, error) {
		return fmt.Sprintf("notes of user %d", o.ID()), nil // store.Notes(o)…
	})
	tok, _ := kr.Issue(auth.Claims{Subject: "7", SessionID: "s1", ExpiresAt: time.Now().Add(time.Hour)})
	r := httptest.NewRequest("GET", "/notes", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	fmt.Print(rec.Body.String())
	// Output: "notes of user 7"
}

// Middleware is the seed's global variant: every path but the public ones
// needs the dependency.
func ExampleMiddleware() {
	key, _ := auth.HS256Key("k1", []byte("example-secret-of-at-least-32-bytes!!"))
	kr, _ := auth.NewKeyring(auth.KeyringConfig{Issuer: "example", Audience: "example"}, key)
	authn := auth.MustNewAuthenticator(auth.Config[account]{Keyring: kr, Sessions: sessions{}})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /public", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "Anyone can see this") })
	mux.HandleFunc("GET /private", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "secret") })
	h := auth.Middleware(auth.ActiveUser(authn.Bearer()), nil, "/public")(mux)
	for _, path := range []string{"/public", "/private"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, rec.Code)
	}
	// Output:
	// /public 200
	// /private 401
}

// AnyOf accepts either credential and documents both.
func ExampleAnyOf() {
	authn := auth.MustNewAuthenticator(auth.Config[account]{Keyring: keyring(), Sessions: sessions{}, APIKeys: keys{}})
	either := auth.AnyOf(authn.Bearer(), authn.APIKey())
	h := dep.Handler(either, func(context.Context, auth.Principal[account]) (string, error) { return "", nil })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, rec.Header().Values("WWW-Authenticate"))
	fmt.Println(auth.Describe(h.Inputs()))
	// Output:
	// 401 [Bearer APIKey]
	// OAuth2PasswordBearer | APIKeyHeader
}

// browser is an in-memory auth.WebSessionStore: cookie value → session.
// A real one stores only the cookie's SHA-256.
type browser map[string]auth.WebSession[account]

func (b browser) FindWebSession(_ context.Context, cookie string) (auth.WebSession[account], error) {
	if ws, ok := b[cookie]; ok {
		return ws, nil
	}
	return auth.WebSession[account]{}, auth.ErrUnknown
}

// Session authenticates browsers by their session cookie, so pages and
// API routes share one chain of checks.
func ExampleAuthenticator_Session() {
	authn := auth.MustNewAuthenticator(auth.Config[account]{
		WebSessions:   browser{"c00kie": {ID: "9", User: account{ID: 1, Name: "ada", Active: true}}},
		SessionCookie: "notesd_session",
	})
	h := dep.Handler(auth.ActiveUser(authn.Session()), func(_ context.Context, p auth.Principal[account]) (string, error) {
		return "hello " + p.User().Name, nil
	})
	for _, cookie := range []string{"", "stale", "c00kie"} {
		r := httptest.NewRequest("GET", "/ui/", nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: "notesd_session", Value: cookie})
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	// Output:
	// 401 Cookie cookie-name="notesd_session"
	// 401 Cookie cookie-name="notesd_session"
	// 200
}
