package main

import (
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/httpapi"
	"github.com/gatehouse-dev/gatehouse/mail"
)

// outboxDir is the directory, in the data directory, of the mails written
// as files when no SMTP relay is configured.
const outboxDir = "outbox"

// addMailFlags defines the flags of the account mails (SPEC §3): the
// relay, the sender, the links' base URL and whether login needs a
// verified e-mail.
func (c *config) addMailFlags(fs *flagSet) {
	fs.envVar(stringValue{&c.smtpURL}, "smtp-url",
		"SMTP relay `URL` for password reset and verification mails: smtp://USER:PASS@HOST:PORT (STARTTLS; plain only to "+
			"a loopback host) or smtps://… (TLS); without it mails are written as files (mode 0600) to "+outboxDir+
			"/ in the data directory; prefer the env variable, it holds a password")
	fs.envVar(stringValue{&c.mailFrom}, "mail-from", "sender `address` of the mails (required with --smtp-url), e.g. \"Notes <noreply@example.com>\"")
	fs.envVar(stringValue{&c.publicURL}, "public-url",
		"base `URL` of this server as users reach it, used only in the links of mails; default http:// and the --addr host:port")
	fs.envVar(boolValue{&c.requireVerifiedEmail}, "require-verified-email",
		"refuse the login of users who have not verified their e-mail address (400 \"Email not verified\"); "+
			"registration then mails a verification link")
}

// checkMail checks the mail settings beyond their syntax.
func (c *config) checkMail() error {
	if c.smtpURL != "" && c.mailFrom == "" {
		return errors.New("--smtp-url needs --mail-from")
	}
	return nil
}

// newMail returns the mail queue of the flags: through the SMTP relay of
// --smtp-url, else into the outbox of dataDir. The relay's URL is never
// logged (it may hold a password), nor any mail.
func (c *config) newMail(dataDir string, logger *slog.Logger) (*httpapi.Mail, error) {
	var m mail.Mailer
	if c.smtpURL != "" {
		s, err := mail.NewSMTP(c.smtpURL, c.mailFrom)
		if err != nil {
			return nil, err
		}
		m = s
		logger.Info("account mails go through the SMTP relay")
	} else {
		dir := filepath.Join(dataDir, outboxDir)
		m = mail.NewOutbox(dir)
		logger.Info("no --smtp-url: account mails are written as files", "outbox", dir)
	}
	return httpapi.NewMail(m, c.mailPublicURL(), 0), nil
}

// mailPublicURL is --public-url, or http:// and the --addr host:port
// (localhost for an unspecified host).
func (c *config) mailPublicURL() string {
	if c.publicURL != "" {
		return strings.TrimRight(c.publicURL, "/")
	}
	host, port, err := net.SplitHostPort(c.addr)
	if err != nil {
		return "http://" + c.addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
