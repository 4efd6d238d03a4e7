package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/internal/events"
	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
)

// operatorStore is the part of either engine's store a test uses to
// change a user without an admin (the PostgreSQL env has no store field).
type operatorStore interface {
	OperatorUpdateUser(ctx context.Context, id int64, p accounts.UserPatch) (accounts.User, error)
}

// withOperator captures the env's store as an operatorStore.
func withOperator(t *testing.T, op *operatorStore) func(*httpapi.Config) {
	return func(c *httpapi.Config) {
		s, ok := c.Notes.(operatorStore)
		if !ok {
			t.Fatalf("store %T has no OperatorUpdateUser", c.Notes)
		}
		*op = s
	}
}

// wantRefusal fails unless res is a 4xx problem.
func wantRefusal(t *testing.T, what string, res resp) {
	t.Helper()
	if res.code < 400 || res.code > 499 {
		t.Errorf("%s = %d %s, want a 4xx", what, res.code, res.body)
		return
	}
	res.problem(t)
}

// TestAccountTokenConfirmInputs: malformed tokens on both confirm routes
// are 4xx problems, never a 500; a token of one purpose does nothing on
// the other route and stays usable on its own.
func TestAccountTokenConfirmInputs(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			mails := make(inbox, 10)
			e := eng.newEnv(t, withMailer(t, mails))
			ada := e.register("ada@example.com")
			e.must(202, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": ada.Email}})
			reset := linkToken(t, mails.next(t), "/ui/reset-password")
			tok := e.login(ada)
			e.must(202, req{method: "POST", path: "/auth/verify-email", token: tok})
			verify := linkToken(t, mails.next(t), "/ui/verify-email")

			big := strings.Repeat("A", 1<<20)
			for _, route := range []string{"/auth/password-reset/confirm", "/auth/verify-email/confirm"} {
				for _, c := range []struct{ name, body string }{
					{"1 MB token", `{"token":"` + big + `","password":"new password 1"}`},
					{"129-char token", `{"token":"` + strings.Repeat("A", 129) + `","password":"new password 1"}`},
					{"NUL", `{"token":"AAAA\u0000AAAA","password":"new password 1"}`},
					{"invalid UTF-8", "{\"token\":\"AAAA\xff\xfeAAAA\",\"password\":\"new password 1\"}"},
					{"non-base32", `{"token":"!!!!////====","password":"new password 1"}`},
					{"duplicate keys", `{"token":"` + reset + `","token":"` + verify + `","password":"new password 1"}`},
					{"token not a string", `{"token":12,"password":"new password 1"}`},
					{"not JSON", `token=` + reset},
				} {
					if route == "/auth/verify-email/confirm" {
						c.body = strings.Replace(c.body, `,"password":"new password 1"`, "", 1)
					}
					wantRefusal(t, route+" "+c.name, e.do(req{method: "POST", path: route, raw: c.body, contentType: "application/json"}))
				}
			}
			// Each token on the other route: 400, and it stays live.
			p := e.must(400, req{method: "POST", path: "/auth/verify-email/confirm", json: map[string]string{"token": reset}}).problem(t)
			if p.Detail != "Invalid or expired token" {
				t.Errorf("reset token on verify: detail %q", p.Detail)
			}
			e.must(400, req{method: "POST", path: "/auth/password-reset/confirm", json: map[string]string{"token": verify, "password": "new password 1"}})
			// The reset confirm's password rules are register's: 8–1024
			// characters (not bytes).
			for _, pw := range []string{"seven77", strings.Repeat("p", 1025), strings.Repeat("é", 1025)} {
				e.must(422, req{method: "POST", path: "/auth/password-reset/confirm", json: map[string]string{"token": reset, "password": pw}})
			}
			e.must(204, req{method: "POST", path: "/auth/verify-email/confirm", json: map[string]string{"token": verify}})
			e.must(204, req{method: "POST", path: "/auth/password-reset/confirm", json: map[string]string{"token": reset, "password": strings.Repeat("é", 1024)}})
			ada.password = strings.Repeat("é", 1024)
			e.login(ada)
		})
	}
}

