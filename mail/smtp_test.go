package mail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/gatehouse-dev/gatehouse/mail"
)

// hangLimit bounds every wait on a Send: past it the test fails as hung.
const hangLimit = time.Minute

// received is one message the test relay accepted.
type received struct {
	From, To   string
	Data       []byte
	TLS        bool
	User, Pass string // of AUTH PLAIN, if any
}

// relay is an in-process SMTP server (emersion/go-smtp) on 127.0.0.1.
type relay struct {
	addr string
	mu   sync.Mutex
	msgs []received
	conn int // sessions opened
}

// session is one SMTP session of the relay.
type session struct {
	r   *relay
	c   *smtp.Conn
	cur received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "alice" || pass != "s@cret pass" {
			return errors.New("bad credentials")
		}
		s.cur.User, s.cur.Pass = user, pass
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.cur.From = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error   { s.cur.To = to; return nil }
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	_, s.cur.TLS = s.c.TLSConnectionState()
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, s.cur)
	s.r.mu.Unlock()
	return nil
}
func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

// relayMode says how the test relay offers TLS.
type relayMode int

const (
	plainRelay    relayMode = iota // no TLS at all
	startTLSRelay                  // STARTTLS offered
	implicitRelay                  // TLS from the first byte (smtps)
)

// startRelay starts a relay on 127.0.0.1 with cert for TLS.
func startRelay(t *testing.T, mode relayMode, cert tls.Certificate) *relay {
	t.Helper()
	r := &relay{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		r.mu.Lock()
		r.conn++
		r.mu.Unlock()
		return &session{r: r, c: c}, nil
	}))
	srv.Domain = "relay.test"
	srv.ErrorLog = discardLogger{}
	srv.ReadTimeout, srv.WriteTimeout = hangLimit, hangLimit
	var l net.Listener
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case startTLSRelay:
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	case implicitRelay:
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		l = tls.NewListener(l, srv.TLSConfig)
	case plainRelay:
		srv.AllowInsecureAuth = true // loopback: the client decides
	}
	r.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return r
}

func (r *relay) messages() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.msgs...)
}

func (r *relay) sessions() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conn
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// selfSigned makes a certificate for 127.0.0.1 and localhost and a pool
// that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "relay.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// send runs m.Send with a hang guard.
func send(t *testing.T, ctx context.Context, m mail.Mailer, msg mail.Message) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- m.Send(ctx, msg) }()
	select {
	case err := <-done:
		return err
	case <-time.After(hangLimit):
		t.Fatalf("Send did not return within %v", hangLimit)
		return nil
	}
}

// testMessage has a UTF-8 subject, a line starting with a dot (SMTP's
// end of data, if not stuffed) and a long line.
var testMessage = mail.Message{
	To:      "Bob <bob@example.com>",
	Subject: "Réinitialisez votre mot de passe — notesd",
	Text:    "Hello Bob,\n.\nOpen https://notes.example/reset?token=" + strings.Repeat("x", 120) + "\n\nnotesd\n",
}

