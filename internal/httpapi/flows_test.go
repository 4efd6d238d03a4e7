package httpapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"golang.org/x/crypto/bcrypt"
)

func TestPublicPrivateProfile(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	tok := e.login(ada)

	var m struct{ Message string }
	e.must(200, req{method: "GET", path: "/public"}).decode(t, &m)
	if m.Message != "Anyone can see this" {
		t.Errorf("GET /public message = %q", m.Message)
	}
	e.must(200, req{method: "GET", path: "/private", token: tok}).decode(t, &m)
	if m.Message != "Hello ada" {
		t.Errorf("GET /private message = %q, want Hello ada", m.Message)
	}
	for _, path := range []string{"/me", "/profile"} {
		res := e.must(200, req{method: "GET", path: path, token: tok})
		var u map[string]any
		res.decode(t, &u)
		for _, k := range []string{"id", "email", "name", "role", "is_active", "is_verified", "created_at"} {
			if _, ok := u[k]; !ok {
				t.Errorf("GET %s lacks %q: %s", path, k, res.body)
			}
		}
		if len(u) != 7 {
			t.Errorf("GET %s has %d fields, want 7: %s", path, len(u), res.body)
		}
		if u["is_verified"] != false {
			t.Errorf("GET %s is_verified = %v, want false for a new user", path, u["is_verified"])
		}
		assertNoSecrets(t, res.body, ada.password)
	}
}

func TestHeaders(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	res := e.must(200, req{method: "POST", path: "/auth/login", form: url.Values{"username": {ada.Email}, "password": {ada.password}}})
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("token response Cache-Control = %q, want no-store", got)
	}
	for _, r := range []req{{method: "GET", path: "/public"}, {method: "GET", path: "/me"}, {method: "GET", path: "/nope"}} {
		res := e.do(r)
		if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s X-Content-Type-Options = %q, want nosniff", r.path, got)
		}
		if res.header.Get("Server") != "" {
			t.Errorf("%s has a Server header", r.path)
		}
		if res.header.Get("X-Request-Id") == "" {
			t.Errorf("%s has no X-Request-Id", r.path)
		}
	}
}

func TestLoginResponseAndScopes(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	root := e.admin("root@example.com")
	tests := []struct {
		name      string
		u         user
		scope     string
		wantScope string
	}{
		{"user, no scope asked: all allowed", ada, "", "notes:read notes:write"},
		{"user asks admin: cut", ada, "notes:read admin", "notes:read"},
		{"admin, no scope asked", root, "", "notes:read notes:write admin"},
		{"admin asks one", root, "admin", "admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := url.Values{"username": {strings.ToUpper(tt.u.Email)}, "password": {tt.u.password}}
			if tt.scope != "" {
				f.Set("scope", tt.scope)
			}
			var tok token
			e.must(200, req{method: "POST", path: "/auth/login", form: f}).decode(t, &tok)
			if tok.TokenType != "bearer" || tok.ExpiresIn != 1800 || tok.AccessToken == "" || tok.RefreshToken == "" {
				t.Errorf("token response = %+v", tok)
			}
			if tok.Scope != tt.wantScope {
				t.Errorf("scope = %q, want %q", tok.Scope, tt.wantScope)
			}
		})
	}
}

func TestNotesCRUDAndPagination(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	tok := e.login(ada)
	var created []note
	for i := range 7 {
		created = append(created, e.createNote(tok, fmtPath("note %d", i)))
	}
	if n := created[0]; n.OwnerID != ada.ID || n.Title != "note 0" || n.Body != "body of note 0" || n.CreatedAt.IsZero() {
		t.Fatalf("created note = %+v", n)
	}

	var seen []int64
	path := "/notes?limit=3"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		var page struct {
			Items      []note
			NextCursor *string `json:"next_cursor"`
		}
		e.must(200, req{method: "GET", path: path, token: tok}).decode(t, &page)
		for _, n := range page.Items {
			seen = append(seen, n.ID)
		}
		if page.NextCursor == nil {
			break
		}
		path = "/notes?limit=3&cursor=" + url.QueryEscape(*page.NextCursor)
	}
	if len(seen) != 7 {
		t.Fatalf("paged through %d notes, want 7: %v", len(seen), seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] >= seen[i-1] {
			t.Fatalf("notes not newest first without repeats: %v", seen)
		}
	}

	n := created[0]
	var patched note
	e.must(200, req{method: "PATCH", path: fmtPath("/notes/%d", n.ID), token: tok, json: map[string]string{"title": "renamed"}}).decode(t, &patched)
	if patched.Title != "renamed" || patched.Body != n.Body || patched.UpdatedAt.Before(n.UpdatedAt) {
		t.Errorf("patched = %+v", patched)
	}
	e.must(422, req{method: "PATCH", path: fmtPath("/notes/%d", n.ID), token: tok, json: map[string]string{}})
	e.must(204, req{method: "DELETE", path: fmtPath("/notes/%d", n.ID), token: tok})
	e.must(404, req{method: "GET", path: fmtPath("/notes/%d", n.ID), token: tok})
	e.must(404, req{method: "DELETE", path: fmtPath("/notes/%d", n.ID), token: tok})
}

