package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

// withQuotas sets the API's per-user quotas.
func withQuotas(q httpapi.Quotas) func(*httpapi.Config) {
	return func(c *httpapi.Config) { c.Quotas = q }
}

// wantProblem fails t unless res is the problem status/detail.
func wantProblem(t *testing.T, op string, res resp, status int, detail string) {
	t.Helper()
	if res.code != status {
		t.Fatalf("%s = %d %s, want %d", op, res.code, res.body, status)
	}
	if p := res.problem(t); p.Detail != detail {
		t.Errorf("%s detail = %q, want %q", op, p.Detail, detail)
	}
}

func TestNoteQuota(t *testing.T) {
	t.Parallel()
	const max = 3
	e := newEnv(t, withQuotas(httpapi.Quotas{NotesPerUser: max}))
	ada, bob := e.register("ada@example.com"), e.register("bob@example.com")
	tok := e.login(ada)
	var first note
	for i := range max {
		n := e.createNote(tok, fmt.Sprint("note ", i))
		if i == 0 {
			first = n
		}
	}
	res := e.do(req{method: "POST", path: "/notes", token: tok, json: map[string]string{"title": "one too many"}})
	wantProblem(t, "POST /notes past the quota", res, http.StatusConflict, "Note limit reached")

	// Through the web UI too: the page says so, and nothing is stored.
	cookie := e.webSession(ada)
	res = e.do(req{method: "POST", path: "/ui/notes", form: url.Values{"title": {"from the web"}},
		header: map[string]string{"Cookie": cookie, "Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}})
	if res.code != http.StatusConflict {
		t.Errorf("POST /ui/notes past the quota = %d, want 409; body %s", res.code, res.body)
	}
	var page struct {
		Items []note `json:"items"`
	}
	e.must(200, req{method: "GET", path: "/notes", token: tok}).decode(t, &page)
	if len(page.Items) != max {
		t.Errorf("GET /notes after refused creates = %d notes, want %d", len(page.Items), max)
	}

	// Someone else is not affected; deleting frees a place.
	e.createNote(e.login(bob), "bob's")
	e.must(204, req{method: "DELETE", path: fmt.Sprint("/notes/", first.ID), token: tok})
	e.createNote(tok, "after a delete")
}

func TestAPIKeyQuota(t *testing.T) {
	t.Parallel()
	const max = 2
	e := newEnv(t, withQuotas(httpapi.Quotas{APIKeysPerUser: max}))
	ada := e.register("ada@example.com")
	tok := e.login(ada)
	body := map[string]any{"name": "k", "scopes": []string{"notes:read"}}
	var ids []int64
	for range max {
		var k struct {
			ID int64 `json:"id"`
		}
		e.must(201, req{method: "POST", path: "/api-keys", token: tok, json: body}).decode(t, &k)
		ids = append(ids, k.ID)
	}
	res := e.do(req{method: "POST", path: "/api-keys", token: tok, json: body})
	wantProblem(t, "POST /api-keys past the quota", res, http.StatusConflict, "API key limit reached")

	e.must(204, req{method: "DELETE", path: fmt.Sprint("/api-keys/", ids[0]), token: tok})
	e.must(201, req{method: "POST", path: "/api-keys", token: tok, json: body})
}

// TestSessionQuotaEvictsOldest logs in max+1 times: the oldest session is
// revoked, and its access token (already used, so in the SQLite auth
// cache) stops working on the very next request, as does its refresh
// token.
func TestSessionQuotaEvictsOldest(t *testing.T) {
	t.Parallel()
	const max = 3
	e := newEnv(t, withQuotas(httpapi.Quotas{SessionsPerUser: max}))
	ada := e.register("ada@example.com")
	var pairs []token
	for range max {
		p := e.loginPair(ada)
		e.must(200, req{method: "GET", path: "/me", token: p.AccessToken}) // cached
		pairs = append(pairs, p)
	}
	newest := e.loginPair(ada)

	res := e.do(req{method: "GET", path: "/me", token: pairs[0].AccessToken})
	if res.code != http.StatusUnauthorized {
		t.Errorf("GET /me with the evicted session's token = %d, want 401", res.code)
	}
	e.refresh(pairs[0].RefreshToken, http.StatusUnauthorized)
	for i, p := range append(pairs[1:], newest) {
		if res := e.do(req{method: "GET", path: "/me", token: p.AccessToken}); res.code != http.StatusOK {
			t.Errorf("GET /me with live session %d = %d, want 200", i+2, res.code)
		}
	}
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	e.must(200, req{method: "GET", path: "/me/sessions", token: newest.AccessToken}).decode(t, &list)
	if len(list.Items) != max {
		t.Errorf("GET /me/sessions = %d sessions, want %d", len(list.Items), max)
	}

	// A web login counts against the same quota.
	e.webSession(ada)
	if res := e.do(req{method: "GET", path: "/me", token: pairs[1].AccessToken}); res.code != http.StatusUnauthorized {
		t.Errorf("GET /me with the session a web login evicted = %d, want 401", res.code)
	}
}

func TestSessionsPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.register("ada@example.com")
	const n = 5
	var tok string
	for range n {
		tok = e.login(ada)
	}
	type page struct {
		Items []struct {
			ID      int64 `json:"id"`
			Current bool  `json:"current"`
		} `json:"items"`
		NextCursor *string `json:"next_cursor"`
	}
	var (
		seen    []int64
		current int
		path    = "/me/sessions?limit=2"
		pages   int
	)
	for {
		var p page
		e.must(200, req{method: "GET", path: path, token: tok}).decode(t, &p)
		pages++
		if len(p.Items) > 2 {
			t.Fatalf("GET %s = %d items, want at most 2", path, len(p.Items))
		}
		for _, it := range p.Items {
			if len(seen) > 0 && it.ID >= seen[len(seen)-1] {
				t.Errorf("GET %s: id %d after %d, want newest first", path, it.ID, seen[len(seen)-1])
			}
			seen = append(seen, it.ID)
			if it.Current {
				current++
			}
		}
		if p.NextCursor == nil {
			break
		}
		if pages > n {
			t.Fatalf("GET /me/sessions: more than %d pages", n)
		}
		path = "/me/sessions?limit=2&cursor=" + *p.NextCursor
	}
	if len(seen) != n || pages != 3 || current != 1 {
		t.Errorf("GET /me/sessions?limit=2 pages: %d sessions on %d pages, %d current, want %d on 3, 1 current", len(seen), pages, current, n)
	}
	var all page
	e.must(200, req{method: "GET", path: "/me/sessions", token: tok}).decode(t, &all)
	if len(all.Items) != n || all.NextCursor != nil {
		t.Errorf("GET /me/sessions = %d items, next %v, want %d and no next page", len(all.Items), all.NextCursor, n)
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "cursor=abc", "cursor=-1"} {
		if res := e.do(req{method: "GET", path: "/me/sessions?" + q, token: tok}); res.code != http.StatusUnprocessableEntity {
			t.Errorf("GET /me/sessions?%s = %d, want 422", q, res.code)
		}
	}
}