// TestAccountTokenInactiveUser: a reset or verification link mailed
// before the user was deactivated no longer works: the reset does not
// change the password (nor does verification mark the user), and is
// refused as an unknown token would be.
func TestAccountTokenInactiveUser(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			mails := make(inbox, 10)
			var op operatorStore
			e := eng.newEnv(t, withMailer(t, mails), withOperator(t, &op))
			ada := e.register("ada@example.com")
			e.must(202, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": ada.Email}})
			reset := linkToken(t, mails.next(t), "/ui/reset-password")
			e.must(202, req{method: "POST", path: "/auth/verify-email", token: e.login(ada)})
			verify := linkToken(t, mails.next(t), "/ui/verify-email")

			off, on := false, true
			if _, err := op.OperatorUpdateUser(context.Background(), ada.ID, accounts.UserPatch{Active: &off}); err != nil {
				t.Fatal(err)
			}
			for _, r := range []req{
				{method: "POST", path: "/auth/password-reset/confirm", json: map[string]string{"token": reset, "password": "attacker password"}},
				{method: "POST", path: "/auth/verify-email/confirm", json: map[string]string{"token": verify}},
			} {
				p := e.must(400, r).problem(t)
				if p.Detail != "Invalid or expired token" {
					t.Errorf("%s for an inactive user: detail %q, want Invalid or expired token", r.path, p.Detail)
				}
			}
			if _, err := op.OperatorUpdateUser(context.Background(), ada.ID, accounts.UserPatch{Active: &on}); err != nil {
				t.Fatal(err)
			}
			e.login(ada) // the password is still the old one
			var me struct {
				Verified bool `json:"is_verified"`
			}
			e.must(200, req{method: "GET", path: "/me", token: e.login(ada)}).decode(t, &me)
			if me.Verified {
				t.Errorf("a verification link used while inactive marked the user verified")
			}
		})
	}
}

// TestPasswordResetRequestInputs: malformed e-mails are 4xx problems;
// a known and an unknown e-mail get the same answer byte for byte, with
// a mail queue or a full one. Invalid UTF-8 is decoded as U+FFFD (as in
// every JSON body), which makes an address of no account: the same 202.
func TestPasswordResetRequestInputs(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			// A queue of one that nothing drains: the second mail finds it full.
			e := eng.newEnv(t, func(c *httpapi.Config) { c.Mail = httpapi.NewMail(make(inbox), "http://notes.test", 1) })
			e.register("ada@example.com")
			for _, c := range []struct{ name, body string }{
				{"NUL", `{"email":"ada\u0000@example.com"}`},
				{"1 MB", `{"email":"` + strings.Repeat("a", 1<<20) + `@example.com"}`},
				{"duplicate keys", `{"email":"ada@example.com","email":"bob@example.com"}`},
				{"not a string", `{"email":["ada@example.com"]}`},
			} {
				wantRefusal(t, "reset request "+c.name, e.do(req{method: "POST", path: "/auth/password-reset", raw: c.body, contentType: "application/json"}))
			}
			ask := func(email string) resp {
				return e.must(202, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": email}})
			}
			known, unknown := ask("ada@example.com"), ask("nobody@example.com") // queued, then dropped (full)
			full, fullUnknown := ask("Ada@Example.com"), ask("nobody2@example.com")
			badUTF8 := e.must(202, req{method: "POST", path: "/auth/password-reset", raw: "{\"email\":\"ada\xff@example.com\"}", contentType: "application/json"})
			for name, r := range map[string]resp{"unknown": unknown, "known, queue full": full, "unknown, queue full": fullUnknown, "invalid UTF-8": badUTF8} {
				if !bytes.Equal(r.body, known.body) {
					t.Errorf("%s body %q, want %q", name, r.body, known.body)
				}
				for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control"} {
					if r.header.Get(h) != known.header.Get(h) {
						t.Errorf("%s %s = %q, want %q", name, h, r.header.Get(h), known.header.Get(h))
					}
				}
			}
		})
	}
}

