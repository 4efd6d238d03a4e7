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
	// LoginGate, RegisterGate and ResetGate (password reset requests)
	// count one attempt of the request's client (429 past the limit) and
	// yield it.
	LoginGate, RegisterGate, ResetGate dep.Dep[Client]
	// Authenticate checks an e-mail and password: the user, or
	// 401 "Incorrect username or password", 400 "Inactive user", 429.
	Authenticate func(ctx context.Context, email, password string) (notes.User, error)
	// SignUp creates a user: 409 for a taken e-mail, a validation error
	// for bad input.
	SignUp func(ctx context.Context, email, password, name string) (notes.User, error)
	// Account holds the API's own code paths of the account and admin pages.
	Account Account
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

// Account is what the account, password reset, e-mail verification and
// admin pages do through the API's own code paths, so that both front
// doors share one set of rules, limits, store calls and security events.
// Errors are problems (a validation error, 400, 404, 409, 429) or store
// errors.
type Account struct {
	// RequestPasswordReset queues a reset mail to the account of email,
	// if there is one: the same nil for a known and an unknown e-mail; a
	// validation error for a malformed one; 429 past the account's limit.
	RequestPasswordReset func(ctx context.Context, email string) error
	// ConfirmPasswordReset sets a new password with a mailed token and
	// ends every session of its user: 400 "Invalid or expired token".
	ConfirmPasswordReset func(ctx context.Context, token, password string) error
	// VerifyEmail marks the mailed token's user verified: 400 "Invalid or
	// expired token".
	VerifyEmail func(ctx context.Context, token string) error
	// ChangePassword is PATCH /me's password change: 400 "Current password
	// is incorrect", 429, a validation error; every other session ends.
	ChangePassword func(ctx context.Context, p auth.Principal[notes.User], o auth.Owner[int64], current, password string) error
	// RevokeSession ends one of o's sessions: 404 "Session not found" for
	// anyone else's.
	RevokeSession func(ctx context.Context, o auth.Owner[int64], id int64) error
	// CreateAPIKey makes a key of p and returns it with its secret.
	CreateAPIKey func(ctx context.Context, p auth.Principal[notes.User], o auth.Owner[int64], k APIKeyForm) (notes.APIKey, string, error)
	// RevokeAPIKey revokes one of o's keys: 404 "API key not found" for
	// anyone else's.
	RevokeAPIKey func(ctx context.Context, o auth.Owner[int64], id int64) error
	// UpdateUser is an admin's change of a user's role or status: 404
	// "User not found", 409 for the last active admin.
	UpdateUser func(ctx context.Context, a auth.Privileged[notes.User], id int64, role *string, active *bool) (notes.User, error)
}

// APIKeyForm is the key creation form of the account page.
type APIKeyForm struct {
	Name          string
	Scopes        []string
	ExpiresInDays *int // nil: never expires
}
