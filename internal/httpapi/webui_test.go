package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

// webClient is a browser without a screen: a cookie jar, redirects not
// followed (so tests see them), and the Sec-Fetch-Site a browser sends.
type webClient struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

// page is one answer of the web UI.
type page struct {
	code     int
	header   http.Header
	body     string
	location string
}

func newWebServer(t *testing.T, e *env) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(e.api)
	t.Cleanup(srv.Close)
	return srv
}

func newWebClient(t *testing.T, srv *httptest.Server) *webClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webClient{t: t, srv: srv, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (w *webClient) do(method, path string, form url.Values, header map[string]string) page {
	w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequest(method, w.srv.URL+path, body)
	if err != nil {
		w.t.Fatal(err)
	}
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", w.srv.URL)
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range header {
		r.Header.Set(k, v)
	}
	res, err := w.c.Do(r)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return page{code: res.StatusCode, header: res.Header, body: string(b), location: res.Header.Get("Location")}
}

func (w *webClient) get(path string) page { w.t.Helper(); return w.do("GET", path, nil, nil) }

func (w *webClient) post(path string, form url.Values) page {
	w.t.Helper()
	return w.do("POST", path, form, nil)
}

// must fails the test unless p has status code (and, for a redirect, location).
func (p page) must(t *testing.T, what string, code int, location ...string) page {
	t.Helper()
	if p.code != code {
		t.Fatalf("%s = %d, want %d; body %s", what, p.code, code, p.body)
	}
	if len(location) > 0 && p.location != location[0] {
		t.Fatalf("%s Location = %q, want %q", what, p.location, location[0])
	}
	return p
}

// cookie returns the session cookie the jar holds ("" for none).
func (w *webClient) cookie(name string) string {
	u, _ := url.Parse(w.srv.URL)
	for _, c := range w.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// setCookie puts a session cookie in the jar.
func (w *webClient) setCookie(name, value string) {
	u, _ := url.Parse(w.srv.URL)
	w.c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// webLogin logs u in through the login form.
func (w *webClient) webLogin(u user) {
	w.t.Helper()
	w.post("/ui/login", url.Values{"email": {u.Email}, "password": {u.password}}).must(w.t, "POST /ui/login", 303, "/ui/")
}

// webSession logs u in through the login form and returns the Cookie
// header of the new session.
func (e *env) webSession(u user) string {
	e.t.Helper()
	res := e.must(303, req{method: "POST", path: "/ui/login", form: url.Values{"email": {u.Email}, "password": {u.password}}})
	c, _, _ := strings.Cut(res.header.Get("Set-Cookie"), ";")
	return c
}

// noteIDs returns the ids of the notes listed on the notes page.
func noteIDs(body string) []string {
	var ids []string
	for _, part := range strings.Split(body, `id="note-`)[1:] {
		id, _, _ := strings.Cut(part, `"`)
		ids = append(ids, id)
	}
	return ids
}

func TestWebUIRegisterAndLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := newWebClient(t, newWebServer(t, e))

	w.get("/ui/").must(t, "GET /ui/ without a session", 303, "/ui/login")
	login := w.get("/ui/login").must(t, "GET /ui/login", 200)
	if ct := login.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET /ui/login Content-Type = %q, want text/html", ct)
	}
	csp := login.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'none'", "form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy = %q, want it to contain %q", csp, want)
		}
	}
	if strings.Contains(login.body, "<script") {
		t.Errorf("login page has a script: %s", login.body)
	}
	w.get("/ui/register").must(t, "GET /ui/register", 200)
	if css := w.get("/ui/static/style.css").must(t, "GET /ui/static/style.css", 200); !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet Content-Type = %q, want text/css", css.header.Get("Content-Type"))
	}
	form := url.Values{"email": {"Ada@Example.com"}, "password": {"password-ada"}, "name": {"Ada <Lovelace>"}}
	w.post("/ui/register", form).must(t, "POST /ui/register", 303, "/ui/login?registered=1")
	dup := w.post("/ui/register", form).must(t, "POST /ui/register again", 409)
	if !strings.Contains(dup.body, "Email already registered") {
		t.Errorf("duplicate registration page = %s, want Email already registered", dup.body)
	}
	short := w.post("/ui/register", url.Values{"email": {"bob@example.com"}, "password": {"short"}, "name": {"Bob"}}).must(t, "POST /ui/register short password", 422)
	if !strings.Contains(short.body, "password") {
		t.Errorf("short password page = %s, want a message about the password", short.body)
	}

	// Unknown e-mail and wrong password: the same status and message.
	for _, f := range []url.Values{
		{"email": {"nobody@example.com"}, "password": {"password-ada"}},
		{"email": {"ada@example.com"}, "password": {"wrong-password"}},
	} {
		p := w.post("/ui/login", f).must(t, "POST /ui/login bad "+f.Get("email"), 401)
		if !strings.Contains(p.body, "Incorrect username or password") {
			t.Errorf("bad login page = %s, want Incorrect username or password", p.body)
		}
		if p.header.Get("Set-Cookie") != "" {
			t.Errorf("bad login set a cookie: %q", p.header.Get("Set-Cookie"))
		}
	}

	res := w.post("/ui/login", url.Values{"email": {"ada@example.com"}, "password": {"password-ada"}}).must(t, "POST /ui/login", 303, "/ui/")
	sc := res.header.Get("Set-Cookie")
	for _, want := range []string{"notesd_session=", "Path=/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie = %q, want it to contain %q", sc, want)
		}
	}
	if strings.Contains(sc, "Secure") || strings.Contains(sc, "__Host-") {
		t.Errorf("Set-Cookie = %q, want no Secure without --secure-cookies", sc)
	}
	home := w.get("/ui/").must(t, "GET /ui/", 200)
	if !strings.Contains(home.body, "Ada &lt;Lovelace&gt;") || strings.Contains(home.body, "Ada <Lovelace>") {
		t.Errorf("notes page does not show the escaped name: %s", home.body)
	}
	if cc := home.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET /ui/ Cache-Control = %q, want no-store", cc)
	}
}

func TestWebUISecureCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *httpapi.Config) { c.SecureCookies = true })
	ada := e.register("ada@example.com")
	res := e.do(req{method: "POST", path: "/ui/login", form: url.Values{"email": {ada.Email}, "password": {ada.password}}})
	if res.code != 303 {
		t.Fatalf("POST /ui/login = %d, want 303; body %s", res.code, res.body)
	}
	sc := res.header.Get("Set-Cookie")
	for _, want := range []string{"__Host-notesd_session=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie = %q, want it to contain %q", sc, want)
		}
	}
	if strings.Contains(sc, "Domain=") {
		t.Errorf("Set-Cookie = %q, want no Domain on a __Host- cookie", sc)
	}
	value := strings.TrimPrefix(strings.Split(sc, ";")[0], "__Host-notesd_session=")
	e.must(200, req{method: "GET", path: "/ui/", header: map[string]string{"Cookie": "__Host-notesd_session=" + value}})
	// The plain name means nothing on a secure server.
	e.must(303, req{method: "GET", path: "/ui/", header: map[string]string{"Cookie": "notesd_session=" + value}})
}

func TestWebUINotesOwnerScoped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newWebServer(t, e)
	ada, bob := e.register("ada@example.com"), e.register("bob@example.com")
	wa, wb := newWebClient(t, srv), newWebClient(t, srv)
	wa.webLogin(ada)
	wb.webLogin(bob)

	wa.post("/ui/notes", url.Values{"title": {"first"}, "body": {"one"}}).must(t, "POST /ui/notes", 303, "/ui/")
	wa.post("/ui/notes", url.Values{"title": {`<script>alert("x")</script>`}, "body": {"two"}}).must(t, "POST /ui/notes", 303, "/ui/")
	wb.post("/ui/notes", url.Values{"title": {"bob's"}}).must(t, "POST /ui/notes as bob", 303, "/ui/")

	home := wa.get("/ui/").must(t, "GET /ui/", 200)
	ids := noteIDs(home.body)
	if len(ids) != 2 {
		t.Fatalf("ada's page lists notes %v, want 2; body %s", ids, home.body)
	}
	if strings.Index(home.body, "&lt;script&gt;") > strings.Index(home.body, ">first<") || strings.Contains(home.body, "<script>") {
		t.Errorf("ada's page: want the escaped newest note first and no script; body %s", home.body)
	}
	if strings.Contains(home.body, "bob&#39;s") {
		t.Errorf("ada's page shows bob's note: %s", home.body)
	}
	bobHome := wb.get("/ui/").must(t, "GET /ui/ as bob", 200)
	if got := noteIDs(bobHome.body); len(got) != 1 {
		t.Errorf("bob's page lists notes %v, want 1", got)
	}

	// Bob cannot delete ada's note: the page of a missing note.
	gone := wb.post("/ui/notes/"+ids[0]+"/delete", url.Values{}).must(t, "bob deletes ada's note", 404)
	missing := wb.post("/ui/notes/999999/delete", url.Values{}).must(t, "bob deletes a missing note", 404)
	if gone.body != missing.body || !strings.Contains(gone.body, "Note not found") {
		t.Errorf("someone else's note page = %s, want the missing note's page %s", gone.body, missing.body)
	}
	// Ada can.
	wa.post("/ui/notes/"+ids[0]+"/delete", url.Values{}).must(t, "ada deletes her note", 303, "/ui/")
	if got := noteIDs(wa.get("/ui/").body); len(got) != 1 || got[0] != ids[1] {
		t.Errorf("after delete ada's notes = %v, want [%s]", got, ids[1])
	}

	// A bad note shows the page again with the message and the draft.
	bad := wa.post("/ui/notes", url.Values{"title": {""}, "body": {"kept draft"}}).must(t, "POST /ui/notes without title", 422)
	if !strings.Contains(bad.body, "title") || !strings.Contains(bad.body, "kept draft") {
		t.Errorf("bad note page = %s, want the title error and the draft", bad.body)
	}
}

func TestWebUIWithoutSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := newWebClient(t, newWebServer(t, e))
	for _, path := range []string{"/ui/notes", "/ui/notes/1/delete", "/ui/logout"} {
		p := w.post(path, url.Values{"title": {"x"}}).must(t, "POST "+path+" without a session", 401)
		if p.header.Get("WWW-Authenticate") != `Cookie cookie-name="notesd_session"` || !strings.Contains(p.header.Get("Content-Type"), "text/html") {
			t.Errorf("POST %s: want an HTML page with the Cookie challenge, got %v", path, p.header)
		}
	}
	w.setCookie("notesd_session", "made-up")
	w.get("/ui/").must(t, "GET /ui/ with an unknown cookie", 303, "/ui/login")
	w.post("/ui/notes", url.Values{"title": {"x"}}).must(t, "POST /ui/notes with an unknown cookie", 401)
}

func TestWebUILogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newWebServer(t, e)
	ada := e.register("ada@example.com")
	w := newWebClient(t, srv)
	w.webLogin(ada)
	old := w.cookie("notesd_session")
	res := w.post("/ui/logout", url.Values{}).must(t, "POST /ui/logout", 303, "/ui/login")
	if sc := res.header.Get("Set-Cookie"); !strings.Contains(sc, "notesd_session=;") || !strings.Contains(sc, "Max-Age=0") {
		t.Errorf("logout Set-Cookie = %q, want the cookie cleared", sc)
	}
	// The old cookie is dead, even if a browser kept it.
	replay := newWebClient(t, srv)
	replay.setCookie("notesd_session", old)
	replay.get("/ui/").must(t, "GET /ui/ with the logged-out cookie", 303, "/ui/login")
	replay.post("/ui/notes", url.Values{"title": {"x"}}).must(t, "POST /ui/notes with the logged-out cookie", 401)
}

func TestWebUIDeactivationEndsSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newWebServer(t, e)
	root := e.admin("root@example.com")
	ada := e.register("ada@example.com")
	w := newWebClient(t, srv)
	w.webLogin(ada)
	w.get("/ui/").must(t, "GET /ui/", 200)

	e.must(200, req{method: "PATCH", path: fmt.Sprintf("/admin/users/%d", ada.ID), token: e.login(root), json: map[string]any{"is_active": false}})
	w.get("/ui/").must(t, "GET /ui/ after deactivation", 303, "/ui/login")
	w.post("/ui/notes", url.Values{"title": {"x"}}).must(t, "POST /ui/notes after deactivation", 401)
	p := w.post("/ui/login", url.Values{"email": {ada.Email}, "password": {ada.password}}).must(t, "POST /ui/login inactive", 400)
	if !strings.Contains(p.body, "Inactive user") {
		t.Errorf("inactive login page = %s, want Inactive user", p.body)
	}
}