// TestPasswordResetLimitIPv6: the per-address limit counts an IPv6 client
// by its /64, in every spelling of its address.
func TestPasswordResetLimitIPv6(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.Limits.ResetPerIP = 3 })
	for i, c := range []struct {
		addr string
		want int
	}{
		{"[2001:db8:1:2::1]:1", 202},
		{"[2001:DB8:1:2:ffff::2]:2", 202},
		{"[2001:0db8:0001:0002:0:0:0:3]:3", 202},
		{"[2001:db8:1:2::4%eth0]:4", 429},
		{"[2001:db8:1:3::1]:1", 202}, // another /64
		{"[::ffff:198.51.100.1]:1", 202},
	} {
		res := e.do(req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": fmt.Sprintf("u%d@example.com", i)}, remoteAddr: c.addr})
		if res.code != c.want {
			t.Errorf("reset request %d from %s = %d, want %d", i+1, c.addr, res.code, c.want)
		}
	}
}

// TestPasswordResetRequestBurst: 50 parallel requests for one account
// (in case variants) and 50 confirms of one verification token: the
// limit holds exactly, and one confirm wins.
func TestPasswordResetRequestBurst(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			mails := make(inbox, 100)
			e := eng.newEnv(t, withMailer(t, mails), func(c *httpapi.Config) { c.Limits.ResetPerAccount = 3 })
			ada := e.register("ada@example.com")
			const n = 50
			codes := make([]int, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					email := ada.Email
					if i%2 == 1 {
						email = " ADA@example.COM "
					}
					codes[i] = e.do(req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": email}, remoteAddr: fmt.Sprintf("198.51.100.%d:1", i)}).code
				})
			}
			wg.Wait()
			if count := countCodes(codes); count[202] != 3 || count[429] != n-3 {
				t.Errorf("%d parallel reset requests for one account: %v, want three 202", n, count)
			}

			tok := e.login(ada)
			e.must(202, req{method: "POST", path: "/auth/verify-email", token: tok})
			var verify string
			for verify == "" {
				if m := mails.next(t); strings.Contains(m.Text, "/ui/verify-email?token=") {
					verify = linkToken(t, m, "/ui/verify-email")
				}
			}
			for i := range n {
				wg.Go(func() {
					codes[i] = e.do(req{method: "POST", path: "/auth/verify-email/confirm", json: map[string]string{"token": verify}}).code
				})
			}
			wg.Wait()
			if count := countCodes(codes); count[204] != 1 || count[400] != n-1 {
				t.Errorf("%d parallel verification confirms of one token: %v, want one 204", n, count)
			}
		})
	}
}

func countCodes(codes []int) map[int]int {
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	return count
}

// TestAdminUserIDs: zero, negative and out-of-range ids on the admin
// user routes are 404 or 422 problems, never a 500. A non-canonical
// decimal ("01", "+2") names the same user as every path id does
// (strconv.ParseInt), and only that user.
func TestAdminUserIDs(t *testing.T) {
	e := newEnv(t)
	root := e.admin("root@example.com")
	rootTok := e.login(root, "admin")
	bob, carol := e.register("bob@example.com"), e.register("carol@example.com")
	bobTok, carolTok := e.login(bob), e.login(carol)
	for _, c := range []struct {
		id   string
		want int
	}{
		{"0", 404}, {"-1", 404}, {"-0", 404}, {"9223372036854775807", 404},
		{"9223372036854775808", 422}, {"-9223372036854775809", 422}, {"2.0", 422}, {"0x2", 422}, {"%00", 422}, {"%E2%80%8B2", 422}, {"%20" + fmt.Sprint(bob.ID), 422},
	} {
		for _, r := range []req{
			{method: "PATCH", path: "/admin/users/" + c.id, token: rootTok, json: map[string]any{"is_active": false}},
			{method: "DELETE", path: "/admin/users/" + c.id + "/sessions", token: rootTok},
		} {
			res := e.do(r)
			if res.code != c.want {
				t.Errorf("%s %s = %d %s, want %d", r.method, r.path, res.code, res.body, c.want)
			} else {
				res.problem(t)
			}
		}
	}
	e.must(200, req{method: "GET", path: "/me", token: bobTok}) // untouched so far
	e.must(204, req{method: "DELETE", path: fmt.Sprintf("/admin/users/0%d/sessions", bob.ID), token: rootTok})
	e.must(401, req{method: "GET", path: "/me", token: bobTok})
	e.must(200, req{method: "PATCH", path: fmt.Sprintf("/admin/users/+%d", carol.ID), token: rootTok, json: map[string]any{"role": "user"}})
	e.must(200, req{method: "GET", path: "/me", token: carolTok})
	e.must(200, req{method: "GET", path: "/me", token: rootTok})
}