func TestAPIKeyAccess(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	reader := e.apiKey(ada, []string{notes.ScopeRead})
	writer := e.apiKey(ada, []string{notes.ScopeRead, notes.ScopeWrite})

	var d struct{ Data string }
	e.must(200, req{method: "GET", path: "/data", apiKey: reader}).decode(t, &d)
	if d.Data != "secret" {
		t.Errorf("GET /data = %q, want secret", d.Data)
	}
	var created note
	e.must(201, req{method: "POST", path: "/notes", apiKey: writer, json: map[string]string{"title": "by key"}}).decode(t, &created)
	if created.OwnerID != ada.ID {
		t.Errorf("note made with ada's key belongs to %d", created.OwnerID)
	}
	e.must(200, req{method: "GET", path: fmtPath("/notes/%d", created.ID), apiKey: reader})
	e.must(403, req{method: "DELETE", path: fmtPath("/notes/%d", created.ID), apiKey: reader})
	e.must(200, req{method: "GET", path: "/me", apiKey: reader})
	// A query-string key is refused unless the server allows it.
	e.must(401, req{method: "GET", path: "/notes?api_key=" + url.QueryEscape(reader)})
	withQuery := newEnv(t, func(c *httpapi.Config) { c.AllowQueryAPIKey = true })
	bob := withQuery.register("bob@example.com")
	bobKey := withQuery.apiKey(bob, []string{notes.ScopeRead})
	withQuery.must(200, req{method: "GET", path: "/notes?api_key=" + url.QueryEscape(bobKey)})
}

func TestPatchMe(t *testing.T) {
	e := newEnv(t)
	ada := e.register("ada@example.com")
	current, other := e.login(ada), e.login(ada)

	var u user
	e.must(200, req{method: "PATCH", path: "/me", token: current, json: map[string]string{"name": "Ada L."}}).decode(t, &u)
	if u.Name != "Ada L." {
		t.Errorf("name = %q", u.Name)
	}
	e.must(422, req{method: "PATCH", path: "/me", token: current, json: map[string]string{"password": "new-password-1"}})
	e.must(400, req{method: "PATCH", path: "/me", token: current, json: map[string]string{"password": "new-password-1", "current_password": "wrong"}})
	e.must(422, req{method: "PATCH", path: "/me", token: current, json: map[string]string{"role": "admin"}})
	e.must(200, req{method: "PATCH", path: "/me", token: current, json: map[string]string{"password": "new-password-1", "current_password": ada.password}})

	e.must(200, req{method: "GET", path: "/me", token: current}) // this session stays
	e.must(401, req{method: "GET", path: "/me", token: other})   // the others end
	e.must(401, req{method: "POST", path: "/auth/login", form: url.Values{"username": {ada.Email}, "password": {ada.password}}})
	ada.password = "new-password-1"
	e.login(ada)
}

func TestAdmin(t *testing.T) {
	e := newEnv(t)
	root := e.admin("root@example.com")
	rootTok := e.login(root)
	ada := e.register("ada@example.com")
	adaTok := e.login(ada)
	n := e.createNote(adaTok, "ada's")

	var users struct {
		Items      []user
		NextCursor *string `json:"next_cursor"`
	}
	e.must(200, req{method: "GET", path: "/admin/users?limit=1", token: rootTok}).decode(t, &users)
	if len(users.Items) != 1 || users.NextCursor == nil {
		t.Fatalf("first page = %+v", users)
	}

	var promoted user
	e.must(200, req{method: "PATCH", path: fmtPath("/admin/users/%d", ada.ID), token: rootTok, json: map[string]string{"role": "admin"}}).decode(t, &promoted)
	if promoted.Role != "admin" {
		t.Fatalf("role = %q", promoted.Role)
	}
	// With two admins, root may step down.
	e.must(200, req{method: "PATCH", path: fmtPath("/admin/users/%d", root.ID), token: rootTok, json: map[string]string{"role": "user"}})
	e.must(422, req{method: "PATCH", path: fmtPath("/admin/users/%d", ada.ID), token: e.login(ada), json: map[string]string{"role": "owner"}})
	e.must(404, req{method: "PATCH", path: "/admin/users/999999", token: e.login(ada), json: map[string]any{"is_active": true}})

	adaAdmin := e.login(ada)
	e.must(204, req{method: "DELETE", path: fmtPath("/admin/notes/%d", n.ID), token: adaAdmin})
	e.must(404, req{method: "GET", path: fmtPath("/notes/%d", n.ID), token: adaAdmin})
}

func TestBcryptUserRehashedOnLogin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	hash, err := bcrypt.GenerateFromPassword([]byte("imported-password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.store.CreateUser(ctx, accounts.NewUser{Email: "old@example.com", Name: "Old", Role: accounts.RoleUser, PasswordHash: string(hash)})
	if err != nil {
		t.Fatal(err)
	}
	e.login(user{Email: u.Email, password: "imported-password"})
	after, err := e.store.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(after.PasswordHash, "$argon2id$") {
		t.Fatalf("hash after login = %.10q…, want argon2id", after.PasswordHash)
	}
	e.login(user{Email: u.Email, password: "imported-password"})
}
