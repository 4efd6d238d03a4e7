package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/problem"
)

// FuzzAPI sends arbitrary methods, paths, content types and bodies, with
// and without a valid token, and requires that no input makes the server
// answer 500 or write an error that is not a problem document.
func FuzzAPI(f *testing.F) {
	e := newEnv(f)
	ada := e.register("ada@example.com")
	tok := e.login(ada)
	e.createNote(tok, "seed")
	for _, s := range []struct{ method, path, ct, body string }{
		{"POST", "/notes", "application/json", `{"title":"x","body":"y"}`},
		{"PATCH", "/notes/1", "application/json", `{"title":null}`},
		{"POST", "/auth/register", "application/json", `{"email":"a@b.c","password":"12345678","name":"n"}`},
		{"POST", "/auth/login", "application/x-www-form-urlencoded", "username=a&password=b&scope=admin"},
		{"POST", "/auth/refresh", "application/json", `{"refresh_token":"x"}`},
		{"POST", "/api-keys", "application/json", `{"name":"k","scopes":["notes:read"],"expires_in_days":1.5}`},
		{"GET", "/notes?limit=5&cursor=-1", "", ""},
		{"PATCH", "/admin/users/1", "application/json", `{"role":"admin","is_active":false}`},
		{"DELETE", "/me/sessions/99999999999999999999", "", ""},
		{"GET", "/notes/%00", "", ""},
	} {
		f.Add(s.method, s.path, s.ct, s.body, true)
	}
	f.Fuzz(func(t *testing.T, method, path, contentType, body string, withToken bool) {
		if !validMethod(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") {
			t.Skip()
		}
		r, err := http.NewRequest(method, "http://notesd.test"+path, strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		r.RemoteAddr = "192.0.2.1:1234"
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if withToken {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		e.api.ServeHTTP(rec, r)
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %s (%s) %q = %d %s", method, path, contentType, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != problem.ContentType {
			t.Fatalf("%s %s = %d with Content-Type %q, want a problem", method, path, rec.Code, rec.Header().Get("Content-Type"))
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS":
		return true
	}
	return false
}