// TestRequestIDNotEchoed: an X-Request-Id that is not 1–64 characters of
// [A-Za-z0-9._-] is replaced, in the answer and in the log.
func TestRequestIDNotEchoed(t *testing.T) {
	logs := &logBuffer{}
	e := newEnv(t, jsonLogs(logs))
	for _, id := range []string{strings.Repeat("a", 65), "ab\x00cd", "ab\r\nX-Evil: 1", "ab\ncd", "ünïcode", "a b", "a\"b", "a=b", strings.Repeat("a", 60<<10)} {
		res := e.do(req{method: "GET", path: "/healthz", header: map[string]string{"X-Request-Id": id}})
		if got := res.header.Get("X-Request-Id"); got == id || got == "" || strings.ContainsAny(got, "\x00\r\n ") {
			t.Errorf("X-Request-Id %q answered as %q, want a fresh id", id, got)
		}
		if strings.Contains(logs.String(), id) {
			t.Errorf("the log holds the request id %q", id)
		}
	}
	id := strings.Repeat("a", 64)
	if got := e.do(req{method: "GET", path: "/healthz", header: map[string]string{"X-Request-Id": id}}).header.Get("X-Request-Id"); got != id {
		t.Errorf("a 64-character id answered as %q, want it kept", got)
	}
}

// TestRefreshRetryBurst: 50 parallel refreshes with one previous token,
// on both engines: never a 500, and the session lives on. Each retry
// within the interval gets its own new pair (RotateRefresh rotates again
// from the session's current hash; a pair cannot be sent twice, only its
// hash is stored), so n retries give n distinct pairs of one session.
func TestRefreshRetryBurst(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			e := eng.newEnv(t)
			ada := e.register("ada@example.com")
			first := e.loginPair(ada)
			e.refresh(first.RefreshToken, 200)
			const n = 50
			codes := make([]int, n)
			refreshed := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					res := e.do(req{method: "POST", path: "/auth/refresh", form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}})
					codes[i] = res.code
					if res.code == 200 {
						var tk token
						res.decode(t, &tk)
						refreshed[i] = tk.RefreshToken
					}
				})
			}
			wg.Wait()
			if count := countCodes(codes); count[200] != n {
				t.Errorf("%d parallel retries of the previous token: %v, want all 200", n, count)
			}
			seen := map[string]bool{}
			for _, r := range refreshed {
				if r == "" || seen[r] || r == first.RefreshToken {
					t.Fatalf("the retries' refresh tokens are not %d distinct new ones", n)
				}
				seen[r] = true
			}
			e.must(200, req{method: "GET", path: "/me", token: first.AccessToken})
		})
	}
}

