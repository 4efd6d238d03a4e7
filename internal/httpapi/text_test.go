package httpapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestBadBytes: text that is not valid UTF-8 or holds a NUL is 422 with
// the field's location wherever it would be stored, the same on both
// engines (SPEC §5); at login it is a failed login like any unknown
// e-mail; a user agent that is not valid UTF-8 is stored sanitised, so
// the right password still logs in. Never a 500.
func TestBadBytes(t *testing.T) {
	t.Parallel()
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			e := eng.newEnv(t)
			u := e.register("ann@example.com")
			tok := e.login(u)
			n := e.createNote(tok, "kept")

			// In JSON, Go's decoder turns invalid UTF-8 into U+FFFD, so
			// only NUL (\u0000) reaches the checks; a raw invalid byte is
			// stored replaced, never as is, never a 500.
			for _, r := range []req{
				{method: "PATCH", path: "/me", token: tok, raw: jsonBody("name", "a\xffb")},
				{method: "POST", path: "/notes", token: tok, raw: jsonBody("title", "a\xffb", "body", "b\xffc")},
			} {
				r.contentType = "application/json"
				res := e.do(r)
				if res.code != 422 && (res.code/100 != 2 || strings.Contains(string(res.body), "\xff") || !strings.Contains(string(res.body), "a\uFFFDb")) {
					t.Errorf("%s %s with raw invalid UTF-8 in JSON = %d %q, want 422 or the text stored with U+FFFD", r.method, r.path, res.code, res.body)
				}
			}

			for _, bad := range []struct{ name, s string }{{"NUL", "a\x00b"}, {"invalid UTF-8", "a\xffb"}} {
				invalid := []struct {
					name     string
					r        req
					location string
				}{
					{"register name", req{method: "POST", path: "/auth/register", raw: jsonBody("email", "bob@example.com", "password", "password-bob", "name", bad.s)}, "body.name"},
					{"register email", req{method: "POST", path: "/auth/register", raw: jsonBody("email", "bob"+bad.s+"@example.com", "password", "password-bob", "name", "Bob")}, "body.email"},
					{"create note title", req{method: "POST", path: "/notes", token: tok, raw: jsonBody("title", bad.s, "body", "fine")}, "body.title"},
					{"create note body", req{method: "POST", path: "/notes", token: tok, raw: jsonBody("title", "fine", "body", bad.s)}, "body.body"},
					{"patch note title", req{method: "PATCH", path: fmt.Sprintf("/notes/%d", n.ID), token: tok, raw: jsonBody("title", bad.s)}, "body.title"},
					{"patch note body", req{method: "PATCH", path: fmt.Sprintf("/notes/%d", n.ID), token: tok, raw: jsonBody("body", bad.s)}, "body.body"},
					{"patch me name", req{method: "PATCH", path: "/me", token: tok, raw: jsonBody("name", bad.s)}, "body.name"},
					{"api key name", req{method: "POST", path: "/api-keys", token: tok, raw: `{"name":` + jsonString(bad.s) + `,"scopes":["notes:read"]}`}, "body.name"},
				}
				for _, c := range invalid {
					if bad.name != "NUL" {
						break // see above
					}
					c.r.contentType = "application/json"
					res := e.do(c.r)
					if res.code != 422 {
						t.Errorf("%s with %s = %d %s, want 422", c.name, bad.name, res.code, res.body)
						continue
					}
					if p := res.problem(t); len(p.Errors) == 0 || p.Errors[0].Location != c.location {
						t.Errorf("%s with %s errors = %+v, want location %s", c.name, bad.name, p.Errors, c.location)
					}
				}

				// A bad username is an unknown e-mail; a bad password a
				// wrong one.
				for _, f := range []url.Values{
					{"username": {"ann" + bad.s + "@example.com"}, "password": {u.password}},
					{"username": {bad.s}, "password": {u.password}},
					{"username": {u.Email}, "password": {u.password + bad.s}},
				} {
					res := e.do(req{method: "POST", path: "/auth/login", form: f})
					if res.code != 401 || res.problem(t).Detail != "Incorrect username or password" {
						t.Errorf("POST /auth/login %q with %s = %d %s, want 401 Incorrect username or password", f.Encode(), bad.name, res.code, res.body)
					}
				}

				// The web UI's forms reach the same checks.
				cookie := e.webSession(u)
				for _, c := range []struct {
					name, message string
					r             req
				}{
					{"register name", "name: must be valid UTF-8 without NUL characters", req{method: "POST", path: "/ui/register", form: url.Values{"email": {"carl@example.com"}, "password": {"password-carl"}, "name": {bad.s}}}},
					{"register email", "email: must be a valid e-mail address", req{method: "POST", path: "/ui/register", form: url.Values{"email": {"carl" + bad.s + "@example.com"}, "password": {"password-carl"}, "name": {"Carl"}}}},
					{"note title", "title: must be valid UTF-8 without NUL characters", req{method: "POST", path: "/ui/notes", form: url.Values{"title": {bad.s}, "body": {"fine"}}, header: map[string]string{"Cookie": cookie}}},
					{"note body", "body: must be valid UTF-8 without NUL characters", req{method: "POST", path: "/ui/notes", form: url.Values{"title": {"fine"}, "body": {bad.s}}, header: map[string]string{"Cookie": cookie}}},
				} {
					res := e.do(c.r)
					if res.code != 422 || !strings.Contains(string(res.body), c.message) {
						t.Errorf("POST %s (%s with %s) = %d %s, want 422 with the page saying %q", c.r.path, c.name, bad.name, res.code, res.body, c.message)
					}
				}
				res := e.do(req{method: "POST", path: "/ui/login", form: url.Values{"email": {"ann" + bad.s + "@example.com"}, "password": {u.password}}})
				if res.code != 401 {
					t.Errorf("POST /ui/login with a %s e-mail = %d %s, want 401", bad.name, res.code, res.body)
				}
			}

			// The right password with a user agent that is not valid
			// UTF-8 (and a control character) logs in, API and web UI; the
			// session lists the agent sanitised.
			ua := "curl\xff/8.0\x01 caf\xc3"
			res := e.do(req{method: "POST", path: "/auth/login", form: url.Values{"username": {u.Email}, "password": {u.password}}, header: map[string]string{"User-Agent": ua}})
			if res.code != 200 {
				t.Fatalf("POST /auth/login with user agent %q = %d %s, want 200", ua, res.code, res.body)
			}
			var tk token
			res.decode(t, &tk)
			res = e.do(req{method: "POST", path: "/ui/login", form: url.Values{"email": {u.Email}, "password": {u.password}}, header: map[string]string{"User-Agent": ua}})
			if res.code != 303 {
				t.Errorf("POST /ui/login with user agent %q = %d %s, want 303", ua, res.code, res.body)
			}
			var list struct {
				Items []struct {
					UserAgent string `json:"user_agent"`
					Current   bool   `json:"current"`
				} `json:"items"`
			}
			e.must(200, req{method: "GET", path: "/me/sessions", token: tk.AccessToken}).decode(t, &list)
			want := "curl\uFFFD/8.0 caf\uFFFD"
			found := false
			for _, s := range list.Items {
				if s.Current {
					found = true
					if s.UserAgent != want {
						t.Errorf("GET /me/sessions current user_agent = %q, want %q", s.UserAgent, want)
					}
				}
			}
			if !found {
				t.Errorf("GET /me/sessions = %+v, want the current session", list.Items)
			}
		})
	}
}

// jsonBody is a JSON object of the key/value pairs, with the values'
// bytes kept as they are (json.Marshal would replace invalid UTF-8).
func jsonBody(kv ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(kv[i]) + ":" + jsonString(kv[i+1]))
	}
	b.WriteByte('}')
	return b.String()
}

// jsonString quotes s for JSON, escaping NUL and keeping other bytes raw.
func jsonString(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `"`, `\"`), "\x00", `\u0000`) + `"`
}