// checkDelivered checks the one message r received against testMessage,
// sent from noreply@example.com.
func checkDelivered(t *testing.T, r *relay) received {
	t.Helper()
	msgs := r.messages()
	if len(msgs) != 1 {
		t.Fatalf("relay received %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "noreply@example.com" || got.To != "bob@example.com" {
		t.Errorf("envelope = MAIL FROM %q RCPT TO %q, want noreply@example.com, bob@example.com", got.From, got.To)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatalf("ReadMessage(received) = %v\n%s", err, got.Data)
	}
	h := msg.Header
	wantHeaders := map[string]string{
		"From":                      `"Notes" <noreply@example.com>`,
		"To":                        `"Bob" <bob@example.com>`,
		"Mime-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
	}
	for k, want := range wantHeaders {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != testMessage.Subject {
		t.Errorf("Subject decodes to %q (%v), want %q", subject, err, testMessage.Subject)
	}
	if raw := h.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("raw Subject = %q, want RFC 2047 Q-encoded words", raw)
	}
	if d, err := h.Date(); err != nil || time.Since(d).Abs() > time.Hour {
		t.Errorf("Date = %q (%v), want the RFC 5322 date of now", h.Get("Date"), err)
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID = %q, want <…@example.com>", id)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("decoding the body: %v", err)
	}
	if want := strings.ReplaceAll(testMessage.Text, "\n", "\r\n"); string(body) != want {
		t.Errorf("body = %q, want %q", body, want)
	}
	for line := range strings.Lines(string(got.Data)) {
		if len(line) > 78+2 {
			t.Errorf("line of %d bytes in the message, want at most 78 + CRLF: %q", len(line)-2, line)
		}
	}
	return got
}

func TestSMTPPlainLoopback(t *testing.T) {
	t.Parallel()
	r := startRelay(t, plainRelay, tls.Certificate{})
	m, err := mail.NewSMTP("smtp://"+r.addr, "Notes <noreply@example.com>")
	if err != nil {
		t.Fatalf("NewSMTP = %v", err)
	}
	if err := send(t, context.Background(), m, testMessage); err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	got := checkDelivered(t, r)
	if got.TLS || got.User != "" {
		t.Errorf("delivered with TLS %v, AUTH user %q; want plain, no AUTH", got.TLS, got.User)
	}
}

func TestSMTPPlainLoopbackAuth(t *testing.T) {
	t.Parallel()
	r := startRelay(t, plainRelay, tls.Certificate{})
	m, err := mail.NewSMTP("smtp://alice:s%40cret%20pass@"+r.addr, "Notes <noreply@example.com>")
	if err != nil {
		t.Fatalf("NewSMTP = %v", err)
	}
	if err := send(t, context.Background(), m, testMessage); err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	if got := checkDelivered(t, r); got.User != "alice" || got.Pass != "s@cret pass" {
		t.Errorf("AUTH PLAIN got %q/%q, want alice and the URL-decoded password", got.User, got.Pass)
	}
}

func TestSMTPStartTLSAuth(t *testing.T) {
	t.Parallel()
	cert, pool := selfSigned(t)
	r := startRelay(t, startTLSRelay, cert)
	m, err := mail.NewSMTP("smtp://alice:s%40cret%20pass@"+r.addr, "Notes <noreply@example.com>",
		mail.WithTLSConfig(&tls.Config{RootCAs: pool}))
	if err != nil {
		t.Fatalf("NewSMTP = %v", err)
	}
	if err := send(t, context.Background(), m, testMessage); err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	got := checkDelivered(t, r)
	if !got.TLS {
		t.Errorf("delivered without TLS, want STARTTLS")
	}
	if got.User != "alice" || got.Pass != "s@cret pass" {
		t.Errorf("AUTH PLAIN got %q/%q, want alice and the URL-decoded password", got.User, got.Pass)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	t.Parallel()
	cert, pool := selfSigned(t)
	r := startRelay(t, implicitRelay, cert)
	m, err := mail.NewSMTP("smtps://alice:s%40cret%20pass@"+r.addr, "Notes <noreply@example.com>",
		mail.WithTLSConfig(&tls.Config{RootCAs: pool}))
	if err != nil {
		t.Fatalf("NewSMTP = %v", err)
	}
	if err := send(t, context.Background(), m, testMessage); err != nil {
		t.Fatalf("Send = %v, want nil", err)
	}
	if got := checkDelivered(t, r); !got.TLS || got.User != "alice" {
		t.Errorf("delivered with TLS %v, AUTH user %q; want TLS and alice", got.TLS, got.User)
	}
}

// TestSMTPUntrustedCertificate: a relay whose certificate the system
// roots do not trust gets nothing, not even the password.
func TestSMTPUntrustedCertificate(t *testing.T) {
	t.Parallel()
	cert, _ := selfSigned(t)
	for _, tt := range []struct {
		name   string
		mode   relayMode
		scheme string
	}{
		{"starttls", startTLSRelay, "smtp"},
		{"implicit", implicitRelay, "smtps"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := startRelay(t, tt.mode, cert)
			m, err := mail.NewSMTP(tt.scheme+"://alice:s%40cret%20pass@"+r.addr, "noreply@example.com")
			if err != nil {
				t.Fatalf("NewSMTP = %v", err)
			}
			err = send(t, context.Background(), m, testMessage)
			var unknown x509.UnknownAuthorityError
			if !errors.As(err, &unknown) {
				t.Errorf("Send = %v, want an unknown-authority error", err)
			}
			if n := len(r.messages()); n != 0 {
				t.Errorf("relay received %d messages, want 0", n)
			}
		})
	}
}

func TestSMTPHeaderInjection(t *testing.T) {
	t.Parallel()
	r := startRelay(t, plainRelay, tls.Certificate{})
	m, err := mail.NewSMTP("smtp://"+r.addr, "noreply@example.com")
	if err != nil {
		t.Fatalf("NewSMTP = %v", err)
	}
	tests := []struct {
		name string
		msg  mail.Message
	}{
		{"LF in To", mail.Message{To: "bob@example.com\nBcc: eve@example.com", Subject: "hi", Text: "x"}},
		{"CRLF in To", mail.Message{To: "bob@example.com\r\nBcc: eve@example.com", Subject: "hi", Text: "x"}},
		{"CR in Subject", mail.Message{To: "bob@example.com", Subject: "hi\rBcc: eve@example.com", Text: "x"}},
		{"CRLF in Subject", mail.Message{To: "bob@example.com", Subject: "hi\r\nBcc: eve@example.com\r\n\r\nforged body", Text: "x"}},
		{"NUL in Subject", mail.Message{To: "bob@example.com", Subject: "hi\x00", Text: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := send(t, context.Background(), m, tt.msg); !errors.Is(err, mail.ErrHeaderInjection) {
				t.Errorf("Send(%q) = %v, want ErrHeaderInjection", tt.msg, err)
			}
		})
	}
	if n := r.sessions(); n != 0 {
		t.Errorf("relay saw %d sessions, want 0: a refused message is never sent", n)
	}
	for _, from := range []string{"noreply@example.com\r\nBcc: eve@example.com", "a@example.com\n"} {
		if _, err := mail.NewSMTP("smtp://"+r.addr, from); !errors.Is(err, mail.ErrHeaderInjection) {
			t.Errorf("NewSMTP(from %q) = %v, want ErrHeaderInjection", from, err)
		}
	}
}

func TestSMTPBadMessage(t *testing.T) {
	t.Parallel()
	m, err := mail.NewSMTP("smtp://127.0.0.1:1", "noreply@example.com")
	if err != nil {
		t.Fatalf("NewSMTP = %v", err)
	}
	tests := []struct {
		name string
		msg  mail.Message
	}{
		{"no recipient", mail.Message{Subject: "hi", Text: "x"}},
		{"two recipients", mail.Message{To: "a@example.com, b@example.com", Subject: "hi", Text: "x"}},
		{"invalid UTF-8 text", mail.Message{To: "a@example.com", Subject: "hi", Text: "\xff"}},
		{"NUL in text", mail.Message{To: "a@example.com", Subject: "hi", Text: "a\x00b"}},
		{"subject too long", mail.Message{To: "a@example.com", Subject: strings.Repeat("s", 501), Text: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := send(t, context.Background(), m, tt.msg); err == nil || strings.Contains(err.Error(), "connection refused") {
				t.Errorf("Send(%s) = %v, want a refusal before dialling", tt.name, err)
			}
		})
	}
}

func TestNewSMTPRefusesBadURLs(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, url string }{
		{"http scheme", "http://relay.example.com"},
		{"no scheme", "relay.example.com:587"},
		{"no host", "smtp://:587"},
		{"bad port", "smtp://relay.example.com:0"},
		{"port too big", "smtp://relay.example.com:70000"},
		{"path", "smtp://relay.example.com/x"},
		{"query", "smtp://relay.example.com?tls=no"},
		{"does not parse", "smtp://user:hunter2secret@relay.example.com:bad port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mail.NewSMTP(tt.url, "noreply@example.com")
			if err == nil {
				t.Fatalf("NewSMTP(%q) = nil error, want one", tt.url)
			}
			if strings.Contains(err.Error(), "hunter2secret") {
				t.Errorf("NewSMTP error %q repeats the password", err)
			}
		})
	}
	if _, err := mail.NewSMTP("smtp://relay.example.com", "not an address"); err == nil {
		t.Errorf("NewSMTP(from %q) = nil error, want one", "not an address")
	}
}

