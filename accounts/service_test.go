package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/sqlitestore"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/mail"
	"github.com/gatehouse-dev/gatehouse/problem"
)

const testSecret = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"

var testScopes = []accounts.Scope{
	{Name: "notes:read", Description: "Read your notes"},
	{Name: "notes:write", Description: "Write your notes"},
	{Name: "admin", Description: "Administer", AdminOnly: true},
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a Service on a fresh SQLite database.
type fixture struct {
	svc   *accounts.Service
	db    *sqlitestore.Store
	clock *clock
}

func newFixture(t *testing.T, opts ...func(*accounts.Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "accounts.db"))
	if err != nil {
		t.Fatalf("sqlitestore.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	key, err := auth.HS256Key("k1", []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := auth.NewKeyring(auth.KeyringConfig{Issuer: "test", Audience: "test"}, key)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Now()}
	cfg := accounts.Config{
		Stores:  db.Stores(),
		Keyring: kr,
		Hasher:  auth.NewHasher(auth.HasherConfig{Params: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}}),
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:     c.Now,
		Scopes:  testScopes,
	}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := accounts.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &fixture{svc: svc, db: db, clock: c}
}

// user registers a user and, for role admin, promotes them in the store.
func (f *fixture) user(t *testing.T, email string, role accounts.Role) accounts.User {
	t.Helper()
	ctx := context.Background()
	u, err := f.svc.Register(ctx, accounts.Client{IP: "192.0.2.1"}, accounts.Registration{Email: email, Password: "password-" + email, Name: "Test"})
	if err != nil {
		t.Fatalf("Register(%s) = %v", email, err)
	}
	if role == accounts.RoleAdmin {
		admin := accounts.RoleAdmin
		if _, err := f.db.UpdateUser(ctx, adminGrant(t), u.ID, accounts.UserPatch{Role: &admin}); err != nil {
			t.Fatal(err)
		}
		u.Role = role
	}
	return u
}

// resolve runs d for a request carrying set's credential, through the
// Service's Authenticator, as a route would.
func resolve[T any](t *testing.T, d dep.Dep[T], set func(*http.Request)) (T, error) {
	t.Helper()
	var got T
	called := false
	h := dep.Handler(d, func(_ context.Context, v T) (struct{}, error) {
		got, called = v, true
		return struct{}{}, nil
	})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	set(r)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if !called {
		return got, fmt.Errorf("refused: %d %s", rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	return got, nil
}

func bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// principal is the principal and owner of an access token.
func (f *fixture) principal(t *testing.T, token string) (accounts.Principal, accounts.Owner) {
	t.Helper()
	b := f.svc.Authenticator().Bearer()
	both := dep.Derive2(b, auth.OwnerOf[int64](b), func(_ context.Context, p accounts.Principal, o accounts.Owner) (struct {
		p accounts.Principal
		o accounts.Owner
	}, error) {
		return struct {
			p accounts.Principal
			o accounts.Owner
		}{p, o}, nil
	})
	v, err := resolve(t, both, bearer(token))
	if err != nil {
		t.Fatalf("token refused: %v", err)
	}
	return v.p, v.o
}

func (f *fixture) login(t *testing.T, email string, scopes ...string) accounts.TokenPair {
	t.Helper()
	tp, err := f.svc.Login(context.Background(), accounts.Client{IP: "192.0.2.1"}, accounts.LoginRequest{Email: email, Password: "password-" + email, Scopes: scopes})
	if err != nil {
		t.Fatalf("Login(%s) = %v", email, err)
	}
	return tp
}

// status is the problem status of err, 0 when it is none.
func status(err error) int {
	var p *problem.Details
	if errors.As(err, &p) {
		return p.Status
	}
	return 0
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	t.Parallel()
	kr, err := auth.NewKeyring(auth.KeyringConfig{Issuer: "test", Audience: "test"}, mustKey(t))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlitestore.Open(t.Context(), filepath.Join(t.TempDir(), "incomplete.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := auth.NewHasher(auth.HasherConfig{})
	without := func(drop func(*accounts.Stores)) accounts.Config {
		st := db.Stores()
		drop(&st)
		return accounts.Config{Stores: st, Keyring: kr, Hasher: h}
	}
	tests := []struct {
		name, want string
		cfg        accounts.Config
	}{
		{"no keyring", "keyring", accounts.Config{Stores: db.Stores(), Hasher: h}},
		{"no hasher", "hasher", accounts.Config{Stores: db.Stores(), Keyring: kr}},
		{"no stores", "Stores.Users", accounts.Config{Keyring: kr, Hasher: h}},
		{"no sessions", "Stores.Sessions", without(func(s *accounts.Stores) { s.Sessions = nil })},
		{"no web sessions", "Stores.WebSessions", without(func(s *accounts.Stores) { s.WebSessions = nil })},
		{"no api keys", "Stores.APIKeys", without(func(s *accounts.Stores) { s.APIKeys = nil })},
		{"no tokens", "Stores.Tokens", without(func(s *accounts.Stores) { s.Tokens = nil })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := accounts.New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(%s) = %v, want an error naming %s", tt.name, err, tt.want)
			}
		})
	}
	if _, err := accounts.New(without(func(s *accounts.Stores) { s.Purger = nil })); err != nil {
		t.Errorf("New(no Purger) = %v, want nil: retention is the janitor's, not the flows'", err)
	}
}

func mustKey(t *testing.T) auth.SigningKey {
	t.Helper()
	k, err := auth.HS256Key("k1", []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestLoginScopes: the scopes asked for, cut to what the role allows; none
// asked for is every allowed one.
func TestLoginScopes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.user(t, "ada@example.com", accounts.RoleUser)
	f.user(t, "root@example.com", accounts.RoleAdmin)
	tests := []struct {
		name, email string
		ask         []string
		want        string
	}{
		{"user, none asked", "ada@example.com", nil, "notes:read notes:write"},
		{"user asks admin", "ada@example.com", []string{"notes:read", "admin"}, "notes:read"},
		{"user asks unknown", "ada@example.com", []string{"bogus"}, ""},
		{"admin, none asked", "root@example.com", nil, "notes:read notes:write admin"},
		{"admin asks admin", "root@example.com", []string{"admin"}, "admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := f.login(t, tt.email, tt.ask...)
			if got := strings.Join(tp.Scopes, " "); got != tt.want {
				t.Errorf("Login scopes = %q, want %q", got, tt.want)
			}
			p, _ := f.principal(t, tp.AccessToken)
			if p.User().Email != tt.email {
				t.Errorf("token's user = %s, want %s", p.User().Email, tt.email)
			}
		})
	}
}

// TestLoginCountsClient: a Client not counted by a Gate counts against its
// address's limit in the flow itself.
func TestLoginCountsClient(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *accounts.Config) { c.Limits.LoginPerIP = 2 })
	f.user(t, "ada@example.com", accounts.RoleUser)
	ctx := context.Background()
	in := accounts.LoginRequest{Email: "ada@example.com", Password: "password-ada@example.com"}
	for i, want := range []int{0, 0, http.StatusTooManyRequests} {
		_, err := f.svc.Login(ctx, accounts.Client{IP: "2001:db8::1"}, in)
		if got := status(err); got != want || (want == 0 && err != nil) {
			t.Fatalf("Login #%d = %v, want status %d", i+1, err, want)
		}
	}
	// The same /64 is the same client; another address is not.
	if _, err := f.svc.Login(ctx, accounts.Client{IP: "2001:db8::2"}, in); status(err) != http.StatusTooManyRequests {
		t.Errorf("Login from the same /64 = %v, want 429", err)
	}
	if _, err := f.svc.Login(ctx, accounts.Client{IP: "192.0.2.9"}, in); err != nil {
		t.Errorf("Login from another address = %v, want nil", err)
	}
}

// TestAuthenticate: the answers of the password check, in SPEC order.
func TestAuthenticate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *accounts.Config) { c.RequireVerifiedEmail = true })
	ctx := context.Background()
	u := f.user(t, "ada@example.com", accounts.RoleUser)
	tests := []struct {
		name, email, password string
		want                  int
	}{
		{"overlong e-mail", strings.Repeat("a", 250) + "@x.io", "whatever", http.StatusUnprocessableEntity},
		{"unknown e-mail", "nobody@example.com", "password-nobody", http.StatusUnauthorized},
		{"wrong password", "ada@example.com", "wrong-password", http.StatusUnauthorized},
		{"right password, unverified", "ADA@example.com", "password-ada@example.com", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.Authenticate(ctx, tt.email, tt.password); status(err) != tt.want {
				t.Errorf("Authenticate = %v, want status %d", err, tt.want)
			}
		})
	}
	if _, err := f.db.UpdateUser(ctx, adminGrant(t), u.ID, accounts.UserPatch{Active: new(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, "ada@example.com", "password-ada@example.com"); err == nil || !strings.Contains(err.Error(), "Inactive user") {
		t.Errorf("Authenticate of an inactive user = %v, want Inactive user", err)
	}
}

// TestRefresh: rotation, the retry within the reuse interval, and reuse
// past it revoking the session.
func TestRefresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *accounts.Config) { c.RefreshReuseInterval = 10 * time.Second })
	ctx := context.Background()
	f.user(t, "ada@example.com", accounts.RoleUser)
	c := accounts.Client{IP: "192.0.2.1"}
	first := f.login(t, "ada@example.com", "notes:read")
	second, err := f.svc.Refresh(ctx, c, first.RefreshToken)
	if err != nil || second.RefreshToken == first.RefreshToken || strings.Join(second.Scopes, " ") != "notes:read" {
		t.Fatalf("Refresh = %+v, %v; want a new pair with the login's scopes", second, err)
	}
	if _, err := f.svc.Refresh(ctx, c, first.RefreshToken); err != nil {
		t.Fatalf("Refresh with the previous token within the interval = %v, want a fresh pair", err)
	}
	f.clock.Add(time.Minute)
	if _, err := f.svc.Refresh(ctx, c, first.RefreshToken); status(err) != http.StatusUnauthorized {
		t.Fatalf("Refresh with a used token past the interval = %v, want 401", err)
	}
	if _, err := resolve(t, f.svc.Authenticator().Bearer(), bearer(second.AccessToken)); err == nil {
		t.Error("the session's access token still works after reuse was detected")
	}
	if _, err := f.svc.Refresh(ctx, c, "unknown"); status(err) != http.StatusUnauthorized {
		t.Errorf("Refresh with an unknown token = %v, want 401", err)
	}
}

