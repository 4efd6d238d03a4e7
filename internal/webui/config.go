package webui

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// CookieName is the session cookie's name: with secure (HTTPS only) the
// __Host- prefix makes browsers insist on Secure, Path=/ and no Domain.
func CookieName(secure bool) string {
	if secure {
		return "__Host-notesd_session"
	}
	return "notesd_session"
}

// Config is what the web UI is built from: the notes store, and the
// accounts Service whose flows the login, registration, account, reset,
// verification and admin pages call, so both front doors share one
// hasher, one set of rate limits and one set of security events.
type Config struct {
	Store notes.Store
	// Accounts is the account lifecycle; its Authenticator's Session()
	// must read the cookie named CookieName(Secure).
	Accounts *accounts.Service
	// ClientIP tells a request's client address, for the limits and the
	// sessions' records (nil: the connection's peer).
	ClientIP func(*http.Request) string
	// Secure marks the cookie Secure and names it with the __Host- prefix.
	Secure bool
	// MapError maps domain errors to problems (nil for unknown ones).
	MapError func(error) *problem.Details
	Logger   *slog.Logger
	// MaxNotes is the per-user note quota (0: none).
	MaxNotes int
	// Events is told of the notes created and deleted here (nil: no one).
	Events notes.Events
}