// TestSMTPRelayNeverAnswers: a relay that accepts the connection but never
// greets ends in ctx's deadline error, not a hang.
func TestSMTPRelayNeverAnswers(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // read nothing, write nothing
		}
	}()
	for _, tt := range []struct {
		name string
		url  string
		opts []mail.Option
		ctx  time.Duration
	}{
		{"ctx deadline", "smtp://" + l.Addr().String(), nil, 200 * time.Millisecond},
		{"send timeout", "smtp://" + l.Addr().String(), []mail.Option{mail.WithTimeouts(0, 200*time.Millisecond)}, 0},
		{"tls handshake", "smtps://" + l.Addr().String(), nil, 200 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mail.NewSMTP(tt.url, "noreply@example.com", tt.opts...)
			if err != nil {
				t.Fatalf("NewSMTP = %v", err)
			}
			ctx := context.Background()
			if tt.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctx)
				defer cancel()
			}
			if err := send(t, ctx, m, testMessage); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Send = %v, want context.DeadlineExceeded", err)
			}
		})
	}
}

// TestSMTPRemoteNeedsTLS: to a host that is not loopback, smtp:// without
// STARTTLS sends nothing, not even the password; with STARTTLS it works.
func TestSMTPRemoteNeedsTLS(t *testing.T) {
	t.Parallel()
	cert, pool := selfSigned(t)

	plain := startRelay(t, plainRelay, tls.Certificate{})
	m, err := mail.NewSMTP("smtp://alice:s%40cret%20pass@"+plain.addr, "Notes <noreply@example.com>")
	if err != nil {
		t.Fatalf("NewSMTP = %v", err)
	}
	mail.TreatAsRemote(m)
	if err := send(t, context.Background(), m, testMessage); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("Send to a remote relay without STARTTLS = %v, want a STARTTLS error", err)
	}
	if n := len(plain.messages()); n != 0 {
		t.Errorf("relay without STARTTLS received %d messages, want 0", n)
	}

	secure := startRelay(t, startTLSRelay, cert)
	m, err = mail.NewSMTP("smtp://alice:s%40cret%20pass@"+secure.addr, "Notes <noreply@example.com>",
		mail.WithTLSConfig(&tls.Config{RootCAs: pool}))
	if err != nil {
		t.Fatalf("NewSMTP = %v", err)
	}
	mail.TreatAsRemote(m)
	if err := send(t, context.Background(), m, testMessage); err != nil {
		t.Fatalf("Send to a remote relay with STARTTLS = %v, want nil", err)
	}
	if got := checkDelivered(t, secure); !got.TLS || got.User != "alice" {
		t.Errorf("delivered with TLS %v, AUTH user %q; want TLS and alice", got.TLS, got.User)
	}
}