// TestLogout: the token stops working; a second logout is 401.
func TestLogout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "ada@example.com", accounts.RoleUser)
	tp := f.login(t, "ada@example.com")
	p, o := f.principal(t, tp.AccessToken)
	if err := f.svc.Logout(ctx, p, o); err != nil {
		t.Fatalf("Logout = %v", err)
	}
	if _, err := resolve(t, f.svc.Authenticator().Bearer(), bearer(tp.AccessToken)); err == nil {
		t.Error("the token works after logout")
	}
	if err := f.svc.Logout(ctx, p, o); status(err) != http.StatusUnauthorized {
		t.Errorf("second Logout = %v, want 401", err)
	}
}

// TestChangePassword: the session making the change stays, the others end.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "ada@example.com", accounts.RoleUser)
	keep, other := f.login(t, "ada@example.com"), f.login(t, "ada@example.com")
	p, o := f.principal(t, keep.AccessToken)
	tests := []struct {
		name, current, next string
		want                int
	}{
		{"short new password", "password-ada@example.com", "short", 0},
		{"wrong current", "nope-nope", "a-new-password", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.svc.ChangePassword(ctx, p, o, tt.current, tt.next)
			var ve *accounts.ValidationError
			if err == nil || (tt.want == 0 && !errors.As(err, &ve)) || (tt.want != 0 && status(err) != tt.want) {
				t.Errorf("ChangePassword = %v, want status %d (0: validation error)", err, tt.want)
			}
		})
	}
	if err := f.svc.ChangePassword(ctx, p, o, "password-ada@example.com", "a-new-password"); err != nil {
		t.Fatalf("ChangePassword = %v", err)
	}
	if _, err := resolve(t, f.svc.Authenticator().Bearer(), bearer(keep.AccessToken)); err != nil {
		t.Errorf("the changing session ended: %v", err)
	}
	if _, err := resolve(t, f.svc.Authenticator().Bearer(), bearer(other.AccessToken)); err == nil {
		t.Error("another session survived the password change")
	}
	if _, err := f.svc.Authenticate(ctx, "ada@example.com", "a-new-password"); err != nil {
		t.Errorf("Authenticate with the new password = %v", err)
	}
}

