package httpapi_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

// evilOrigin are the headers of a form post from another site.
var evilOrigin = map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}

// mustContain fails the test unless the page's body holds every want.
func (p page) mustContain(t *testing.T, what string, want ...string) page {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Errorf("%s: body lacks %q:\n%s", what, w, p.body)
		}
	}
	return p
}

// mustBePage fails the test unless p is an HTML page under the UI's CSP
// that no cache keeps.
func (p page) mustBePage(t *testing.T, what string) page {
	t.Helper()
	if ct := p.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("%s: Content-Type = %q, want text/html", what, ct)
	}
	if cc := p.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: Cache-Control = %q, want no-store", what, cc)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'none'") {
		t.Errorf("%s: Content-Security-Policy = %q, want script-src 'none'", what, csp)
	}
	if strings.Contains(p.body, "<script") {
		t.Errorf("%s: the page has a script:\n%s", what, p.body)
	}
	return p
}

// ids returns the ids of the elements with id prefix+N on a page, in order.
func ids(body, prefix string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`id="`+regexp.QuoteMeta(prefix)+`(\d+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestWebUIForgotAndResetPassword(t *testing.T) {
	t.Parallel()
	mails := make(inbox, 10)
	e := newEnv(t, withMailer(t, mails))
	srv := newWebServer(t, e)
	ada, bob := e.register("ada@example.com"), e.register("bob@example.com")
	w := newWebClient(t, srv)
	old := newWebClient(t, srv) // a session of ada's from before the reset
	old.webLogin(ada)
	oldToken := e.login(ada)

	w.get("/ui/login").mustContain(t, "login page", `href="/ui/forgot-password"`)
	w.get("/ui/forgot-password").must(t, "GET /ui/forgot-password", 200).mustBePage(t, "forgot form").
		mustContain(t, "forgot form", `action="/ui/forgot-password"`, `name="email"`)

	// A known and an unknown e-mail: one answer.
	known := w.post("/ui/forgot-password", url.Values{"email": {"ADA@example.com"}}).must(t, "POST /ui/forgot-password known", 303, "/ui/forgot-password?sent=1")
	unknown := w.post("/ui/forgot-password", url.Values{"email": {"nobody@example.com"}}).must(t, "POST /ui/forgot-password unknown", 303, "/ui/forgot-password?sent=1")
	if known.body != unknown.body || known.header.Get("Set-Cookie") != unknown.header.Get("Set-Cookie") {
		t.Errorf("known and unknown e-mail answer differently: %q / %q", known.body, unknown.body)
	}
	w.get("/ui/forgot-password?sent=1").must(t, "GET /ui/forgot-password?sent=1", 200).
		mustContain(t, "sent page", "If an account has this e-mail address, a password reset link has been sent to it.")
	m := mails.next(t)
	if m.To != ada.Email {
		t.Fatalf("reset mail To = %q, want %q", m.To, ada.Email)
	}
	token := linkToken(t, m, "http://notes.test/ui/reset-password")
	w.post("/ui/forgot-password", url.Values{"email": {bob.Email}}).must(t, "POST /ui/forgot-password bob", 303)
	if m := mails.next(t); m.To != bob.Email { // the queue is in order: none went to the unknown e-mail
		t.Errorf("next mail To = %q, want %q", m.To, bob.Email)
	}
	w.post("/ui/forgot-password", url.Values{"email": {"not an e-mail"}}).must(t, "POST /ui/forgot-password bad e-mail", 422).
		mustContain(t, "bad e-mail page", "email: must be a valid e-mail address")

	// The form; opening it twice uses nothing up.
	for range 2 {
		w.get("/ui/reset-password?token="+token).must(t, "GET /ui/reset-password", 200).mustBePage(t, "reset form").
			mustContain(t, "reset form", `action="/ui/reset-password"`, `name="token" value="`+token+`"`, `name="password"`)
	}
	w.get("/ui/reset-password").must(t, "GET /ui/reset-password without a token", 400).mustContain(t, "no token", "Invalid or expired token")

	newPassword := "a brand new password"
	for _, c := range []struct {
		what   string
		form   url.Values
		header map[string]string
		code   int
		want   string
	}{
		{"cross-origin", url.Values{"token": {token}, "password": {newPassword}}, evilOrigin, 403, "Cross-origin request refused"},
		{"short password", url.Values{"token": {token}, "password": {"short"}}, nil, 422, "password: must be"},
		{"unknown token", url.Values{"token": {"AAAAAAAAAAAAAAAAAAAAAAAAAA"}, "password": {newPassword}}, nil, 400, "Invalid or expired token"},
		{"over-long token", url.Values{"token": {strings.Repeat("A", 500)}, "password": {newPassword}}, nil, 400, "Invalid or expired token"},
	} {
		p := w.do("POST", "/ui/reset-password", c.form, c.header).must(t, "POST /ui/reset-password "+c.what, c.code).mustContain(t, c.what, c.want)
		if c.code == 422 {
			p.mustContain(t, c.what, `name="token" value="`+token+`"`) // the form again, with its token
		}
	}
	w.post("/ui/reset-password", url.Values{"token": {token}, "password": {newPassword}}).must(t, "POST /ui/reset-password", 303, "/ui/login?reset=1")
	w.get("/ui/login?reset=1").mustContain(t, "login after reset", "Your password is changed")
	w.post("/ui/reset-password", url.Values{"token": {token}, "password": {"yet another password"}}).must(t, "POST /ui/reset-password again", 400).
		mustContain(t, "used token", "Invalid or expired token")

	// Every session of ada ended; the new password is the one.
	old.get("/ui/").must(t, "GET /ui/ with a session from before the reset", 303, "/ui/login")
	e.must(401, req{method: "GET", path: "/me", token: oldToken})
	w.post("/ui/login", url.Values{"email": {ada.Email}, "password": {ada.password}}).must(t, "log in with the old password", 401)
	ada.password = newPassword
	w.webLogin(ada)
}

func TestWebUIForgotPasswordLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *httpapi.Config) { c.Limits.ResetPerAccount = 1 })
	w := newWebClient(t, newWebServer(t, e))
	e.must(202, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": "ada@example.com"}})
	p := w.post("/ui/forgot-password", url.Values{"email": {"Ada@Example.com"}}).must(t, "second reset request, through the UI", 429)
	if p.header.Get("Retry-After") == "" {
		t.Errorf("429 page without Retry-After: %v", p.header)
	}
}

func TestWebUIVerifyEmail(t *testing.T) {
	t.Parallel()
	mails := make(inbox, 10)
	e := newEnv(t, withMailer(t, mails))
	w := newWebClient(t, newWebServer(t, e))
	ada := e.register("ada@example.com")
	tok := e.login(ada)
	verified := func() bool {
		t.Helper()
		return strings.Contains(string(e.must(200, req{method: "GET", path: "/me", token: tok}).body), `"is_verified":true`)
	}
	e.must(202, req{method: "POST", path: "/auth/verify-email", token: tok})
	token := linkToken(t, mails.next(t), "http://notes.test/ui/verify-email")

	// Opening the link (as a mail scanner does) changes nothing.
	for range 2 {
		w.get("/ui/verify-email?token="+token).must(t, "GET /ui/verify-email", 200).mustBePage(t, "verify landing").
			mustContain(t, "verify landing", `action="/ui/verify-email"`, `name="token" value="`+token+`"`)
	}
	if verified() {
		t.Fatal("GET /ui/verify-email verified the address")
	}
	w.get("/ui/verify-email").must(t, "GET /ui/verify-email without a token", 400)
	w.do("POST", "/ui/verify-email", url.Values{"token": {token}}, evilOrigin).must(t, "cross-origin POST /ui/verify-email", 403)
	w.post("/ui/verify-email", url.Values{"token": {"AAAAAAAAAAAAAAAAAAAAAAAAAA"}}).must(t, "POST /ui/verify-email unknown token", 400).
		mustContain(t, "unknown token", "Invalid or expired token")
	if verified() {
		t.Fatal("a refused POST verified the address")
	}
	w.post("/ui/verify-email", url.Values{"token": {token}}).must(t, "POST /ui/verify-email", 200).mustBePage(t, "verified").
		mustContain(t, "verified", "Your e-mail address is verified")
	if !verified() {
		t.Error("after POST /ui/verify-email the address is not verified")
	}
	w.post("/ui/verify-email", url.Values{"token": {token}}).must(t, "POST /ui/verify-email again", 400)
}

func TestWebUIChangePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *httpapi.Config) { c.Limits.LoginPerAccount = 3 })
	srv := newWebServer(t, e)
	ada := e.register("ada@example.com")
	w, other := newWebClient(t, srv), newWebClient(t, srv)
	w.webLogin(ada)
	other.webLogin(ada)
	tok := e.login(ada)

	acct := w.get("/ui/account").must(t, "GET /ui/account", 200).mustBePage(t, "account page").
		mustContain(t, "account page", ada.Email, `action="/ui/account/password"`, `name="current_password"`)
	if n := len(ids(acct.body, "session-")); n != 3 {
		t.Errorf("account page lists %d sessions, want 3 (two web, one token):\n%s", n, acct.body)
	}
	newPassword := "a brand new password"
	for _, c := range []struct {
		what string
		form url.Values
		code int
		want string
	}{
		{"wrong current password", url.Values{"current_password": {"wrong-password"}, "password": {newPassword}}, 400, "Current password is incorrect"},
		{"short new password", url.Values{"current_password": {ada.password}, "password": {"short"}}, 422, "password: must be"},
		{"no current password", url.Values{"password": {newPassword}}, 422, "current_password: field required"},
	} {
		w.post("/ui/account/password", c.form).must(t, "POST /ui/account/password "+c.what, c.code).mustBePage(t, c.what).mustContain(t, c.what, c.want)
	}
	w.post("/ui/account/password", url.Values{"current_password": {ada.password}, "password": {newPassword}}).
		must(t, "POST /ui/account/password", 303, "/ui/account?changed=password")
	w.get("/ui/account?changed=password").must(t, "account after the change", 200).mustContain(t, "account after the change", "Your password is changed")
	// This session stays; every other one ends.
	other.get("/ui/account").must(t, "the other web session", 303, "/ui/login")
	e.must(401, req{method: "GET", path: "/me", token: tok})
	ada.password = newPassword
	newWebClient(t, srv).webLogin(ada)

	// Wrong current passwords count against the account's login limit
	// (3): the one above, and two more.
	w.post("/ui/account/password", url.Values{"current_password": {"wrong-1"}, "password": {newPassword}}).must(t, "wrong current password", 400)
	w.post("/ui/account/password", url.Values{"current_password": {"wrong-2"}, "password": {newPassword}}).must(t, "wrong current password", 400)
	p := w.post("/ui/account/password", url.Values{"current_password": {ada.password}, "password": {"yet another password"}}).must(t, "right password past the limit", 429)
	if p.header.Get("Retry-After") == "" {
		t.Errorf("429 page without Retry-After: %v", p.header)
	}
}

func TestWebUISessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newWebServer(t, e)
	ada, bob := e.register("ada@example.com"), e.register("bob@example.com")
	w, other, wb := newWebClient(t, srv), newWebClient(t, srv), newWebClient(t, srv)
	other.webLogin(ada)
	w.webLogin(ada)
	wb.webLogin(bob)

	acct := w.get("/ui/account").must(t, "GET /ui/account", 200)
	sessions := ids(acct.body, "session-")
	if len(sessions) != 2 {
		t.Fatalf("ada's sessions on the page = %v, want 2:\n%s", sessions, acct.body)
	}
	current := ids(acct.body, "current-session-")
	if len(current) != 1 || current[0] != sessions[0] { // newest first: this one
		t.Fatalf("current session = %v, want [%s]", current, sessions[0])
	}
	otherID := sessions[1]

	// Bob cannot end ada's session: the page of a missing one.
	theirs := wb.post("/ui/sessions/"+otherID+"/revoke", url.Values{}).must(t, "bob revokes ada's session", 404)
	missing := wb.post("/ui/sessions/999999/revoke", url.Values{}).must(t, "bob revokes a missing session", 404)
	if theirs.body != missing.body || !strings.Contains(theirs.body, "Session not found") {
		t.Errorf("someone else's session page = %s, want the missing session's page %s", theirs.body, missing.body)
	}
	w.do("POST", "/ui/sessions/"+otherID+"/revoke", url.Values{}, evilOrigin).must(t, "cross-origin revoke", 403)
	other.get("/ui/").must(t, "ada's other session after the refusals", 200)

	w.post("/ui/sessions/"+otherID+"/revoke", url.Values{}).must(t, "ada revokes her other session", 303, "/ui/account")
	other.get("/ui/").must(t, "the revoked session", 303, "/ui/login")
	if got := ids(w.get("/ui/account").body, "session-"); len(got) != 1 || got[0] != sessions[0] {
		t.Errorf("sessions after the revoke = %v, want [%s]", got, sessions[0])
	}
	w.post("/ui/sessions/abc/revoke", url.Values{}).must(t, "revoke a session by a bad id", 422)
}

func TestWebUIAPIKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newWebServer(t, e)
	ada, bob := e.register("ada@example.com"), e.register("bob@example.com")
	w, wb := newWebClient(t, srv), newWebClient(t, srv)
	w.webLogin(ada)
	wb.webLogin(bob)

	acct := w.get("/ui/account").must(t, "GET /ui/account", 200).
		mustContain(t, "account page", `action="/ui/api-keys"`, `value="notes:read"`, `value="notes:write"`)
	if strings.Contains(acct.body, `value="admin"`) {
		t.Errorf("a user's key form offers the admin scope:\n%s", acct.body)
	}
	for _, c := range []struct {
		what string
		form url.Values
		want string
	}{
		{"no name", url.Values{"name": {""}, "scopes": {"notes:read"}}, "name: "},
		{"no scope", url.Values{"name": {"ci"}}, "scopes: "},
		{"admin scope", url.Values{"name": {"ci"}, "scopes": {"admin"}}, "scope admin is unknown or not yours to grant"},
		{"bad expiry", url.Values{"name": {"ci"}, "scopes": {"notes:read"}, "expires_in_days": {"0"}}, "expires_in_days: "},
		{"NUL in name", url.Values{"name": {"c\x00i"}, "scopes": {"notes:read"}}, "name: "},
	} {
		w.post("/ui/api-keys", c.form).must(t, "create a key with "+c.what, 422).mustContain(t, c.what, c.want)
	}

	created := w.post("/ui/api-keys", url.Values{"name": {"ci <bot>"}, "scopes": {"notes:read"}, "expires_in_days": {"30"}}).
		must(t, "POST /ui/api-keys", 201).mustBePage(t, "created key")
	key := regexp.MustCompile(`id="new-key">([^<]+)<`).FindStringSubmatch(created.body)
	if key == nil {
		t.Fatalf("the created key is not shown:\n%s", created.body)
	}
	created.mustContain(t, "created key", "ci &lt;bot&gt;")
	e.must(200, req{method: "GET", path: "/notes", apiKey: key[1]})
	e.must(403, req{method: "POST", path: "/notes", apiKey: key[1], json: map[string]string{"title": "x"}})
	again := w.get("/ui/account").must(t, "GET /ui/account after the creation", 200)
	if strings.Contains(again.body, key[1]) {
		t.Errorf("the key is shown again:\n%s", again.body)
	}
	keys := ids(again.body, "key-")
	if len(keys) != 1 {
		t.Fatalf("listed keys = %v, want 1", keys)
	}

	theirs := wb.post("/ui/api-keys/"+keys[0]+"/revoke", url.Values{}).must(t, "bob revokes ada's key", 404)
	missing := wb.post("/ui/api-keys/999999/revoke", url.Values{}).must(t, "bob revokes a missing key", 404)
	if theirs.body != missing.body || !strings.Contains(theirs.body, "API key not found") {
		t.Errorf("someone else's key page = %s, want the missing key's page %s", theirs.body, missing.body)
	}
	w.do("POST", "/ui/api-keys/"+keys[0]+"/revoke", url.Values{}, evilOrigin).must(t, "cross-origin key revoke", 403)
	w.do("POST", "/ui/api-keys", url.Values{"name": {"planted"}, "scopes": {"notes:read"}}, evilOrigin).must(t, "cross-origin key creation", 403)
	e.must(200, req{method: "GET", path: "/notes", apiKey: key[1]})

	w.post("/ui/api-keys/"+keys[0]+"/revoke", url.Values{}).must(t, "ada revokes her key", 303, "/ui/account")
	e.must(403, req{method: "GET", path: "/notes", apiKey: key[1]}) // the API's answer to a revoked key
	if got := ids(w.get("/ui/account").body, "key-"); len(got) != 0 {
		t.Errorf("keys after the revoke = %v, want none", got)
	}
}

func TestWebUIAccountWithoutSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := newWebClient(t, newWebServer(t, e))
	for _, path := range []string{"/ui/account", "/ui/admin/users"} {
		w.get(path).must(t, "GET "+path+" without a session", 303, "/ui/login")
	}
	for _, path := range []string{"/ui/account/password", "/ui/sessions/1/revoke", "/ui/api-keys", "/ui/api-keys/1/revoke",
		"/ui/admin/users/1/active", "/ui/admin/users/1/role"} {
		w.post(path, url.Values{}).must(t, "POST "+path+" without a session", 401).mustBePage(t, "POST "+path)
	}
}

func TestWebUIAdminUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newWebServer(t, e)
	root := e.admin("root@example.com")
	ada := e.register("ada@example.com")
	wr, wa := newWebClient(t, srv), newWebClient(t, srv)
	wr.webLogin(root)
	wa.webLogin(ada)
	adaPath := fmt.Sprintf("/ui/admin/users/%d", ada.ID)
	rootPath := fmt.Sprintf("/ui/admin/users/%d", root.ID)

	// Not an admin: 403 pages, and no link to the page.
	wa.get("/ui/admin/users").must(t, "GET /ui/admin/users as a user", 403).mustBePage(t, "403").mustContain(t, "403", "Admin access required")
	wa.post(rootPath+"/active", url.Values{"active": {"false"}}).must(t, "a user deactivates the admin", 403)
	wa.post(adaPath+"/role", url.Values{"role": {"admin"}}).must(t, "a user makes herself admin", 403)
	if strings.Contains(wa.get("/ui/account").body, `href="/ui/admin/users"`) {
		t.Error("a user's pages link to the admin page")
	}

	list := wr.get("/ui/admin/users").must(t, "GET /ui/admin/users", 200).mustBePage(t, "admin page").
		mustContain(t, "admin page", root.Email, ada.Email)
	if got := ids(list.body, "user-"); len(got) != 2 {
		t.Errorf("listed users = %v, want 2", got)
	}
	wr.get("/ui/account").mustContain(t, "an admin's account page", `href="/ui/admin/users"`)

	for _, c := range []struct {
		what, path string
		form       url.Values
		header     map[string]string
		code       int
		want       string
	}{
		{"cross-origin deactivation", adaPath + "/active", url.Values{"active": {"false"}}, evilOrigin, 403, "Cross-origin request refused"},
		{"a bad active value", adaPath + "/active", url.Values{"active": {"maybe"}}, nil, 422, "active: "},
		{"an unknown role", adaPath + "/role", url.Values{"role": {"superuser"}}, nil, 422, "role: "},
		{"a missing user", "/ui/admin/users/999999/active", url.Values{"active": {"false"}}, nil, 404, "User not found"},
		{"demoting the last admin", rootPath + "/role", url.Values{"role": {"user"}}, nil, 409, "Cannot demote or deactivate the last active admin"},
		{"deactivating the last admin", rootPath + "/active", url.Values{"active": {"false"}}, nil, 409, "Cannot demote or deactivate the last active admin"},
	} {
		wr.do("POST", c.path, c.form, c.header).must(t, c.what, c.code).mustBePage(t, c.what).mustContain(t, c.what, c.want)
	}
	wa.get("/ui/").must(t, "ada after the refusals", 200)

	wr.post(adaPath+"/active", url.Values{"active": {"false"}}).must(t, "deactivate ada", 303, "/ui/admin/users")
	wa.get("/ui/").must(t, "ada's session after deactivation", 303, "/ui/login")
	wa.post("/ui/login", url.Values{"email": {ada.Email}, "password": {ada.password}}).must(t, "inactive ada logs in", 400)
	wr.get("/ui/admin/users").mustContain(t, "admin page after deactivation", fmt.Sprintf(`id="user-%d" class="inactive"`, ada.ID))
	wr.post(adaPath+"/active", url.Values{"active": {"true"}}).must(t, "reactivate ada", 303, "/ui/admin/users")
	wa.webLogin(ada)

	wr.post(adaPath+"/role", url.Values{"role": {"admin"}}).must(t, "make ada admin", 303, "/ui/admin/users")
	wa.webLogin(ada) // a new session: the role's scopes are granted at login
	wa.get("/ui/admin/users").must(t, "GET /ui/admin/users as the new admin", 200)
	wr.post(rootPath+"/role", url.Values{"role": {"user"}}).must(t, "root steps down, ada remains admin", 303, "/ui/admin/users")
	wr.get("/ui/admin/users").must(t, "GET /ui/admin/users as a former admin", 403)
}
