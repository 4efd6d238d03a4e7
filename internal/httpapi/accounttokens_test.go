package httpapi_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/mail"
)

// inbox is a mail.Mailer that hands each message to the test.
type inbox chan mail.Message

func (in inbox) Send(ctx context.Context, m mail.Message) error {
	select {
	case in <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// next returns the next mail, failing the test when none comes within a
// minute (a hang, not a timing assertion).
func (in inbox) next(t *testing.T) mail.Message {
	t.Helper()
	select {
	case m := <-in:
		return m
	case <-time.After(time.Minute):
		t.Fatal("no mail within a minute")
		return mail.Message{}
	}
}

// withMailer gives the API a Mail queue sending through m, run until the
// test ends.
func withMailer(t *testing.T, m mail.Mailer) func(*httpapi.Config) {
	return func(c *httpapi.Config) {
		q := httpapi.NewMail(m, "http://notes.test", 0)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); q.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done }) // before the store closes
		c.Mail = q
	}
}

// linkToken returns the token of the link to page in a mail's text.
func linkToken(t *testing.T, m mail.Message, page string) string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(page) + `\?token=([A-Z2-7]+)`)
	got := re.FindStringSubmatch(m.Text)
	if got == nil {
		t.Fatalf("mail %q has no link to %s: %s", m.Subject, page, m.Text)
	}
	return got[1]
}

func TestPasswordResetFlow(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			mails := make(inbox, 10)
			logs := &logBuffer{}
			e := eng.newEnv(t, withMailer(t, mails), jsonLogs(logs))
			ada := e.register("ada@example.com")
			bob := e.register("bob@example.com")
			old1, old2 := e.loginPair(ada), e.login(ada)
			bobs := e.login(bob)

			known := e.must(202, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": "ADA@example.com"}})
			m := mails.next(t)
			if m.To != ada.Email {
				t.Errorf("reset mail To = %q, want %q", m.To, ada.Email)
			}
			token := linkToken(t, m, "http://notes.test/ui/reset-password")
			if strings.Contains(logs.String(), token) {
				t.Errorf("the log holds the reset token:\n%s", logs)
			}

			e.must(204, req{method: "POST", path: "/auth/password-reset/confirm", json: map[string]string{"token": token, "password": "a brand new password"}})
			// Every session of ada ends, access and refresh tokens alike; bob's stays.
			e.must(401, req{method: "GET", path: "/me", token: old1.AccessToken})
			e.must(401, req{method: "GET", path: "/me", token: old2})
			e.must(401, req{method: "POST", path: "/auth/refresh", json: map[string]string{"refresh_token": old1.RefreshToken}})
			e.must(200, req{method: "GET", path: "/me", token: bobs})
			// The old password is gone, the new one works.
			e.must(401, req{method: "POST", path: "/auth/login", form: map[string][]string{"username": {ada.Email}, "password": {ada.password}}})
			ada.password = "a brand new password"
			var me user
			res := e.must(200, req{method: "GET", path: "/me", token: e.login(ada)})
			res.decode(t, &me)
			if !strings.Contains(string(res.body), `"is_verified":true`) {
				t.Errorf("GET /me after a reset = %s, want is_verified true (the link proved the mailbox)", res.body)
			}
			// Single use.
			p := e.must(400, req{method: "POST", path: "/auth/password-reset/confirm", json: map[string]string{"token": token, "password": "yet another password"}}).problem(t)
			if p.Detail != "Invalid or expired token" {
				t.Errorf("second confirm detail = %q, want Invalid or expired token", p.Detail)
			}

			// An unknown e-mail: the same 202 body, and no mail. The queue
			// runs in order, so once bob's mail is out, the unknown one has
			// been dealt with.
			unknown := e.must(202, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": "nobody@example.com"}})
			if string(unknown.body) != string(known.body) || unknown.header.Get("Content-Type") != known.header.Get("Content-Type") {
				t.Errorf("reset for an unknown e-mail = %s, want the known e-mail's answer %s", unknown.body, known.body)
			}
			e.must(202, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": bob.Email}})
			if m := mails.next(t); m.To != bob.Email {
				t.Errorf("next mail To = %q, want %q (none to the unknown e-mail)", m.To, bob.Email)
			}

			// Security events: the request, without the unknown e-mail. The
			// worker logs "link mailed" after the send returns, so the last
			// line may follow the mail by a moment: wait for it (bounded).
			var requested []map[string]any
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				requested = requested[:0]
				for _, l := range logs.lines(t, "security") {
					if l["event"] == "password_reset_requested" {
						requested = append(requested, l)
					}
				}
				if len(requested) >= 3 || time.Now().After(deadline) {
					break
				}
			}
			if len(requested) != 3 {
				t.Fatalf("%d password_reset_requested lines, want 3; logs:\n%s", len(requested), logs)
			}
			wantAttrs(t, "password_reset_requested (known)", requested[0], map[string]any{"user_id": "1", "outcome": "link mailed", "ip": "192.0.2.1"})
			wantAttrs(t, "password_reset_requested (unknown)", requested[1], map[string]any{"unknown_user": true})
			wantAttrs(t, "password_reset", event(t, logs, "password_reset"), map[string]any{"user_id": "1"})
			if strings.Contains(logs.String(), "nobody@") {
				t.Errorf("the log holds the unknown e-mail:\n%s", logs)
			}
		})
	}
}