// TestAPIKeys: a key holds only scopes its creator's role and credential
// hold; the quota holds; another owner's key is 404.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *accounts.Config) { c.APIKeysPerUser = 1 })
	ctx := context.Background()
	f.user(t, "ada@example.com", accounts.RoleUser)
	f.user(t, "bob@example.com", accounts.RoleUser)
	p, o := f.principal(t, f.login(t, "ada@example.com", "notes:read").AccessToken)
	if got := strings.Join(f.svc.KeyScopes(p), " "); got != "notes:read" {
		t.Errorf("KeyScopes = %q, want notes:read", got)
	}
	tests := []struct {
		name   string
		scopes []string
		want   int
	}{
		{"scope the token lacks", []string{"notes:write"}, http.StatusUnprocessableEntity},
		{"scope the role lacks", []string{"admin"}, http.StatusUnprocessableEntity},
		{"no scope", nil, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := f.svc.CreateAPIKey(ctx, p, o, accounts.APIKeyRequest{Name: "k", Scopes: tt.scopes}); status(err) != tt.want {
				t.Errorf("CreateAPIKey(%v) = %v, want %d", tt.scopes, err, tt.want)
			}
		})
	}
	k, secret, err := f.svc.CreateAPIKey(ctx, p, o, accounts.APIKeyRequest{Name: "k", Scopes: []string{"notes:read"}})
	if err != nil || !strings.HasPrefix(secret, auth.APIKeyPrefix) {
		t.Fatalf("CreateAPIKey = %q, %v", secret, err)
	}
	got, err := resolve(t, f.svc.Authenticator().APIKey(), func(r *http.Request) { r.Header.Set("X-API-Key", secret) })
	if err != nil || got.User().Email != "ada@example.com" || !got.HasScope("notes:read") || got.HasScope("notes:write") {
		t.Errorf("the key's principal = %v, %v; want ada with notes:read only", got.User().Email, err)
	}
	if _, _, err := f.svc.CreateAPIKey(ctx, p, o, accounts.APIKeyRequest{Name: "k2", Scopes: []string{"notes:read"}}); !errors.Is(err, accounts.ErrAPIKeyLimit) {
		t.Errorf("CreateAPIKey past the quota = %v, want ErrAPIKeyLimit", err)
	}
	_, bob := f.principal(t, f.login(t, "bob@example.com").AccessToken)
	if err := f.svc.RevokeAPIKey(ctx, bob, k.ID); status(err) != http.StatusNotFound {
		t.Errorf("RevokeAPIKey of another owner's key = %v, want 404", err)
	}
	if err := f.svc.RevokeAPIKey(ctx, o, k.ID); err != nil {
		t.Errorf("RevokeAPIKey = %v", err)
	}
	if keys, err := f.svc.APIKeys(ctx, o); err != nil || len(keys) != 0 {
		t.Errorf("APIKeys after revoking = %v, %v; want none", keys, err)
	}
}

