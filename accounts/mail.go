package accounts

import (
	"cmp"
	"context"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/mail"
)

// DefaultMailQueue is how many account mails may wait to be sent.
const DefaultMailQueue = 100

// mailJobTimeout bounds one queued job: the lookup, the token and the send.
const mailJobTimeout = time.Minute

// Mail sends the account mails (password reset, e-mail verification) off
// the request path: a flow only queues the work (finding the user, making
// and storing the token, sending), so that a known and an unknown e-mail
// answer alike and in the same time. The queue is bounded: when it is
// full a mail is dropped and logged, never waited for. Jobs run one at a
// time in Run, which the server's owner runs for as long as it serves.
type Mail struct {
	mailer    mail.Mailer
	publicURL string
	jobs      chan func(context.Context)
}

// NewMail returns a Mail sending through m, with links to the server at
// publicURL (e.g. https://notes.example.com; a trailing slash is
// dropped), queueing at most size mails (0: DefaultMailQueue).
func NewMail(m mail.Mailer, publicURL string, size int) *Mail {
	return &Mail{
		mailer:    m,
		publicURL: strings.TrimRight(publicURL, "/"),
		jobs:      make(chan func(context.Context), cmp.Or(size, DefaultMailQueue)),
	}
}

// Run runs the queued jobs, one at a time, each under a deadline, until
// ctx ends; jobs still queued then are dropped.
func (m *Mail) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-m.jobs:
			jctx, cancel := context.WithTimeout(ctx, mailJobTimeout)
			job(jctx)
			cancel()
		}
	}
}

// enqueue queues job without waiting; false when the queue is full.
func (m *Mail) enqueue(job func(context.Context)) bool {
	select {
	case m.jobs <- job:
		return true
	default:
		return false
	}
}

// link returns the URL of the page path with the token.
func (m *Mail) link(path, token string) string {
	return m.publicURL + path + "?token=" + token
}
