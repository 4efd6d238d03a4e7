package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one plain-text mail to one recipient.
type Message struct {
	To      string // one address, "a@example.com" or "Name <a@example.com>"
	Subject string
	Text    string // the body, UTF-8; line ends are sent as CRLF
}

// Mailer sends mail. Send returns once the message is handed over (to
// the relay, or written to the outbox); it honours ctx's deadline.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// ErrHeaderInjection is returned for a header value (To, Subject, From)
// that holds a CR, LF or NUL: it could start a header of its own.
var ErrHeaderInjection = errors.New("mail: header value holds CR, LF or NUL")

// maxSubjectBytes bounds a subject, so its header stays well inside
// RFC 5322's line limit once encoded and folded.
const maxSubjectBytes = 500

// maxTextBytes bounds a message's text.
const maxTextBytes = 1 << 20

// checkHeader refuses a header value that could start a header of its own.
func checkHeader(name, v string) error {
	if strings.ContainsAny(v, "\r\n\x00") {
		return fmt.Errorf("%w (%s)", ErrHeaderInjection, name)
	}
	return nil
}

// parseAddress parses one address of a header value name.
func parseAddress(name, v string) (*mail.Address, error) {
	if err := checkHeader(name, v); err != nil {
		return nil, err
	}
	a, err := mail.ParseAddress(v)
	if err != nil {
		return nil, fmt.Errorf("mail: %s: %w", name, err)
	}
	return a, nil
}

// compose checks m and returns it as an RFC 5322 message with CRLF line
// ends, from from (nil: no From header), dated now, and its recipient.
func compose(m Message, from *mail.Address, now time.Time) ([]byte, *mail.Address, error) {
	to, err := parseAddress("to", m.To)
	if err != nil {
		return nil, nil, err
	}
	if err := checkHeader("subject", m.Subject); err != nil {
		return nil, nil, err
	}
	if !utf8.ValidString(m.Subject) || len(m.Subject) > maxSubjectBytes {
		return nil, nil, fmt.Errorf("mail: subject: want valid UTF-8 of at most %d bytes", maxSubjectBytes)
	}
	if !utf8.ValidString(m.Text) || strings.IndexByte(m.Text, 0) >= 0 || len(m.Text) > maxTextBytes {
		return nil, nil, fmt.Errorf("mail: text: want valid UTF-8 without NUL of at most %d bytes", maxTextBytes)
	}
	id, err := messageID(from)
	if err != nil {
		return nil, nil, err
	}

	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	if from != nil {
		header("From", from.String())
	}
	header("To", to.String())
	header("Subject", encodeSubject(m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\r", "\n")
	// quotedprintable writes CRLF for each "\n"; a trailing line end is
	// kept so the body ends with one.
	if _, err := qp.Write([]byte(text)); err != nil {
		return nil, nil, fmt.Errorf("mail: encode text: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, nil, fmt.Errorf("mail: encode text: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), to, nil
}

// encodeSubject encodes a subject as RFC 2047 words when it is not plain
// ASCII, folding between the words so no line grows long.
func encodeSubject(s string) string {
	enc := mime.QEncoding.Encode("utf-8", s)
	if enc == s {
		return s
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// messageID returns a new, unique Message-ID in the domain of from
// ("localhost" without one).
func messageID(from *mail.Address) (string, error) {
	domain := "localhost"
	if from != nil {
		if _, d, ok := strings.Cut(from.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	r, err := randomHex(16)
	if err != nil {
		return "", err
	}
	return "<" + r + "@" + domain + ">", nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("mail: random: %w", err)
	}
	return hex.EncodeToString(b), nil
}
