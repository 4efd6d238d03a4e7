package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// testSecret signs the tests' tokens; the program makes a random one.
var testSecret = []byte("fastapi-port-tests-only-0123456789abcdef")

// testConfig is the app's config on a fresh SQLite file, with a cheap
// hasher, and with the admin made at start (-admin, $ADMIN_PASSWORD).
func testConfig(t *testing.T) config {
	return config{dbPath: filepath.Join(t.TempDir(), "app.db"), secret: testSecret, logger: slog.New(slog.DiscardHandler),
		hasher:     auth.NewHasher(auth.HasherConfig{Params: auth.Argon2Params{Memory: 8 << 10}}),
		adminEmail: "admin@example.com", adminPassword: password}
}

// newTestApp is the app of testConfig.
func newTestApp(t *testing.T) *app {
	t.Helper()
	a, err := newApp(t.Context(), testConfig(t))
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	t.Cleanup(func() { a.db.Close() })
	return a
}

// answer is a response: status, body and headers.
type answer struct {
	code   int
	body   string
	header http.Header
}

// detail is the FastAPI "detail" of an error answer.
func (r answer) detail() string {
	var d struct{ Detail string }
	json.Unmarshal([]byte(r.body), &d)
	return d.Detail
}

// call sends a request to a; body is JSON unless it is url.Values (a form).
func call(t *testing.T, a *app, method, path string, body any, header ...string) answer {
	t.Helper()
	var r *http.Request
	switch b := body.(type) {
	case nil:
		r = httptest.NewRequest(method, path, nil)
	case url.Values:
		r = httptest.NewRequest(method, path, strings.NewReader(b.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		j, _ := json.Marshal(b)
		r = httptest.NewRequest(method, path, strings.NewReader(string(j)))
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	a.api.ServeHTTP(rec, r)
	return answer{rec.Code, rec.Body.String(), rec.Header()}
}

const password = "correct horse battery"

// signUp registers email and logs in, returning the bearer token.
func signUp(t *testing.T, a *app, email string) string {
	t.Helper()
	if res := call(t, a, "POST", "/auth/register", map[string]string{"email": email, "password": password, "name": email}); res.code != 201 {
		t.Fatalf("register %s = %d %s, want 201", email, res.code, res.body)
	}
	return logIn(t, a, email)
}

func logIn(t *testing.T, a *app, email string) string {
	t.Helper()
	res := call(t, a, "POST", "/auth/login", url.Values{"username": {email}, "password": {password}})
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	json.Unmarshal([]byte(res.body), &tok)
	if res.code != 200 || tok.AccessToken == "" || tok.TokenType != "bearer" {
		t.Fatalf("login %s = %d %s, want 200 with a bearer token", email, res.code, res.body)
	}
	return tok.AccessToken
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// newNote creates a note as tok and returns its id.
func newNote(t *testing.T, a *app, tok, title string) string {
	t.Helper()
	res := call(t, a, "POST", "/notes", map[string]string{"title": title, "content": "secret of " + title}, bearer(tok)...)
	var n Note
	if json.Unmarshal([]byte(res.body), &n); res.code != 201 || n.ID == 0 {
		t.Fatalf("POST /notes = %d %s, want 201 with a note", res.code, res.body)
	}
	return strconv.FormatInt(n.ID, 10)
}

// exec1 changes the database behind the app's back, as a test's fixture.
func exec1(t *testing.T, a *app, query string, args ...any) {
	t.Helper()
	err := a.db.Write(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// userID is the id of tok's user, from GET /me.
func userID(t *testing.T, a *app, tok string) string {
	t.Helper()
	var me struct{ ID int64 }
	if res := call(t, a, "GET", "/me", nil, bearer(tok)...); res.code != 200 || json.Unmarshal([]byte(res.body), &me) != nil {
		t.Fatalf("GET /me = %d %s, want 200", res.code, res.body)
	}
	return strconv.FormatInt(me.ID, 10)
}

// TestLessonAnswers holds the app to the lesson's statuses and details.
func TestLessonAnswers(t *testing.T) {
	a := newTestApp(t)
	admin := logIn(t, a, "admin@example.com")
	alice := signUp(t, a, "alice@example.com")
	bob := signUp(t, a, "bob@example.com")
	// accounts ends every session of a user an admin deactivates, so a live
	// token of an inactive user is made behind its back, before its first use.
	idle := signUp(t, a, "idle@example.com")
	exec1(t, a, `UPDATE users SET is_active = 0 WHERE email = 'idle@example.com'`)
	bobsNote := newNote(t, a, bob, "bob's plan")
	wrong := url.Values{"username": {"alice@example.com"}, "password": {"not the password"}}
	unknown := url.Values{"username": {"nobody@example.com"}, "password": {password}}

	tests := []struct {
		name, method, path string
		body               any
		header             []string
		code               int
		detail, challenge  string
		bodyHas            string
	}{
		{"public", "GET", "/public", nil, nil, 200, "", "", `"message":"Anyone can see this"`},
		{"private", "GET", "/private", nil, bearer(alice), 200, "", "", `"message":"Hello alice@example.com"`},
		{"me", "GET", "/me", nil, bearer(alice), 200, "", "", `"email":"alice@example.com"`},
		{"profile", "GET", "/profile", nil, bearer(alice), 200, "", "", `"is_active":true`},
		{"no token", "GET", "/me", nil, nil, 401, "Not authenticated", "Bearer", ""},
		{"bad token", "GET", "/me", nil, bearer("not.a.jwt"), 401, "Could not validate credentials", "Bearer", ""},
		{"inactive at get_current_user", "GET", "/me", nil, bearer(idle), 200, "", "", `"email":"idle@example.com"`},
		{"inactive at get_current_active_user", "GET", "/profile", nil, bearer(idle), 400, "Inactive user", "", ""},
		{"not admin", "GET", "/admin/users", nil, bearer(alice), 403, "Admin access required", "", ""},
		{"wrong role", "DELETE", "/admin/notes/" + bobsNote, nil, bearer(alice), 403, "Insufficient permissions", "", ""},
		{"someone else's note", "GET", "/notes/" + bobsNote, nil, bearer(alice), 404, "Note not found", "", ""},
		{"someone else's note, patch", "PATCH", "/notes/" + bobsNote, map[string]string{"title": "mine"}, bearer(alice), 404, "Note not found", "", ""},
		{"someone else's note, delete", "DELETE", "/notes/" + bobsNote, nil, bearer(alice), 404, "Note not found", "", ""},
		{"missing note", "GET", "/notes/987654321", nil, bearer(alice), 404, "Note not found", "", ""},
		{"note id not an int", "GET", "/notes/abc", nil, bearer(alice), 422, "", "", `"loc":["path","note_id"]`},
		{"wrong password", "POST", "/auth/login", wrong, nil, 401, "Incorrect username or password", "Bearer", ""},
		{"unknown e-mail", "POST", "/auth/login", unknown, nil, 401, "Incorrect username or password", "Bearer", ""},
		{"inactive login", "POST", "/auth/login", url.Values{"username": {"idle@example.com"}, "password": {password}}, nil, 400, "Inactive user", "", ""},
		{"admin lists users", "GET", "/admin/users", nil, bearer(admin), 200, "", "", `"email":"bob@example.com"`},
		{"no API key", "GET", "/data", nil, nil, 401, "Not authenticated", "APIKey", ""},
		{"bad API key", "GET", "/data", nil, []string{"X-API-Key", "gk_nope_nope"}, 403, "Invalid API key", "", ""},
		{"bearer is no API key", "GET", "/data", nil, bearer(alice), 401, "Not authenticated", "APIKey", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, a, tt.method, tt.path, tt.body, tt.header...)
			if res.code != tt.code || res.detail() != tt.detail || !strings.Contains(res.body, tt.bodyHas) {
				t.Errorf("%s %s = %d %s, want %d detail %q containing %s", tt.method, tt.path, res.code, res.body, tt.code, tt.detail, tt.bodyHas)
			}
			if got := res.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, tt.challenge) || (tt.challenge == "") != (got == "") {
				t.Errorf("%s %s: WWW-Authenticate %q, want %q", tt.method, tt.path, got, tt.challenge)
			}
			if strings.Contains(res.body, "argon2") || strings.Contains(res.body, "hashed_password") {
				t.Errorf("%s %s leaks a password hash: %s", tt.method, tt.path, res.body)
			}
		})
	}
	if res := call(t, a, "GET", "/notes/"+bobsNote, nil, bearer(bob)...); res.code != 200 || !strings.Contains(res.body, "bob's plan") {
		t.Errorf("bob's note after alice's tries = %d %s, want it unchanged", res.code, res.body)
	}
}

// TestLogout: logout deletes the server-side session, so the token is 401
// at once, long before it expires; other sessions live on.
func TestLogout(t *testing.T) {
	a := newTestApp(t)
	tok := signUp(t, a, "alice@example.com")
	other := logIn(t, a, "alice@example.com")
	if res := call(t, a, "POST", "/auth/logout", nil, bearer(tok)...); res.code != 204 {
		t.Fatalf("POST /auth/logout = %d %s, want 204", res.code, res.body)
	}
	if res := call(t, a, "GET", "/me", nil, bearer(tok)...); res.code != 401 || res.detail() != "Could not validate credentials" {
		t.Errorf("GET /me after logout = %d %s, want 401 Could not validate credentials", res.code, res.body)
	}
	if res := call(t, a, "GET", "/me", nil, bearer(other)...); res.code != 200 {
		t.Errorf("GET /me with the other session = %d %s, want 200", res.code, res.body)
	}
}

// TestAPIKey: a key made by POST /api-keys opens GET /data, only its hash
// is stored, and it stops working when an admin deactivates its user.
func TestAPIKey(t *testing.T) {
	a := newTestApp(t)
	tok := signUp(t, a, "alice@example.com")
	res := call(t, a, "POST", "/api-keys", map[string]any{"name": "lesson", "scopes": []string{"data"}}, bearer(tok)...)
	var k struct {
		Key string `json:"key"`
	}
	if json.Unmarshal([]byte(res.body), &k); res.code != 201 || !strings.HasPrefix(k.Key, auth.APIKeyPrefix) {
		t.Fatalf("POST /api-keys = %d %s, want 201 with a key", res.code, res.body)
	}
	if res := call(t, a, "GET", "/data", nil, "X-API-Key", k.Key); res.code != 200 || res.body != `{"data":"secret"}`+"\n" {
		t.Errorf("GET /data with the key = %d %q, want 200 {\"data\":\"secret\"}", res.code, res.body)
	}
	if res := call(t, a, "GET", "/notes", nil, "X-API-Key", k.Key); res.code != 401 || res.detail() != "Not authenticated" {
		t.Errorf("GET /notes with the key = %d %s, want 401 Not authenticated (a key opens /data only)", res.code, res.body)
	}
	var stored, plain int
	a.db.ReadRow(t.Context(), `SELECT count(*) FROM api_keys WHERE hash = ?`, auth.HashAPIKey(k.Key)).Scan(&stored)
	a.db.ReadRow(t.Context(), `SELECT count(*) FROM api_keys WHERE instr(CAST(hash AS TEXT) || prefix || name || scopes, ?) > 0`, k.Key).Scan(&plain)
	if stored != 1 || plain != 0 {
		t.Errorf("api_keys rows holding the key's hash = %d, the key itself = %d; want 1 and 0", stored, plain)
	}
	noScope := call(t, a, "POST", "/api-keys", map[string]any{"name": "no data", "scopes": []string{"admin"}}, bearer(tok)...)
	if noScope.code != 422 {
		t.Errorf("POST /api-keys with the admin scope, as a user = %d %s, want 422", noScope.code, noScope.body)
	}
	admin := logIn(t, a, "admin@example.com")
	var adminKey struct {
		Key string `json:"key"`
	}
	json.Unmarshal([]byte(call(t, a, "POST", "/api-keys", map[string]any{"name": "admin only", "scopes": []string{"admin"}}, bearer(admin)...).body), &adminKey)
	if res := call(t, a, "GET", "/data", nil, "X-API-Key", adminKey.Key); res.code != 403 || res.detail() != "Not enough permissions" {
		t.Errorf("GET /data with a key without the data scope = %d %s, want 403 Not enough permissions", res.code, res.body)
	}
	if res := call(t, a, "PATCH", "/admin/users/"+userID(t, a, tok), map[string]any{"is_active": false}, bearer(admin)...); res.code != 200 {
		t.Fatalf("PATCH /admin/users/{id} is_active=false = %d %s, want 200", res.code, res.body)
	}
	if res := call(t, a, "GET", "/data", nil, "X-API-Key", k.Key); res.code != 403 || res.detail() != "Invalid API key" {
		t.Errorf("GET /data with an inactive user's key = %d %s, want 403 Invalid API key", res.code, res.body)
	}
}

// TestNotesAndAdmin walks the notes CRUD as their owner, then the admin's
// delete of anyone's note.
func TestNotesAndAdmin(t *testing.T) {
	a := newTestApp(t)
	admin := logIn(t, a, "admin@example.com")
	alice := signUp(t, a, "alice@example.com")
	id := newNote(t, a, alice, "groceries")
	other := newNote(t, a, alice, "diary")
	steps := []struct {
		name, method, path string
		body               any
		tok                string
		code               int
		bodyHas            string
	}{
		{"list", "GET", "/notes", nil, alice, 200, `"title":"groceries"`},
		{"admin's list is theirs", "GET", "/notes", nil, admin, 200, `[]`},
		{"get", "GET", "/notes/" + id, nil, alice, 200, `"content":"secret of groceries"`},
		{"patch title only", "PATCH", "/notes/" + id, map[string]string{"title": "shopping"}, alice, 200, `"title":"shopping","content":"secret of groceries"`},
		{"empty title", "POST", "/notes", map[string]string{"title": "", "content": "x"}, alice, 422, `"loc":["body","title"]`},
		{"owner in body", "POST", "/notes", map[string]any{"title": "t", "content": "x", "user_id": 1}, alice, 422, `user_id`},
		{"delete", "DELETE", "/notes/" + id, nil, alice, 204, ""},
		{"deleted", "GET", "/notes/" + id, nil, alice, 404, `"detail":"Note not found"`},
		{"admin deletes any note", "DELETE", "/admin/notes/" + other, nil, admin, 204, ""},
		{"admin: missing note", "DELETE", "/admin/notes/" + other, nil, admin, 404, `"detail":"Note not found"`},
	}
	for _, s := range steps {
		res := call(t, a, s.method, s.path, s.body, bearer(s.tok)...)
		if res.code != s.code || !strings.Contains(res.body, s.bodyHas) {
			t.Errorf("%s: %s %s = %d %s, want %d containing %s", s.name, s.method, s.path, res.code, res.body, s.code, s.bodyHas)
		}
	}
}

// TestRegister: every registered account is a user, no one can pick a
// role, and an e-mail is registered once, whatever its case.
func TestRegister(t *testing.T) {
	a := newTestApp(t)
	tests := []struct {
		name string
		body map[string]any
		code int
		has  string
	}{
		{"user", map[string]any{"email": "alice@example.com", "password": password, "name": "Alice"}, 201, `"role":"user"`},
		{"taken", map[string]any{"email": "ALICE@example.com", "password": password, "name": "Alice"}, 409, `"detail":"Email already registered"`},
		{"role given", map[string]any{"email": "eve@example.com", "password": password, "name": "Eve", "role": "admin"}, 422, `role`},
		{"short password", map[string]any{"email": "eve@example.com", "password": "short", "name": "Eve"}, 422, `password`},
		{"not an e-mail", map[string]any{"email": "eve", "password": password, "name": "Eve"}, 422, `email`},
	}
	for _, tt := range tests {
		if res := call(t, a, "POST", "/auth/register", tt.body); res.code != tt.code || !strings.Contains(res.body, tt.has) {
			t.Errorf("register %s = %d %s, want %d containing %s", tt.name, res.code, res.body, tt.code, tt.has)
		}
	}
}

// TestAdminAtStart: -admin makes an admin account once (a restart keeps
// it); a bad -admin or $ADMIN_PASSWORD stops the start, and so does an
// -admin e-mail someone registered, who is never promoted.
func TestAdminAtStart(t *testing.T) {
	c := testConfig(t)
	for i := range 2 {
		a, err := newApp(t.Context(), c)
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		res := call(t, a, "GET", "/me", nil, bearer(logIn(t, a, "admin@example.com"))...)
		if a.db.Close(); res.code != 200 || !strings.Contains(res.body, `"role":"admin"`) {
			t.Errorf("start %d: the admin's GET /me = %d %s, want the admin role", i, res.code, res.body)
		}
	}
	plain := config{dbPath: c.dbPath, secret: c.secret, hasher: c.hasher, logger: c.logger} // no -admin
	a, err := newApp(t.Context(), plain)
	if err != nil {
		t.Fatal(err)
	}
	signUp(t, a, "squatter@example.com")
	a.db.Close()
	refused := []struct{ name, email, password, has string }{
		{"short password", "root@example.com", "short", "ADMIN_PASSWORD"},
		{"not an e-mail", "root", password, "-admin"},
		{"a user's e-mail", "SQUATTER@example.com", password, "taken by an account that is no admin"},
	}
	for _, tt := range refused {
		c.adminEmail, c.adminPassword = tt.email, tt.password
		if a, err := newApp(t.Context(), c); err == nil || !strings.Contains(err.Error(), tt.has) {
			if a != nil {
				a.db.Close()
			}
			t.Errorf("start with -admin %s (%s): %v, want an error containing %q", tt.email, tt.name, err, tt.has)
		}
	}
	a, err = newApp(t.Context(), plain)
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	if res := call(t, a, "GET", "/me", nil, bearer(logIn(t, a, "squatter@example.com"))...); !strings.Contains(res.body, `"role":"user"`) {
		t.Errorf("the squatter's GET /me = %d %s, want the user role still", res.code, res.body)
	}
}

// probe is the cross-user probe over the whole API: user B replays every
// route with a note id of A's, and must get exactly the not-found answer.
func probe(a *app, extra ...string) gatehousetest.Probe {
	n := 0
	return gatehousetest.Probe{
		Handler: a.api,
		Routes:  a.api.Routes(),
		NewUser: func(t testing.TB, name string) gatehousetest.Identity {
			n++
			return gatehousetest.Bearer(signUp(t.(*testing.T), a, fmt.Sprintf("%s-%d@example.com", name, n)))
		},
		Seed: func(tb testing.TB, as gatehousetest.Identity) gatehousetest.Owned {
			t := tb.(*testing.T)
			tok := strings.TrimPrefix(as.Header.Get("Authorization"), "Bearer ")
			id := newNote(t, a, tok, "A's marker title")
			var key struct{ ID int64 }
			json.Unmarshal([]byte(call(t, a, "POST", "/api-keys", map[string]any{"name": "A's marker key", "scopes": []string{"data"}}, bearer(tok)...).body), &key)
			var sessions struct{ Items []struct{ ID int64 } }
			json.Unmarshal([]byte(call(t, a, "GET", "/me/sessions", nil, bearer(tok)...).body), &sessions)
			if key.ID == 0 || len(sessions.Items) != 1 {
				t.Fatalf("seed: API key %d, sessions %v; want a key and one session", key.ID, sessions.Items)
			}
			uid := userID(t, a, tok)
			ids := map[string]map[string]string{"/notes/{note_id}": {"note_id": id}, "/admin/notes/{note_id}": {"note_id": id},
				"/api-keys/{id}": {"id": strconv.FormatInt(key.ID, 10)}, "/me/sessions/{id}": {"id": strconv.FormatInt(sessions.Items[0].ID, 10)},
				// The admin routes cross owners by design; B, no admin, is refused alike.
				"/admin/users/{id}": {"id": uid}, "/admin/users/{id}/sessions": {"id": uid}}
			for _, p := range extra {
				ids[p] = map[string]string{"note_id": id}
			}
			return gatehousetest.Owned{IDs: ids, Markers: []string{"A's marker title", "A's marker key"}}
		},
		Bodies: map[string]string{"PATCH /notes/{note_id}": `{"title":"B was here"}`, "PATCH /admin/users/{id}": `{"is_active":false}`},
	}
}

// TestProbe: no route of the API shows, changes or deletes another user's
// note (no IDOR), and a note survives the probe unchanged.
func TestProbe(t *testing.T) {
	a := newTestApp(t)
	probe(a).Run(t)
	var title string
	a.db.ReadRow(t.Context(), `SELECT title FROM notes`).Scan(&title)
	if title != "A's marker title" {
		t.Errorf("A's note after the probe has title %q, want it unchanged", title)
	}
}

// vulnerableGetNote is the lesson's "AI generates this" handler: it checks
// that the user is logged in and that the note exists, never whose it is.
func vulnerableGetNote(a *app) func(context.Context, accounts.Principal, int64) (Note, error) {
	return func(ctx context.Context, _ accounts.Principal, noteID int64) (Note, error) {
		return scanNote(a.db.ReadRow(ctx, `SELECT `+noteColumns+` FROM notes WHERE id = ?`, noteID))
	}
}

// TestProbeCatchesLessonIDOR: the same probe, with the lesson's vulnerable
// get_note added (in this test only), reports that route and only it.
func TestProbeCatchesLessonIDOR(t *testing.T) {
	a := newTestApp(t)
	a.api.Handle("GET /v0/notes/{note_id}", dep.Handler2(a.authn.Bearer(), dep.Path[int64]("note_id"), vulnerableGetNote(a)))
	findings := probe(a, "/v0/notes/{note_id}").Findings(t)
	if len(findings) == 0 {
		t.Fatal("probe findings = none, want the lesson's IDOR reported")
	}
	for _, f := range findings {
		if !strings.HasPrefix(f, "GET /v0/notes/{note_id}") {
			t.Errorf("probe finding %q, want findings on GET /v0/notes/{note_id} only", f)
		}
	}
	if !strings.Contains(strings.Join(findings, "\n"), "another user's request succeeded") {
		t.Errorf("probe findings = %q, want \"another user's request succeeded\"", findings)
	}
}

// TestErrorsAreFastAPIShaped: every error is {"detail": …} as JSON, the
// shape the lesson's clients parse, never an RFC 9457 problem.
func TestErrorsAreFastAPIShaped(t *testing.T) {
	a := newTestApp(t)
	res := call(t, a, "GET", "/me", nil)
	if ct := res.header.Get("Content-Type"); ct != "application/json" || res.body != `{"detail":"Not authenticated"}`+"\n" {
		t.Errorf("GET /me without a token = %s %q, want application/json {\"detail\":\"Not authenticated\"}", ct, res.body)
	}
	if p := problem.NotAuthenticated(); strings.Contains(res.body, p.Title) {
		t.Errorf("GET /me without a token = %q, want no problem title", res.body)
	}
}

// TestDocs: /docs and /openapi.json are served, and the document marks the
// notes routes as needing the bearer login.
func TestDocs(t *testing.T) {
	a := newTestApp(t)
	if res := call(t, a, "GET", "/docs", nil); res.code/100 != 3 || res.header.Get("Location") != "/docs/" {
		t.Errorf("GET /docs = %d to %q, want a redirect to /docs/", res.code, res.header.Get("Location"))
	}
	if res := call(t, a, "GET", "/docs/", nil); res.code != 200 || !strings.Contains(res.body, "swagger") {
		t.Errorf("GET /docs/ = %d, want 200 with Swagger UI", res.code)
	}
	res := call(t, a, "GET", "/openapi.json", nil)
	var doc struct {
		Paths map[string]map[string]struct{ Security []map[string][]string }
	}
	if err := json.Unmarshal([]byte(res.body), &doc); err != nil || res.code != 200 {
		t.Fatalf("GET /openapi.json = %d, %v", res.code, err)
	}
	if sec := doc.Paths["/notes/{note_id}"]["get"].Security; len(sec) != 1 || sec[0][auth.SchemeBearer] == nil {
		t.Errorf("security of GET /notes/{note_id} = %v, want the bearer scheme", sec)
	}
}

// TestImportsOnlyPublicPackages: the example is what a user outside the
// module could write: gatehouse's public packages, SQLite and the standard
// library, and nothing of notesd's internal packages, even indirectly.
func TestImportsOnlyPublicPackages(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	const module = "github.com/gatehouse-dev/gatehouse"
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, imp := range strings.Fields(string(out)) {
		if !strings.Contains(strings.Split(imp, "/")[0], ".") {
			continue // the standard library
		}
		if imp != "modernc.org/sqlite" && !strings.HasPrefix(imp, module+"/") && imp != module {
			t.Errorf("the example imports %s: only gatehouse, modernc.org/sqlite and the standard library", imp)
		}
	}
	deps, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, deps)
	}
	for _, d := range strings.Fields(string(deps)) {
		if strings.HasPrefix(d, module+"/internal/") || strings.HasPrefix(d, module+"/cmd/") {
			t.Errorf("the example depends on %s, which a user outside the module cannot import", d)
		}
	}
}