// TestNoteEventsResumeInputs: a Last-Event-ID that is long, garbage or
// out of range starts the stream afresh with a reset; another user's
// event id replays only the caller's own events.
func TestNoteEventsResumeInputs(t *testing.T) {
	t.Parallel()
	// A cap above the streams opened here: a closed one is released
	// when the server notices, which the test does not wait for.
	e, base := serveEnv(t, func(c *httpapi.Config) { c.Streams = events.NewHub(events.Config{MaxPerUser: 20}) })
	alice, bob := e.login(e.register("alice@example.com")), e.login(e.register("bob@example.com"))
	as, bs := openStream(t, base, alice, ""), openStream(t, base, bob, "")
	a1 := e.createNote(alice, "a1")
	first := as.want("created", a1.ID)
	b1 := e.createNote(bob, "b1")
	bobsID := bs.want("created", b1.ID).id
	a2 := e.createNote(alice, "a2")
	as.want("created", a2.ID)
	epoch, _, _ := strings.Cut(first.id, "-")

	for _, last := range []string{strings.Repeat("9", 60<<10), "garbage", epoch + "-18446744073709551616", epoch + "--1", epoch + "-1-1", "-", "\u00e9-1"} {
		s := openStream(t, base, alice, last)
		if ev := s.next(); ev.kind != "reset" {
			t.Errorf("Last-Event-ID %.20q: first event %s, want reset", last, ev.kind)
		}
		s.res.Body.Close()
		<-s.ended
	}
	// Bob's id as Alice's resume point: her a2 only, never b1.
	s := openStream(t, base, alice, bobsID)
	s.want("created", a2.ID)
	b2 := e.createNote(bob, "b2")
	bs.want("created", b2.ID)
	a3 := e.createNote(alice, "a3")
	s.want("created", a3.ID)
	// Alice's id as Bob's: his own events after it, b1 and b2.
	r := openStream(t, base, bob, first.id)
	r.want("created", b1.ID)
	r.want("created", b2.ID)
}

// TestNoteSocketInputs: ?last_event_id= of 100 KB, NUL or invalid UTF-8
// opens the socket with a reset; the Origin must be the host itself, in
// any case, on the same port.
func TestNoteSocketInputs(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t)
	tok := e.login(e.register("dave@example.com"))
	for _, last := range []string{strings.Repeat("1", 100<<10), "a\x00b", "a\xffb"} {
		s := openSocket(t, base, bearer(tok), url.Values{"last_event_id": {last}})
		if m := s.next(); m.Type != "reset" {
			t.Errorf("last_event_id %.20q: first message %q, want reset", last, m.Type)
		}
		s.c.Close(websocket.StatusNormalClosure, "")
	}
	host := strings.TrimPrefix(base, "http://")
	name, port, _ := strings.Cut(host, ":")
	for _, c := range []struct {
		origin string
		ok     bool
	}{
		{"HTTP://" + strings.ToUpper(host), true},
		{"http://" + strings.ToUpper(name) + ":" + port, true},
		{"http://" + name + ":1", false},
		{"http://" + name, false},
		{"null", false},
		{"http://" + host + "@evil.example", false},
		{"http://evil.example#@" + host, false},
		{"http://" + host + ".", false},
		{"file://", false},
	} {
		h := bearer(tok)
		h.Set("Origin", c.origin)
		conn, res, err := wsDial(t, base, h, nil)
		switch {
		case c.ok && err != nil:
			t.Errorf("Origin %q refused (%v), want accepted", c.origin, err)
		case !c.ok && err == nil:
			t.Errorf("Origin %q accepted, want 403", c.origin)
		case !c.ok && (res == nil || res.StatusCode != 403):
			t.Errorf("Origin %q: %v %v, want 403", c.origin, res, err)
		}
		if conn != nil {
			conn.CloseNow()
		}
	}
}

// TestNoteSocketBurst: 50 parallel upgrades by one user open exactly the
// per-user cap of sockets; the rest are 429 problems.
func TestNoteSocketBurst(t *testing.T) {
	t.Parallel()
	e, base := serveEnv(t, func(c *httpapi.Config) { c.Streams = events.NewHub(events.Config{MaxPerUser: 5}) })
	tok := e.login(e.register("erin@example.com"))
	const n = 50
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, res, err := wsDial(t, base, bearer(tok), nil)
			switch {
			case err == nil:
				codes[i] = 101
			case res != nil:
				codes[i] = res.StatusCode
			}
		})
	}
	wg.Wait()
	if count := countCodes(codes); count[101] != 5 || count[429] != n-5 {
		t.Errorf("%d parallel upgrades of one user: %v, want five 101 and the rest 429", n, count)
	}
}
