package accounts

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/ratelimit"
)

// Config is what a Service is built from. Zero fields take the defaults;
// Keyring and Hasher are required.
type Config struct {
	// Stores are the identity stores (an engine's store fills them all).
	Stores Stores
	// Keyring signs and verifies the access tokens.
	Keyring *auth.Keyring
	// Hasher hashes and checks passwords under its bounded worker pool.
	Hasher *auth.Hasher
	// Mail sends the password reset and verification mails off the
	// request path; nil: none are sent (the flows still answer alike).
	Mail *Mail
	// AppName names the application in the mails; default "gatehouse".
	AppName string
	// ResetPath and VerifyPath are the pages of the mailed links, below
	// the Mail's public URL, with the token as their query; default
	// "/ui/reset-password" and "/ui/verify-email".
	ResetPath, VerifyPath string
	// Limits are the login, refresh, registration and mail rate limits.
	Limits Limits
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger gets the security events (msg "security") and the warnings;
	// default slog.Default().
	Logger *slog.Logger
	// AccessTTL is the access token's lifetime; default 30 minutes.
	AccessTTL time.Duration
	// RefreshTTL is a login session's lifetime; default 30 days.
	RefreshTTL time.Duration
	// RefreshReuseInterval is how long after its rotation the previous
	// refresh token may be presented again (a client whose answer was
	// lost retries) and get a fresh pair instead of revoking the session;
	// default DefaultRefreshReuseInterval, negative: never.
	RefreshReuseInterval time.Duration
	// RequireVerifiedEmail refuses the login of a user who has not
	// verified their e-mail address: 400 "Email not verified", answered
	// only after the right password. Registration then mails a
	// verification link at once.
	RequireVerifiedEmail bool
	// SessionsPerUser live sessions (API and web) a user may have; default
	// DefaultSessionsPerUser: a new login revokes the oldest.
	SessionsPerUser int
	// APIKeysPerUser API keys, not revoked, a user may have; default
	// DefaultAPIKeysPerUser (then ErrAPIKeyLimit).
	APIKeysPerUser int
	// Scopes are the OAuth2 scopes the application defines, in display
	// order: a user's role may hold those not AdminOnly, an admin's all.
	Scopes []Scope
	// SessionCookie is the name of the web session cookie the
	// Authenticator's Session credential reads; default "session".
	SessionCookie string
	// WebIdleTimeout ends a web session not used for this long; default
	// DefaultWebIdleTimeout. WebMaxAge ends it this long after login,
	// however busy; default DefaultWebMaxAge.
	WebIdleTimeout, WebMaxAge time.Duration
	// Metrics counts logins by outcome and rate-limit refusals; nil
	// counts nothing.
	Metrics Metrics
	// Legacy, when set, makes the Authenticator accept the access tokens
	// of the application the users were imported from, until a cut-off
	// (see Legacy). Off by default.
	Legacy *Legacy
}

// Legacy is the old application's tokens an Authenticator accepts for a
// while after its users moved (auth.LegacyTokens: HS256, "sub" and "exp",
// the lesson's python-jose tokens). A legacy token grants every scope
// its user's role allows, has no session, so it cannot refresh or log out
// (401), and cannot be revoked: it works until it expires or Until
// passes. Deactivating the user still ends it (401, as for the user's
// sessions), as does removing the user from Users.
type Legacy struct {
	// Secret is the old application's HS256 key (its SECRET_KEY).
	Secret []byte
	// Until is the cut-off: from then on no legacy token is accepted.
	Until time.Time
	// Users finds the user behind an old application's user id.
	Users LegacyUsers
}

// LegacyUsers finds the user an old application's id names (a legacy
// token's "sub", which the Service parses as a token's subject: canonical
// decimal only), as the import recorded it: ErrNotFound when none.
type LegacyUsers interface {
	LegacyUser(ctx context.Context, oldID int64) (User, error)
}

// Scope is an OAuth2 scope an application defines.
type Scope struct {
	// Name is the scope as tokens and keys carry it ("notes:read").
	Name string
	// Description is what the scope allows, for people.
	Description string
	// AdminOnly scopes are held by admins alone.
	AdminOnly bool
}

