package httpapi

import (
	"cmp"
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/events"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/mail"
)

// Config is what the API is built from.
type Config struct {
	// Accounts are the identity stores the accounts.Service works with.
	Accounts accounts.Stores
	// Notes is the notes store, in the same database.
	Notes notes.Store
	// Ping checks that the database can commit a write (/readyz);
	// default: the database is always reported ready.
	Ping       func(ctx context.Context) error
	Keyring    *auth.Keyring
	Hasher     *auth.Hasher
	AccessTTL  time.Duration // default 30m
	RefreshTTL time.Duration // default 30 days
	// RefreshReuseInterval is how long after its rotation the previous
	// refresh token may be presented again (a client whose answer was
	// lost retries) and get a fresh pair instead of revoking the session;
	// default DefaultRefreshReuseInterval, negative: never.
	RefreshReuseInterval time.Duration
	// AllowQueryAPIKey accepts API keys in the api_key query parameter too.
	AllowQueryAPIKey bool
	Logger           *slog.Logger
	Now              func() time.Time // default time.Now
	// Limits are the login, refresh and registration rate limits.
	Limits Limits
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// when telling a client's address; none by default.
	TrustedProxies []netip.Prefix
	// SecureCookies marks the web UI's session cookie Secure and names it
	// __Host-notesd_session (serve over HTTPS, directly or behind a proxy).
	SecureCookies bool
	// CORSOrigins are the origins allowed to call the API from a browser;
	// none by default (no CORS headers at all).
	CORSOrigins []string
	// Quotas are the per-user storage quotas of SPEC §5.
	Quotas Quotas
	// Mail is how password reset and e-mail verification mails go out;
	// nil: none are sent (the routes still answer as documented).
	Mail *Mail
	// RequireVerifiedEmail refuses the login (API and web UI) of a user who
	// has not verified their e-mail address: 400 "Email not verified",
	// answered only after the right password. Registration then mails a
	// verification link at once.
	RequireVerifiedEmail bool
	// Streams is where GET /notes/events subscribes (per-user cap,
	// resume buffer); default an events.Hub with its defaults.
	Streams *events.Hub
	// Events is told of every stored note change; default Streams (one
	// process). Across replicas, something that reaches every replica's
	// Streams (PostgreSQL NOTIFY).
	Events notes.Events
	// Metrics counts logins by outcome and rate-limit refusals; nil
	// counts nothing.
	Metrics Metrics
	// Readiness are the dependencies /readyz reports beside the database
	// (Redis, a draining server, …), in order.
	Readiness []Readiness
	// Legacy accepts the tokens of the FastAPI app the users were
	// imported from (--legacy-token-secret); nil: none.
	Legacy *accounts.Legacy
}

// Readiness is one dependency /readyz reports (SPEC §4).
type Readiness struct {
	// Name is the dependency's key in the body of /readyz ("redis").
	Name string
	// Check returns the dependency's state ("ok", "degraded",
	// "unavailable", …) and whether the server can serve with it; /readyz
	// is 503 when any dependency cannot.
	Check func(ctx context.Context) (state string, ready bool)
}

// Draining is the Readiness "server" of a server that is shutting down
// when draining reports true: "draining", not ready (SPEC §8: /readyz
// answers 503 while requests are still served), else "ok".
func Draining(draining func() bool) Readiness {
	return Readiness{Name: "server", Check: func(context.Context) (string, bool) {
		if draining() {
			return "draining", false
		}
		return "ok", true
	}}
}

// RedisState is the Readiness "redis": "degraded" while degraded reports
// that Redis does not answer, so the limits count in memory on this
// replica (ratelimit.Fallback.Degraded), else "ok". Ready either way: the
// limits hold.
func RedisState(degraded func() bool) Readiness {
	return Readiness{Name: "redis", Check: func(context.Context) (string, bool) {
		if degraded() {
			return "degraded", true
		}
		return "ok", true
	}}
}

// Quotas are SPEC §5's per-user quotas. Zero fields take the defaults.
type Quotas struct {
	// NotesPerUser notes a user may have; default 10,000 (then 409).
	NotesPerUser int
	// APIKeysPerUser API keys, not revoked, a user may have; default 100
	// (then 409).
	APIKeysPerUser int
	// SessionsPerUser live sessions (API and web) a user may have; default
	// 100: a new login revokes the oldest.
	SessionsPerUser int
}

// DefaultRefreshReuseInterval is SPEC §3's default reuse interval of a
// rotated refresh token.
const DefaultRefreshReuseInterval = accounts.DefaultRefreshReuseInterval

// Default quotas of SPEC §5.
const (
	DefaultNotesPerUser    = 10_000
	DefaultAPIKeysPerUser  = accounts.DefaultAPIKeysPerUser
	DefaultSessionsPerUser = accounts.DefaultSessionsPerUser
)

// Mail sends the account mails off the request path (accounts.Mail).
type Mail = accounts.Mail

// NewMail returns a Mail sending through m, with links to the server at
// publicURL, queueing at most size mails (0: the default); see
// accounts.NewMail.
func NewMail(m mail.Mailer, publicURL string, size int) *Mail {
	return accounts.NewMail(m, publicURL, size)
}

// Limits are SPEC §7's rate limits (accounts.Limits). Zero fields take
// the defaults.
type Limits = accounts.Limits

func (c *Config) defaults() {
	if c.Ping == nil {
		c.Ping = func(context.Context) error { return nil }
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Streams == nil {
		c.Streams = events.NewHub(events.Config{})
	}
	if c.Events == nil {
		c.Events = c.Streams
	}
	q := &c.Quotas
	q.NotesPerUser = cmp.Or(q.NotesPerUser, DefaultNotesPerUser)
	q.APIKeysPerUser = cmp.Or(q.APIKeysPerUser, DefaultAPIKeysPerUser)
	q.SessionsPerUser = cmp.Or(q.SessionsPerUser, DefaultSessionsPerUser)
}