// TestWebLogin: the cookie works through the Authenticator's Session
// credential with every allowed scope, a new login ends the old cookie's
// session, and WebLogout ends it.
func TestWebLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *accounts.Config) { c.SessionCookie = "sid" })
	ctx := context.Background()
	f.user(t, "ada@example.com", accounts.RoleUser)
	c := accounts.Client{IP: "192.0.2.1", UserAgent: "test"}
	cookie := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "sid", Value: v}) }
	}
	session := f.svc.Authenticator().Session()
	first, err := f.svc.WebLogin(ctx, c, "ada@example.com", "password-ada@example.com", "")
	if err != nil {
		t.Fatalf("WebLogin = %v", err)
	}
	p, err := resolve(t, session, cookie(first))
	if err != nil || !p.HasScope("notes:write") || p.HasScope("admin") {
		t.Fatalf("the cookie's principal = %v; want a user's scopes", err)
	}
	if _, err := f.svc.WebLogin(ctx, c, "ada@example.com", "wrong-password", first); status(err) != http.StatusUnauthorized {
		t.Fatalf("WebLogin with a wrong password = %v, want 401", err)
	}
	if _, err := resolve(t, session, cookie(first)); err != nil {
		t.Fatal("a failed login ended the session of the cookie sent")
	}
	second, err := f.svc.WebLogin(ctx, c, "ada@example.com", "password-ada@example.com", first)
	if err != nil || second == first {
		t.Fatalf("second WebLogin = %v; want a new cookie", err)
	}
	if _, err := resolve(t, session, cookie(first)); err == nil {
		t.Error("the old cookie works after a new login")
	}
	p, err = resolve(t, session, cookie(second))
	if err != nil {
		t.Fatal(err)
	}
	_, o := f.principal(t, f.login(t, "ada@example.com").AccessToken)
	if err := f.svc.WebLogout(ctx, p, o); err != nil {
		t.Fatalf("WebLogout = %v", err)
	}
	if _, err := resolve(t, session, cookie(second)); err == nil {
		t.Error("the cookie works after WebLogout")
	}
	// Idle past the timeout: the session ends.
	third, _ := f.svc.WebLogin(ctx, c, "ada@example.com", "password-ada@example.com", "")
	f.clock.Add(accounts.DefaultWebIdleTimeout + time.Minute)
	if _, err := resolve(t, session, cookie(third)); err == nil {
		t.Error("the cookie works past the idle timeout")
	}
}

