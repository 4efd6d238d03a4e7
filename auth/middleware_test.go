package auth_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/auth"
)

// TestPrincipalFrom: a plain http.Handler behind Middleware learns who is
// calling; on a public path and without Middleware there is no one.
func TestPrincipalFrom(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var got auth.Principal[member]
	var ok bool
	plain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok = auth.PrincipalFrom[member](r.Context())
	})
	tests := []struct {
		name     string
		mw       func(http.Handler) http.Handler
		path     string
		uid      int64
		wantOK   bool
		wantName string
	}{
		{"active user", auth.Middleware(auth.ActiveUser(f.authn.Bearer()), nil, "/public"), "/me", 1, true, "ada"},
		{"admin (Privileged embeds it)", auth.Middleware(auth.RequireAdmin(f.authn.Bearer()), nil), "/me", 2, true, "root"},
		{"refused", auth.Middleware(auth.RequireAdmin(f.authn.Bearer()), nil), "/me", 1, false, ""},
		{"public path", auth.Middleware(f.authn.Bearer(), nil, "/public"), "/public", 1, false, ""},
		{"no middleware", func(h http.Handler) http.Handler { return h }, "/me", 1, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok = auth.Principal[member]{}, false
			r := httptest.NewRequest("GET", tt.path, nil)
			r.Header.Set("Authorization", "Bearer "+f.token(t, tt.uid, "s"+strconv.FormatInt(tt.uid, 10)))
			rec := httptest.NewRecorder()
			tt.mw(plain).ServeHTTP(rec, r)
			if ok != tt.wantOK || got.User().Name != tt.wantName {
				t.Errorf("PrincipalFrom = %q, %v (status %d), want %q, %v", got.User().Name, ok, rec.Code, tt.wantName, tt.wantOK)
			}
		})
	}
}

// TestNewAuthenticatorRefusesIncompleteConfig: a missing store is an error
// at construction, not a 500 on every request.
func TestNewAuthenticatorRefusesIncompleteConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name string
		cfg  auth.Config[member]
		want string
	}{
		{"nothing", auth.Config[member]{}, "no way in"},
		{"keyring without sessions", auth.Config[member]{Keyring: f.kr, APIKeys: f.store}, "go together"},
		{"sessions without keyring", auth.Config[member]{Sessions: f.store}, "go together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := auth.NewAuthenticator(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || a != nil {
				t.Errorf("NewAuthenticator(%s) = %v, %v; want an error saying %q", tt.name, a, err, tt.want)
			}
		})
	}
	// A dependency whose store is missing panics while routes are wired.
	keysOnly := auth.MustNewAuthenticator(auth.Config[member]{APIKeys: f.store})
	for name, get := range map[string]func(){
		"Bearer":  func() { keysOnly.Bearer() },
		"Session": func() { keysOnly.Session() },
	} {
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, name+" needs") {
					t.Errorf("%s() without its store: recover() = %q, want a panic", name, msg)
				}
			}()
			get()
		}()
	}
}