func TestPasswordResetRefusals(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			mails := make(inbox, 10)
			clk := newClock()
			e := eng.newEnv(t, withMailer(t, mails), func(c *httpapi.Config) { c.Now = clk.Now })
			ada := e.register("ada@example.com")
			e.must(202, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": ada.Email}})
			expired := linkToken(t, mails.next(t), "/ui/reset-password")
			e.must(202, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": ada.Email}})
			replacement := linkToken(t, mails.next(t), "/ui/reset-password")

			for _, c := range []struct {
				name   string
				body   map[string]any
				code   int
				detail string
			}{
				{"replaced token", map[string]any{"token": expired, "password": "new password 1"}, 400, "Invalid or expired token"},
				{"unknown token", map[string]any{"token": "AAAAAAAAAAAAAAAAAAAAAAAAAA", "password": "new password 1"}, 400, "Invalid or expired token"},
				{"empty token", map[string]any{"token": "", "password": "new password 1"}, 422, ""},
				{"short password", map[string]any{"token": replacement, "password": "short"}, 422, ""},
				{"no password", map[string]any{"token": replacement}, 422, ""},
				{"unknown field", map[string]any{"token": replacement, "password": "new password 1", "email": ada.Email}, 422, ""},
			} {
				res := e.must(c.code, req{method: "POST", path: "/auth/password-reset/confirm", json: c.body})
				if p := res.problem(t); c.detail != "" && p.Detail != c.detail {
					t.Errorf("%s: detail = %q, want %q", c.name, p.Detail, c.detail)
				}
			}
			// 31 minutes later the live token has expired too.
			clk.advance(31 * time.Minute)
			p := e.must(400, req{method: "POST", path: "/auth/password-reset/confirm", json: map[string]string{"token": replacement, "password": "new password 1"}}).problem(t)
			if p.Detail != "Invalid or expired token" {
				t.Errorf("expired token: detail = %q, want Invalid or expired token", p.Detail)
			}
			e.login(ada) // the password never changed
			// A bad e-mail is 422 before anything is counted or queued.
			e.must(422, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": "not an e-mail"}})
		})
	}
}

func TestPasswordResetRateLimits(t *testing.T) {
	e := newEnv(t, withMailer(t, make(inbox, 100)), func(c *httpapi.Config) { c.Limits.ResetPerIP = 5; c.Limits.ResetPerAccount = 2 })
	e.register("ada@example.com")
	ask := func(email, ip string) resp {
		return e.do(req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": email}, remoteAddr: ip + ":1234"})
	}
	// Per account, known or not, whatever the e-mail's case.
	for _, email := range []string{"ada@example.com", "nobody@example.com"} {
		for i, want := range []int{202, 202, 429} {
			variant := email
			if i == 1 {
				variant = strings.ToUpper(email)
			}
			if res := ask(variant, "198.51.100.7"); res.code != want {
				t.Errorf("reset request %d for %s = %d, want %d", i+1, email, res.code, want)
			} else if want == 429 && res.header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
		}
	}
	// Per address: the 6th request of one address is refused.
	for i := range 6 {
		want := 202
		if i == 5 {
			want = 429
		}
		if res := ask("user"+string(rune('a'+i))+"@example.com", "203.0.113.9"); res.code != want {
			t.Errorf("reset request %d from one address = %d, want %d", i+1, res.code, want)
		}
	}
}

// TestPasswordResetBurst: 50 confirms of one token at once; exactly one
// is 204.
func TestPasswordResetBurst(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			mails := make(inbox, 1)
			e := eng.newEnv(t, withMailer(t, mails))
			ada := e.register("ada@example.com")
			e.must(202, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": ada.Email}})
			token := linkToken(t, mails.next(t), "/ui/reset-password")
			const n = 50
			codes := make([]int, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					codes[i] = e.do(req{method: "POST", path: "/auth/password-reset/confirm",
						json: map[string]string{"token": token, "password": "burst password " + string(rune('a'+i%26))}}).code
				})
			}
			close(start)
			wg.Wait()
			count := map[int]int{}
			for _, c := range codes {
				count[c]++
			}
			// The rest are 400, or 503 when the bounded hash pool refuses
			// part of the flood (SPEC §3), never a second success.
			if count[204] != 1 || count[400]+count[503] != n-1 {
				t.Errorf("%d concurrent confirms of one token: %v, want one 204 and %d 400 or 503", n, count, n-1)
			}
		})
	}
}