func TestWebUICrossOrigin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newWebServer(t, e)
	ada := e.register("ada@example.com")
	w := newWebClient(t, srv)
	w.webLogin(ada)
	evil := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/ui/notes", url.Values{"title": {"planted"}}},
		{"/ui/logout", url.Values{}},
		{"/ui/login", url.Values{"email": {ada.Email}, "password": {ada.password}}},
		{"/ui/register", url.Values{"email": {"eve@example.com"}, "password": {"password-eve"}, "name": {"Eve"}}},
	} {
		w.do("POST", c.path, c.form, evil).must(t, "cross-origin POST "+c.path, 403)
	}
	// Origin alone (an older browser) is refused too.
	w.do("POST", "/ui/notes", url.Values{"title": {"planted"}}, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": ""}).
		must(t, "POST /ui/notes with a foreign Origin", 403)
	home := w.get("/ui/").must(t, "GET /ui/ after the attempts", 200)
	if strings.Contains(home.body, "planted") {
		t.Errorf("a cross-origin post created a note: %s", home.body)
	}
}

func TestWebUISessionIDChangesAtLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newWebServer(t, e)
	ada := e.register("ada@example.com")
	w := newWebClient(t, srv)
	w.webLogin(ada)
	first := w.cookie("notesd_session")
	w.webLogin(ada)
	second := w.cookie("notesd_session")
	if first == "" || first == second {
		t.Fatalf("session cookie before and after re-login = %q, %q, want two different values", first, second)
	}
	w.get("/ui/").must(t, "GET /ui/ with the new cookie", 200)
	replay := newWebClient(t, srv)
	replay.setCookie("notesd_session", first)
	replay.get("/ui/").must(t, "GET /ui/ with the replaced cookie", 303, "/ui/login")

	// A value planted before login (session fixation) is not adopted.
	fixed := newWebClient(t, srv)
	fixed.setCookie("notesd_session", "planted-by-attacker")
	fixed.webLogin(ada)
	if got := fixed.cookie("notesd_session"); got == "planted-by-attacker" {
		t.Errorf("login kept the planted session id")
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func TestWebUIIdleTimeout(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	e := newEnv(t, func(c *httpapi.Config) { c.Now = clk.Now })
	srv := newWebServer(t, e)
	ada := e.register("ada@example.com")
	w := newWebClient(t, srv)
	w.webLogin(ada)

	clk.advance(20 * time.Minute)
	w.get("/ui/").must(t, "GET /ui/ after 20 idle minutes", 200) // and it counts as use
	clk.advance(20 * time.Minute)
	w.get("/ui/").must(t, "GET /ui/ 20 minutes after the last use", 200)
	clk.advance(31 * time.Minute)
	w.get("/ui/").must(t, "GET /ui/ after 31 idle minutes", 303, "/ui/login")
}

func TestWebUILoginSharesRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *httpapi.Config) { c.Limits.LoginPerAccount = 2 })
	ada := e.register("ada@example.com")
	w := newWebClient(t, newWebServer(t, e))
	bad := url.Values{"email": {ada.Email}, "password": {"wrong-password"}}
	e.must(401, req{method: "POST", path: "/auth/login", form: url.Values{"username": {ada.Email}, "password": {"wrong-password"}}})
	w.post("/ui/login", bad).must(t, "second failure, through the UI", 401)
	p := w.post("/ui/login", url.Values{"email": {ada.Email}, "password": {ada.password}}).must(t, "right password after two failures", 429)
	if p.header.Get("Retry-After") == "" {
		t.Errorf("429 page without Retry-After: %v", p.header)
	}
}

// TestWebUIScriptOnlyOnNotesPage: the notes page loads its one script
// file of this origin (CSP script-src 'self', no inline script); every
// other page keeps script-src 'none'.
func TestWebUIScriptOnlyOnNotesPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := newWebClient(t, newWebServer(t, e))
	w.webLogin(e.register("ada@example.com"))
	home := w.get("/ui/").must(t, "GET /ui/", 200)
	if csp := home.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("notes page Content-Security-Policy = %q, want script-src 'self' and no inline script", csp)
	}
	if !strings.Contains(home.body, `<script src="/ui/static/live.js" defer></script>`) || strings.Count(home.body, "<script") != 1 {
		t.Errorf("notes page = %s, want exactly the live.js script tag", home.body)
	}
	js := w.get("/ui/static/live.js").must(t, "GET /ui/static/live.js", 200)
	if ct := js.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") || !strings.Contains(js.body, `new EventSource("/notes/events")`) {
		t.Errorf("live.js: Content-Type %q, body %.80q; want the script", ct, js.body)
	}
	for _, path := range []string{"/ui/login", "/ui/register"} {
		p := w.get(path).must(t, "GET "+path, 200)
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'none'") || strings.Contains(p.body, "<script") {
			t.Errorf("%s: Content-Security-Policy %q, body with a script: %t; want no script", path, csp, strings.Contains(p.body, "<script"))
		}
	}
}
