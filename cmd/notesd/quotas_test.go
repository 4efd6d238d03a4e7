package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeQuotas runs notesd serve with small quotas on each engine: the
// note past --max-notes-per-user is 409, a login past
// --max-sessions-per-user ends the oldest session at once, GET
// /me/sessions pages, and the retention janitor runs at start.
func TestServeQuotas(t *testing.T) {
	t.Parallel()
	engines := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "notesd.db") },
		"postgres": postgresSchemaURL,
	}
	for name, dbURL := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := envOf("NOTESD_DATABASE_URL="+dbURL(t), "NOTESD_SECRET_KEY="+randomSecret())
			s := startServer(t, env, "--max-notes-per-user", "2", "--max-sessions-per-user=2", "--retention", "24h")

			code, body := call(t, "POST", s.url+"/auth/register", "application/json",
				`{"email":"ann@example.com","password":"ann's password","name":"Ann"}`)
			if code != http.StatusCreated {
				t.Fatalf("POST /auth/register = %d %s", code, body)
			}
			login := func() string {
				t.Helper()
				form := url.Values{"username": {"ann@example.com"}, "password": {"ann's password"}}.Encode()
				code, body := call(t, "POST", s.url+"/auth/login", "application/x-www-form-urlencoded", form)
				var tok struct {
					AccessToken string `json:"access_token"`
				}
				if code != http.StatusOK || json.Unmarshal([]byte(body), &tok) != nil {
					t.Fatalf("POST /auth/login = %d %s", code, body)
				}
				return tok.AccessToken
			}
			me := func(tok string) int {
				code, _ := call(t, "GET", s.url+"/me", "", "", "Authorization", "Bearer "+tok)
				return code
			}
			first := login()
			if code := me(first); code != http.StatusOK {
				t.Fatalf("GET /me = %d, want 200", code)
			}
			login()
			last := login()
			if code := me(first); code != http.StatusUnauthorized {
				t.Errorf("GET /me with the oldest of 3 sessions under --max-sessions-per-user=2 = %d, want 401", code)
			}
			if code := me(last); code != http.StatusOK {
				t.Errorf("GET /me with the newest session = %d, want 200", code)
			}
			code, body = call(t, "GET", s.url+"/me/sessions?limit=1", "", "", "Authorization", "Bearer "+last)
			if code != http.StatusOK || strings.Count(body, `"id"`) != 1 || strings.Contains(body, `"next_cursor":null`) {
				t.Errorf("GET /me/sessions?limit=1 = %d %s, want one session and a next cursor", code, body)
			}

			for i, want := range []int{http.StatusCreated, http.StatusCreated, http.StatusConflict} {
				code, body := call(t, "POST", s.url+"/notes", "application/json", `{"title":"t"}`, "Authorization", "Bearer "+last)
				if code != want {
					t.Fatalf("POST /notes #%d under --max-notes-per-user=2 = %d %s, want %d", i+1, code, body, want)
				}
				if want == http.StatusConflict && !strings.Contains(body, `"Note limit reached"`) {
					t.Errorf("POST /notes past the quota body = %s, want detail \"Note limit reached\"", body)
				}
			}
			s.shutdown(t)
			if logs := s.stderr.String(); !strings.Contains(logs, "retention sweep") {
				t.Errorf("serve logged no retention sweep:\n%s", logs)
			}
		})
	}
}