// Metrics receives the counts of what the flows decide; it must be safe
// for concurrent use and quick.
type Metrics interface {
	// Login counts one password check of a login (API or web) by
	// outcome: success, bad_credentials, inactive, limited, invalid, busy
	// or error.
	Login(outcome string)
	// Limited counts one attempt a rate limit refused, by rule:
	// login-account, login-ip, refresh-ip, register-ip, reset-ip,
	// reset-account or verify-user.
	Limited(rule string)
}

// Limits are the rate limits of the flows. Zero fields take the defaults.
type Limits struct {
	// Counter holds the counts: in memory by default; a
	// ratelimit/redisrate counter (in a ratelimit.Fallback) across replicas.
	Counter ratelimit.Counter
	// Window is the fixed window of every limit; default 15 minutes.
	Window time.Duration
	// LoginPerAccount failed logins per account (e-mail) and window; default 10.
	LoginPerAccount int
	// LoginPerIP login attempts per client address and window; default 100.
	LoginPerIP int
	// RefreshPerIP refresh attempts per client address and window; default 100.
	RefreshPerIP int
	// RegisterPerIP registrations per client address and window; default 30.
	RegisterPerIP int
	// ResetPerIP password reset requests per client address and window;
	// default 10.
	ResetPerIP int
	// ResetPerAccount password reset requests per account (e-mail, known
	// or not) and window, and verification mail requests per user;
	// default 3.
	ResetPerAccount int
}

// Defaults of Config.
const (
	// DefaultRefreshReuseInterval is the default reuse interval of a
	// rotated refresh token.
	DefaultRefreshReuseInterval = 10 * time.Second
	// DefaultSessionsPerUser is the default session quota.
	DefaultSessionsPerUser = 100
	// DefaultAPIKeysPerUser is the default API key quota.
	DefaultAPIKeysPerUser = 100
	// DefaultWebIdleTimeout ends an unused web session.
	DefaultWebIdleTimeout = 30 * time.Minute
	// DefaultWebMaxAge ends a web session after login, however busy.
	DefaultWebMaxAge = 12 * time.Hour
)

func (c *Config) defaults() {
	c.AccessTTL = cmp.Or(c.AccessTTL, 30*time.Minute)
	c.RefreshTTL = cmp.Or(c.RefreshTTL, 30*24*time.Hour)
	c.RefreshReuseInterval = cmp.Or(c.RefreshReuseInterval, DefaultRefreshReuseInterval)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.AppName = cmp.Or(c.AppName, "gatehouse")
	c.ResetPath = cmp.Or(c.ResetPath, "/ui/reset-password")
	c.VerifyPath = cmp.Or(c.VerifyPath, "/ui/verify-email")
	c.SessionCookie = cmp.Or(c.SessionCookie, "session")
	c.WebIdleTimeout = cmp.Or(c.WebIdleTimeout, DefaultWebIdleTimeout)
	c.WebMaxAge = cmp.Or(c.WebMaxAge, DefaultWebMaxAge)
	c.SessionsPerUser = cmp.Or(c.SessionsPerUser, DefaultSessionsPerUser)
	c.APIKeysPerUser = cmp.Or(c.APIKeysPerUser, DefaultAPIKeysPerUser)
	l := &c.Limits
	l.Window = cmp.Or(l.Window, 15*time.Minute)
	l.LoginPerAccount = cmp.Or(l.LoginPerAccount, 10)
	l.LoginPerIP = cmp.Or(l.LoginPerIP, 100)
	l.RefreshPerIP = cmp.Or(l.RefreshPerIP, 100)
	l.RegisterPerIP = cmp.Or(l.RegisterPerIP, 30)
	l.ResetPerIP = cmp.Or(l.ResetPerIP, 10)
	l.ResetPerAccount = cmp.Or(l.ResetPerAccount, 3)
	if l.Counter == nil {
		l.Counter = ratelimit.NewMemory(l.Window, c.Now)
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
}

// noMetrics counts nothing: the default.
type noMetrics struct{}

func (noMetrics) Login(string)   {}
func (noMetrics) Limited(string) {}