// TestAdmin: UpdateUser's answers; deactivation ends the user's sessions.
func TestAdmin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	root := f.user(t, "root@example.com", accounts.RoleAdmin)
	ada := f.user(t, "ada@example.com", accounts.RoleUser)
	g := adminGrant(t)
	role := func(s string) *string { return &s }
	tests := []struct {
		name string
		id   int64
		c    accounts.UserChange
		want int
	}{
		{"no change", ada.ID, accounts.UserChange{}, http.StatusUnprocessableEntity},
		{"unknown role", ada.ID, accounts.UserChange{Role: role("owner")}, http.StatusUnprocessableEntity},
		{"unknown user", 9999, accounts.UserChange{Role: role("user")}, http.StatusNotFound},
		{"demote the last admin", root.ID, accounts.UserChange{Role: role("user")}, http.StatusConflict},
		{"deactivate the last admin", root.ID, accounts.UserChange{Active: new(false)}, http.StatusConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.UpdateUser(ctx, g, tt.id, tt.c); status(err) != tt.want {
				t.Errorf("UpdateUser = %v, want %d", err, tt.want)
			}
		})
	}
	tp := f.login(t, "ada@example.com")
	u, err := f.svc.UpdateUser(ctx, g, ada.ID, accounts.UserChange{Active: new(false)})
	if err != nil || u.Active {
		t.Fatalf("UpdateUser(deactivate) = %+v, %v", u, err)
	}
	if _, err := resolve(t, f.svc.Authenticator().Bearer(), bearer(tp.AccessToken)); err == nil {
		t.Error("a deactivated user's token still works")
	}
	if err := f.svc.RevokeUserSessions(ctx, g, 9999); status(err) != http.StatusNotFound {
		t.Errorf("RevokeUserSessions(unknown) = %v, want 404", err)
	}
	users, _, err := f.svc.ListUsers(ctx, g, accounts.Page{Limit: 10})
	if err != nil || len(users) != 2 {
		t.Errorf("ListUsers = %d users, %v; want 2", len(users), err)
	}
}

func adminGrant(t *testing.T) auth.RoleGrant {
	t.Helper()
	return gatehousetest.Grant("admin")
}

// inbox is a mail.Mailer that keeps what it is sent.
type inbox chan mail.Message

func (in inbox) Send(_ context.Context, m mail.Message) error { in <- m; return nil }