func TestEmailVerification(t *testing.T) {
	for _, eng := range engineEnvs {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			mails := make(inbox, 10)
			logs := &logBuffer{}
			e := eng.newEnv(t, withMailer(t, mails), jsonLogs(logs), func(c *httpapi.Config) { c.RequireVerifiedEmail = true })
			ada := e.register("ada@example.com") // mails a verification link at once
			m := mails.next(t)
			if m.To != ada.Email {
				t.Errorf("verification mail To = %q, want %q", m.To, ada.Email)
			}
			token := linkToken(t, m, "http://notes.test/ui/verify-email")

			login := func(password string) resp {
				return e.do(req{method: "POST", path: "/auth/login", form: map[string][]string{"username": {ada.Email}, "password": {password}}})
			}
			// Unverified: the right password is 400, a wrong one still 401.
			res := login(ada.password)
			if res.code != 400 || res.problem(t).Detail != "Email not verified" {
				t.Errorf("login unverified = %d %s, want 400 Email not verified", res.code, res.body)
			}
			if res := login("wrong password"); res.code != 401 {
				t.Errorf("login unverified with a wrong password = %d, want 401", res.code)
			}
			if strings.Contains(string(res.body), "token") {
				t.Errorf("refused login body %s mentions a token", res.body)
			}

			e.must(204, req{method: "POST", path: "/auth/verify-email/confirm", json: map[string]string{"token": token}})
			tok := e.login(ada)
			if me := e.must(200, req{method: "GET", path: "/me", token: tok}); !strings.Contains(string(me.body), `"is_verified":true`) {
				t.Errorf("GET /me after verification = %s, want is_verified true", me.body)
			}
			p := e.must(400, req{method: "POST", path: "/auth/verify-email/confirm", json: map[string]string{"token": token}}).problem(t)
			if p.Detail != "Invalid or expired token" {
				t.Errorf("second verification detail = %q, want Invalid or expired token", p.Detail)
			}
			wantAttrs(t, "email_verified", event(t, logs, "email_verified"), map[string]any{"user_id": "1"})
			// Verified already: 202, and no new mail (the queue is in order:
			// the reset mail queued next is the next one out).
			e.must(202, req{method: "POST", path: "/auth/verify-email", token: tok})
			e.must(202, req{method: "POST", path: "/auth/password-reset", json: map[string]string{"email": ada.Email}})
			if m := mails.next(t); !strings.Contains(m.Text, "/ui/reset-password?token=") {
				t.Errorf("next mail = %q, want the reset mail (none for a verified user)", m.Subject)
			}
			if strings.Contains(logs.String(), token) {
				t.Errorf("the log holds the verification token")
			}
		})
	}
}

func TestVerifyEmailRequest(t *testing.T) {
	mails := make(inbox, 10)
	e := newEnv(t, withMailer(t, mails), func(c *httpapi.Config) { c.Limits.ResetPerAccount = 2 })
	ada := e.register("ada@example.com")
	tok := e.login(ada)
	e.must(401, req{method: "POST", path: "/auth/verify-email"})
	e.must(202, req{method: "POST", path: "/auth/verify-email", token: tok})
	first := linkToken(t, mails.next(t), "/ui/verify-email")
	e.must(202, req{method: "POST", path: "/auth/verify-email", token: tok})
	second := linkToken(t, mails.next(t), "/ui/verify-email")
	e.must(429, req{method: "POST", path: "/auth/verify-email", token: tok})
	// Only the newest link works; the login did not need it (not required).
	e.must(400, req{method: "POST", path: "/auth/verify-email/confirm", json: map[string]string{"token": first}})
	e.must(204, req{method: "POST", path: "/auth/verify-email/confirm", json: map[string]string{"token": second}})
	// The session stays, and sees the change at once (SQLite caches it).
	if me := e.must(200, req{method: "GET", path: "/me", token: tok}); !strings.Contains(string(me.body), `"is_verified":true`) {
		t.Errorf("GET /me after verification = %s, want is_verified true", me.body)
	}
}
