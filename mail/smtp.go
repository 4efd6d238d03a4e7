package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Default timeouts of an SMTP mailer; ctx's deadline, when earlier, wins.
const (
	DefaultDialTimeout = 10 * time.Second
	DefaultSendTimeout = 30 * time.Second
)

// SMTP is a Mailer that delivers through an SMTP relay. It is safe for
// concurrent use; each Send opens its own connection.
type SMTP struct {
	host     string // the relay's host name, for TLS and AUTH
	addr     string // host:port
	implicit bool   // smtps: TLS from the first byte
	// plainOK allows a connection without TLS: only to a loopback host.
	plainOK bool
	user    string
	pass    string
	hasAuth bool
	from    *mail.Address
	tls     *tls.Config

	dialTimeout, sendTimeout time.Duration
}

var _ Mailer = (*SMTP)(nil)

// Option configures an SMTP mailer.
type Option func(*SMTP)

// WithTLSConfig makes the mailer use a clone of c for STARTTLS and
// implicit TLS, e.g. to trust a private CA. Its ServerName defaults to the
// relay's host.
func WithTLSConfig(c *tls.Config) Option {
	return func(s *SMTP) { s.tls = c.Clone() }
}

// WithTimeouts sets how long a dial and a whole Send may take (defaults
// DefaultDialTimeout and DefaultSendTimeout); zero keeps a default.
func WithTimeouts(dial, send time.Duration) Option {
	return func(s *SMTP) {
		if dial > 0 {
			s.dialTimeout = dial
		}
		if send > 0 {
			s.sendTimeout = send
		}
	}
}

// NewSMTP returns a mailer for the relay at rawURL, sending as from (an
// address, "noreply@example.com" or "Notes <noreply@example.com>").
//
// rawURL is smtp://[user:pass@]host[:port] (port 587 by default), which
// requires STARTTLS unless host is a loopback address (localhost,
// 127.0.0.0/8, ::1: a relay on this machine, where plain SMTP is common
// and the traffic does not leave it), or smtps://[user:pass@]host[:port]
// (port 465), TLS from the start. With user:pass (URL-encoded), the
// mailer authenticates with AUTH PLAIN, which it sends only over TLS or to
// a loopback host. The URL takes no path or query. Certificates are
// verified against the system roots unless WithTLSConfig says otherwise.
func NewSMTP(rawURL, from string, opts ...Option) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("mail: smtp url: does not parse") // the error would repeat the password
	}
	s := &SMTP{dialTimeout: DefaultDialTimeout, sendTimeout: DefaultSendTimeout}
	port := ""
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		port = "587"
	case "smtps":
		port, s.implicit = "465", true
	default:
		return nil, fmt.Errorf("mail: smtp url: scheme %q, want smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("mail: smtp url: want smtp://[user:pass@]host[:port] without path or query")
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("mail: smtp url: no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, errors.New("mail: smtp url: bad port")
		}
		port = p
	}
	s.addr = net.JoinHostPort(s.host, port)
	s.plainOK = isLoopback(s.host)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		s.hasAuth = true
		if err := checkHeader("smtp user", s.user+s.pass); err != nil {
			return nil, err
		}
	}
	s.from, err = parseAddress("from", from)
	if err != nil {
		return nil, err
	}
	s.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	for _, o := range opts {
		o(s)
	}
	if s.tls.ServerName == "" {
		s.tls.ServerName = s.host
	}
	return s, nil
}

// isLoopback reports whether host names this machine: localhost or a
// loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers m. It takes at most the send timeout (or until ctx ends,
// if sooner), including the dial; then the connection is closed and the
// error wraps ctx's (context.DeadlineExceeded). The message is never part
// of an error.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, to, err := compose(m, s.from, time.Now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.sendTimeout)
	defer cancel()
	if err := s.send(ctx, msg, to.Address); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("mail: smtp send: %w", ctx.Err())
		}
		return fmt.Errorf("mail: smtp send: %w", err)
	}
	return nil
}

// send runs one SMTP transaction of msg to rcpt.
func (s *SMTP) send(ctx context.Context, msg []byte, rcpt string) error {
	d := net.Dialer{Timeout: s.dialTimeout}
	var (
		conn net.Conn
		err  error
	)
	if s.implicit {
		td := tls.Dialer{NetDialer: &d, Config: s.tls}
		conn, err = td.DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return err
	}
	// net/smtp knows no context: closing the connection when ctx ends
	// unblocks whatever read or write it waits in.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()

	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return err
	}
	if !s.implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tls); err != nil {
				return err
			}
		} else if !s.plainOK {
			return errors.New("relay offers no STARTTLS (plain SMTP is allowed to a loopback host only)")
		}
	}
	if s.hasAuth {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("relay offers no AUTH")
		}
		if err := c.Auth(plainAuth{user: s.user, pass: s.pass, host: s.host, plainOK: s.plainOK}); err != nil {
			return err
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// plainAuth is AUTH PLAIN (RFC 4616) that sends the password only over
// TLS or to a loopback host. (net/smtp's PlainAuth decides "loopback" by
// the names localhost, 127.0.0.1 and ::1 only.)
type plainAuth struct {
	user, pass, host string
	plainOK          bool
}

// Start implements smtp.Auth.
func (a plainAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.plainOK {
		return "", nil, errors.New("refusing AUTH PLAIN without TLS")
	}
	if server.Name != a.host {
		return "", nil, errors.New("wrong host name")
	}
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

// Next implements smtp.Auth.
func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge")
	}
	return nil, nil
}
