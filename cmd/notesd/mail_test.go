package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// relay is an in-process SMTP server (emersion/go-smtp) on 127.0.0.1 that
// hands each message it accepts to the test.
type relay struct {
	addr string
	msgs chan relayed
}

// relayed is one accepted message.
type relayed struct {
	from, to string
	data     []byte
}

type relaySession struct {
	r   *relay
	cur relayed
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error { s.cur.from = from; return nil }
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error   { s.cur.to = to; return nil }
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.r.msgs <- s.cur
	return nil
}
func (s *relaySession) Reset()        {}
func (s *relaySession) Logout() error { return nil }

type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}

// startRelay starts a plain SMTP relay on a free loopback port.
func startRelay(t *testing.T) *relay {
	t.Helper()
	r := &relay{msgs: make(chan relayed, 10)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }))
	srv.Domain = "relay.test"
	srv.ErrorLog = quietLog{}
	srv.ReadTimeout, srv.WriteTimeout = waitLimit, waitLimit
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return r
}

// next returns the next message's recipient, From header and decoded
// text, failing when none arrives within waitLimit (a hang).
func (r *relay) next(t *testing.T) (to, from, text string) {
	t.Helper()
	select {
	case m := <-r.msgs:
		msg, err := netmail.ReadMessage(bytes.NewReader(m.data))
		if err != nil {
			t.Fatalf("relayed message does not parse: %v", err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatalf("relayed body: %v", err)
		}
		return m.to, msg.Header.Get("From"), string(body)
	case <-time.After(waitLimit):
		t.Fatalf("no mail within %v", waitLimit)
		return "", "", ""
	}
}

// tokenOf returns the token of the link to page in a mail's text.
func tokenOf(t *testing.T, text, page string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(page) + `\?token=([A-Z2-7]+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("mail has no link to %s: %s", page, text)
	}
	return m[1]
}

// pair is a token response.
type pair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// TestServeMailFlows runs the real flows through notesd serve and an
// in-process SMTP relay: with --require-verified-email a new user must
// follow the verification link before logging in; a password reset link
// sets a new password and ends every session; each link works once.
func TestServeMailFlows(t *testing.T) {
	t.Parallel()
	r := startRelay(t)
	dir := t.TempDir()
	s := startServer(t, envOf("NOTESD_SMTP_URL=smtp://"+r.addr), "--database-url", "sqlite:"+filepath.Join(dir, "n.db"),
		"--secret-key", randomSecret(), "--mail-from", "Notes <noreply@notes.test>",
		"--public-url", "https://notes.example.com/", "--require-verified-email")
	jsonType, formType := "application/json", "application/x-www-form-urlencoded"
	login := func(password string) (int, pair) {
		code, body := call(t, "POST", s.url+"/auth/login", formType, url.Values{"username": {"ada@example.com"}, "password": {password}}.Encode())
		var p pair
		if code == http.StatusOK {
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
		} else if code == http.StatusBadRequest && !strings.Contains(body, "Email not verified") {
			t.Errorf("login = 400 %s, want Email not verified", body)
		}
		return code, p
	}

	if code, body := call(t, "POST", s.url+"/auth/register", jsonType, `{"email":"ada@example.com","password":"ada's password","name":"Ada"}`); code != http.StatusCreated {
		t.Fatalf("POST /auth/register = %d %s", code, body)
	}
	to, from, text := r.next(t)
	if to != "ada@example.com" || from != `"Notes" <noreply@notes.test>` {
		t.Errorf("verification mail to %q from %q, want ada@example.com from Notes <noreply@notes.test>", to, from)
	}
	verify := tokenOf(t, text, "https://notes.example.com/ui/verify-email")
	if code, _ := login("ada's password"); code != http.StatusBadRequest {
		t.Errorf("login before verification = %d, want 400 Email not verified", code)
	}
	if code, body := call(t, "POST", s.url+"/auth/verify-email/confirm", jsonType, `{"token":"`+verify+`"}`); code != http.StatusNoContent {
		t.Fatalf("POST /auth/verify-email/confirm = %d %s, want 204", code, body)
	}
	if code, body := call(t, "POST", s.url+"/auth/verify-email/confirm", jsonType, `{"token":"`+verify+`"}`); code != http.StatusBadRequest || !strings.Contains(body, "Invalid or expired token") {
		t.Errorf("the verification link a second time = %d %s, want 400 Invalid or expired token", code, body)
	}
	code, first := login("ada's password")
	if code != http.StatusOK {
		t.Fatalf("login after verification = %d, want 200", code)
	}
	_, second := login("ada's password")

	// Password reset through the mailed link.
	if code, body := call(t, "POST", s.url+"/auth/password-reset", jsonType, `{"email":"Ada@Example.com"}`); code != http.StatusAccepted {
		t.Fatalf("POST /auth/password-reset = %d %s, want 202", code, body)
	}
	_, _, text = r.next(t)
	reset := tokenOf(t, text, "https://notes.example.com/ui/reset-password")
	confirm := `{"token":"` + reset + `","password":"ada's new password"}`
	if code, body := call(t, "POST", s.url+"/auth/password-reset/confirm", jsonType, confirm); code != http.StatusNoContent {
		t.Fatalf("POST /auth/password-reset/confirm = %d %s, want 204", code, body)
	}
	for _, p := range []pair{first, second} {
		if code, _ := call(t, "GET", s.url+"/me", "", "", "Authorization", "Bearer "+p.AccessToken); code != http.StatusUnauthorized {
			t.Errorf("GET /me with a token from before the reset = %d, want 401", code)
		}
		if code, _ := call(t, "POST", s.url+"/auth/refresh", jsonType, `{"refresh_token":"`+p.RefreshToken+`"}`); code != http.StatusUnauthorized {
			t.Errorf("refresh with a token from before the reset = %d, want 401", code)
		}
	}
	if code, _ := login("ada's password"); code != http.StatusUnauthorized {
		t.Errorf("login with the old password = %d, want 401", code)
	}
	if code, _ := login("ada's new password"); code != http.StatusOK {
		t.Errorf("login with the new password = %d, want 200", code)
	}
	if code, body := call(t, "POST", s.url+"/auth/password-reset/confirm", jsonType, confirm); code != http.StatusBadRequest || !strings.Contains(body, "Invalid or expired token") {
		t.Errorf("the reset link a second time = %d %s, want 400 Invalid or expired token", code, body)
	}
	for _, secret := range []string{verify, reset, r.addr + "@"} {
		if strings.Contains(s.stderr.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, s.stderr)
		}
	}
}

// TestServeMailOutbox: without --smtp-url a reset mail is a file of mode
// 0600 in DATA_DIR/outbox, and never in the log.
func TestServeMailOutbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, envOf(), "--database-url", "sqlite:"+filepath.Join(dir, "n.db"), "--secret-key", randomSecret())
	if code, body := call(t, "POST", s.url+"/auth/register", "application/json", `{"email":"ada@example.com","password":"ada's password","name":"Ada"}`); code != http.StatusCreated {
		t.Fatalf("POST /auth/register = %d %s", code, body)
	}
	if code, body := call(t, "POST", s.url+"/auth/password-reset", "application/json", `{"email":"ada@example.com"}`); code != http.StatusAccepted {
		t.Fatalf("POST /auth/password-reset = %d %s", code, body)
	}
	outbox := filepath.Join(dir, "outbox")
	var files []string
	deadline := time.Now().Add(waitLimit)
	for len(files) == 0 && time.Now().Before(deadline) {
		all, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
		files = files[:0]
		for _, f := range all {
			if !strings.HasPrefix(filepath.Base(f), ".") { // not a file still being written
				files = append(files, f)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(files) != 1 {
		t.Fatalf("outbox holds %d mails, want 1", len(files))
	}
	fi, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("outbox mail mode = %v, want 0600", fi.Mode().Perm())
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	token := tokenOf(t, string(body), "/ui/reset-password")
	if strings.Contains(s.stderr.String(), token) {
		t.Errorf("the log holds the reset token:\n%s", s.stderr)
	}
	if code, body := call(t, "POST", s.url+"/auth/password-reset/confirm", "application/json", `{"token":"`+token+`","password":"ada's new password"}`); code != http.StatusNoContent {
		t.Errorf("confirm with the outbox token = %d %s, want 204", code, body)
	}
}
