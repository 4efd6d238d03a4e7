package httpapi_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestTokenIDsCanonical: a token's sub and sid name a user and a session
// in canonical decimal only (SPEC §7). Tokens signed with the server's own
// key but with another spelling of the right ids ("02", "+2", " 2", …) are
// 401 "Could not validate credentials", while the canonical spelling of
// the same ids is accepted.
func TestTokenIDsCanonical(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("first@example.com")
	u := e.register("second@example.com")
	tok := e.login(u)
	var sessions struct {
		Items []struct {
			ID      int64 `json:"id"`
			Current bool  `json:"current"`
		} `json:"items"`
	}
	e.must(200, req{method: "GET", path: "/me/sessions", token: tok}).decode(t, &sessions)
	if len(sessions.Items) != 1 {
		t.Fatalf("GET /me/sessions = %+v, want the one session", sessions)
	}
	uid := strconv.FormatInt(u.ID, 10)
	sid := strconv.FormatInt(sessions.Items[0].ID, 10)

	// Signed by hand with the server's key, since Issue itself refuses
	// an empty subject.
	issue := func(t *testing.T, sub, sess string) string {
		t.Helper()
		now := time.Now()
		j := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iss": "notesd", "aud": "notesd", "sub": sub, "sid": sess, "scope": "notes:read notes:write",
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "canonical-" + sub + "-" + sess,
		})
		j.Header["kid"] = "k1"
		s, err := j.SignedString([]byte(testSecret))
		if err != nil {
			t.Fatalf("SignedString(sub %q, sid %q) = %v", sub, sess, err)
		}
		return s
	}
	if code := e.do(req{method: "GET", path: "/me", token: issue(t, uid, sid)}).code; code != 200 {
		t.Fatalf("GET /me with canonical sub %q and sid %q = %d, want 200", uid, sid, code)
	}

	spellings := func(id string) []struct{ name, s string } {
		return []struct{ name, s string }{
			{"leading zero", "0" + id},
			{"plus sign", "+" + id},
			{"leading space", " " + id},
			{"trailing space", id + " "},
			{"trailing newline", id + "\n"},
			{"underscore", id[:1] + "_" + id[1:]},
			{"minus zero", "-0"},
			{"zero", "0"},
			{"negative", "-" + id},
			{"empty", ""},
		}
	}
	for _, sp := range spellings(uid) {
		t.Run("sub "+sp.name, func(t *testing.T) {
			res := e.do(req{method: "GET", path: "/me", token: issue(t, sp.s, sid)})
			wantInvalidToken(t, fmt.Sprintf("GET /me with sub %q", sp.s), res)
		})
	}
	for _, sp := range spellings(sid) {
		t.Run("sid "+sp.name, func(t *testing.T) {
			res := e.do(req{method: "GET", path: "/me", token: issue(t, uid, sp.s)})
			wantInvalidToken(t, fmt.Sprintf("GET /me with sid %q", sp.s), res)
		})
	}
}

// wantInvalidToken fails t unless res is 401 "Could not validate credentials".
func wantInvalidToken(t *testing.T, op string, res resp) {
	t.Helper()
	if res.code != 401 {
		t.Fatalf("%s = %d %s, want 401", op, res.code, res.body)
	}
	if p := res.problem(t); p.Detail != "Could not validate credentials" {
		t.Errorf("%s detail = %q, want %q", op, p.Detail, "Could not validate credentials")
	}
}
