// Package mail sends the few mails an account lifecycle needs (password
// reset links, e-mail verification) through one small interface, Mailer,
// with two implementations:
//
//   - SMTP delivers through a relay named by a URL: smtp://user:pass@host:port
//     with STARTTLS, or smtps://… with implicit TLS. STARTTLS is required
//     unless the host is a loopback address (a relay on the same machine),
//     and the password is sent (AUTH PLAIN) only over TLS or to loopback.
//   - Outbox writes each message as a file into a directory (mode 0700,
//     files 0600), for development and for servers without a relay. It
//     never writes a message to a log: a reset link in a log is a password
//     in a log.
//
// Both refuse a header value holding CR or LF (header injection) and
// build the same RFC 5322 message: Date, Message-ID, MIME-Version, a
// subject encoded as RFC 2047 words when it is not ASCII, and the text as
// quoted-printable UTF-8.
//
// The package uses the standard library only (net/smtp for the protocol).
package mail