// TestPasswordReset: the mail (the app's name, the link's page), the
// token's single use, and every session ending; an unknown e-mail gets
// the same nil and no mail.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	box := make(inbox, 4)
	q := accounts.NewMail(box, "https://app.example/", 4)
	f := newFixture(t, func(c *accounts.Config) { c.Mail, c.AppName, c.ResetPath = q, "Acme", "/reset" })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)
	f.user(t, "ada@example.com", accounts.RoleUser)
	tp := f.login(t, "ada@example.com")
	c := accounts.Client{IP: "192.0.2.1"}
	if err := f.svc.RequestPasswordReset(ctx, c, "nobody@example.com"); err != nil {
		t.Fatalf("RequestPasswordReset(unknown) = %v, want nil", err)
	}
	if err := f.svc.RequestPasswordReset(ctx, c, "not an e-mail"); status(err) != http.StatusUnprocessableEntity {
		t.Errorf("RequestPasswordReset(malformed) = %v, want 422", err)
	}
	if err := f.svc.RequestPasswordReset(ctx, c, "Ada@Example.com"); err != nil {
		t.Fatalf("RequestPasswordReset = %v", err)
	}
	var m mail.Message
	select {
	case m = <-box:
	case <-time.After(5 * time.Second):
		t.Fatal("no reset mail")
	}
	if m.To != "ada@example.com" || m.Subject != "Reset your Acme password" {
		t.Errorf("mail to %s, subject %q", m.To, m.Subject)
	}
	_, rest, ok := strings.Cut(m.Text, "https://app.example/reset?token=")
	if !ok {
		t.Fatalf("no link to /reset in %q", m.Text)
	}
	token, _, _ := strings.Cut(rest, "\n")
	for _, bad := range []string{"", strings.Repeat("x", 129), "unknown-token"} {
		if err := f.svc.ResetPassword(ctx, bad, "a-new-password"); status(err) != http.StatusBadRequest {
			t.Errorf("ResetPassword(%.10q) = %v, want 400", bad, err)
		}
	}
	if err := f.svc.ResetPassword(ctx, token, "a-new-password"); err != nil {
		t.Fatalf("ResetPassword = %v", err)
	}
	if err := f.svc.ResetPassword(ctx, token, "another-password"); status(err) != http.StatusBadRequest {
		t.Errorf("ResetPassword with a used token = %v, want 400", err)
	}
	if _, err := resolve(t, f.svc.Authenticator().Bearer(), bearer(tp.AccessToken)); err == nil {
		t.Error("a session survived the reset")
	}
	u, err := f.svc.Authenticate(ctx, "ada@example.com", "a-new-password")
	if err != nil || !u.Verified {
		t.Errorf("Authenticate after the reset = %+v, %v; want the user, verified", u, err)
	}
	select {
	case m := <-box:
		t.Errorf("a second mail went out: to %s", m.To)
	default:
	}
}

// TestVerifyEmail: registration with RequireVerifiedEmail mails the link;
// the token verifies once.
func TestVerifyEmail(t *testing.T) {
	t.Parallel()
	box := make(inbox, 4)
	q := accounts.NewMail(box, "https://app.example", 4)
	f := newFixture(t, func(c *accounts.Config) { c.Mail, c.RequireVerifiedEmail = q, true })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)
	f.user(t, "ada@example.com", accounts.RoleUser)
	var m mail.Message
	select {
	case m = <-box:
	case <-time.After(5 * time.Second):
		t.Fatal("no verification mail")
	}
	_, rest, ok := strings.Cut(m.Text, "https://app.example/ui/verify-email?token=")
	if !ok {
		t.Fatalf("no verification link in %q", m.Text)
	}
	token, _, _ := strings.Cut(rest, "\n")
	if err := f.svc.VerifyEmail(ctx, token); err != nil {
		t.Fatalf("VerifyEmail = %v", err)
	}
	if err := f.svc.VerifyEmail(ctx, token); status(err) != http.StatusBadRequest {
		t.Errorf("VerifyEmail again = %v, want 400", err)
	}
	if _, err := f.svc.Authenticate(ctx, "ada@example.com", "password-ada@example.com"); err != nil {
		t.Errorf("Authenticate once verified = %v", err)
	}
}

// TestGateCountsOnce: a Client a Gate counted is not counted again by the
// flow, so the limit is the configured number of requests.
func TestGateCountsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *accounts.Config) { c.Limits.LoginPerIP = 2 })
	f.user(t, "ada@example.com", accounts.RoleUser)
	in := accounts.LoginRequest{Email: "ada@example.com", Password: "password-ada@example.com"}
	h := dep.Handler(f.svc.Gate(accounts.LimitLogin, nil), func(ctx context.Context, c accounts.Client) (struct{}, error) {
		_, err := f.svc.Login(ctx, c, in)
		return struct{}{}, err
	})
	for i, want := range []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
		if rec.Code != want {
			t.Fatalf("request #%d = %d, want %d", i+1, rec.Code, want)
		}
	}
}
