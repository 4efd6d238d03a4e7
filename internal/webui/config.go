package webui

import (
	"context"
	"log/slog"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Timeouts of a web session.
const (
	// IdleTimeout ends a session not used for this long.
	IdleTimeout = 30 * time.Minute
	// MaxAge ends a session this long after login, however busy.
	MaxAge = 12 * time.Hour
	// touchEvery is how stale last_seen_at may get: a busy session costs
	// one write a minute, not one per request.
	touchEvery = time.Minute
)

// CookieName is the session cookie's name: with secure (HTTPS only) the
// __Host- prefix makes browsers insist on Secure, Path=/ and no Domain.
func CookieName(secure bool) string {
	if secure {
		return "__Host-notesd_session"
	}
	return "notesd_session"
}

// Client is who sent a request, as far as limits and sessions care.
type Client struct {
	IP        string
	UserAgent string
}

// Config is what the web UI is built from: the store, the authenticator,
// and the API's own login and sign-up checks, so both front doors share
// one hasher and one set of rate limits.
type Config struct {
	Store notes.Store
	// Authn's Session() reads the session cookie (see Register).
	Authn *auth.Authenticator[notes.User]
	// LoginGate and RegisterGate count one attempt of the request's client
	// (429 past the limit) and yield it.
	LoginGate, RegisterGate dep.Dep[Client]
	// Authenticate checks an e-mail and password: the user, or
	// 401 "Incorrect username or password", 400 "Inactive user", 429.
	Authenticate func(ctx context.Context, email, password string) (notes.User, error)
	// SignUp creates a user: 409 for a taken e-mail, a validation error
	// for bad input.
	SignUp func(ctx context.Context, email, password, name string) (notes.User, error)
	// Secure marks the cookie Secure and names it with the __Host- prefix.
	Secure bool
	// MapError maps domain errors to problems (nil for unknown ones).
	MapError func(error) *problem.Details
	Logger   *slog.Logger
	Now      func() time.Time
	// MaxNotes is the per-user note quota (0: none); MaxSessions the
	// per-user session quota, a login past it revoking the oldest (0: none).
	MaxNotes, MaxSessions int
	// Events is told of the notes created and deleted here (nil: no one).
	Events notes.Events
}
