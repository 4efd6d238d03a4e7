package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// ErrUnknown is what a SessionStore or APIKeyStore returns when no live
// session or key matches. Any other error is a server error (500), never a
// 401 that would log a user out because the database blinked.
var ErrUnknown = errors.New("auth: unknown credential")

// SessionStore finds the user behind a live server-side session. subject
// and sessionID are a verified token's "sub" and "sid". The lookup must
// check the user and the session together (one indexed query), and only
// sessions that are neither revoked nor expired count, so logout, password
// change and deactivation take effect on the next request.
type SessionStore[U any] interface {
	FindSession(ctx context.Context, subject, sessionID string) (U, error)
}

// StoredKey is an API key as storage holds it: never the key itself.
type StoredKey[U any] struct {
	ID         string
	Hash       []byte    // SHA-256 of the whole key (HashAPIKey)
	Scopes     []string  // what the key may do
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time
	User       U
}

// APIKeyStore finds API keys by their public prefix and records their use.
type APIKeyStore[U any] interface {
	// FindAPIKey returns the live (not revoked) key with that prefix, or ErrUnknown.
	FindAPIKey(ctx context.Context, prefix string) (StoredKey[U], error)
	// APIKeyUsed is told of each successful use; it decides how often to write.
	APIKeyUsed(ctx context.Context, key StoredKey[U], at time.Time)
}

// WebSession is a live browser session as storage finds it by its cookie.
type WebSession[U any] struct {
	ID     string   // the session's id (Principal.SessionID)
	User   U        // returned even when inactive: ActiveUser decides
	Scopes []string // what the session may do
}

// WebSessionStore finds the browser session behind a session cookie's
// value. Like SessionStore, only a live session counts (not revoked, not
// expired, not idle too long), so logout and deactivation take effect on
// the next request; none is ErrUnknown. Store the value hashed, never in
// clear.
type WebSessionStore[U any] interface {
	FindWebSession(ctx context.Context, cookie string) (WebSession[U], error)
}

// Config configures an Authenticator.
type Config[U User] struct {
	// Keyring verifies access tokens. Required for Bearer.
	Keyring *Keyring
	// Sessions finds the user behind a token's session. Required for Bearer.
	Sessions SessionStore[U]
	// APIKeys finds API keys. Required for APIKey and APIKeyQuery.
	APIKeys APIKeyStore[U]
	// WebSessions finds browser sessions. Required for Session.
	WebSessions WebSessionStore[U]
	// SessionCookie is the browser session cookie's name; default "session".
	SessionCookie string
	// TokenURL is where clients log in (documentation); default "/auth/login".
	TokenURL string
	// APIKeyHeader is the API key header; default "X-API-Key".
	APIKeyHeader string
	// APIKeyQuery is the API key query parameter; default "api_key".
	APIKeyQuery string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Legacy, when set, makes Bearer accept another application's tokens
	// too, until a cut-off (see LegacyTokens). It needs a Keyring.
	Legacy *LegacyTokens[U]
	// UserID names a user in the request's log line (dep.AddLogAttrs:
	// user_id, with session_id or key_id) once a credential is accepted;
	// default: a bearer token's subject, and no user_id for API keys and
	// cookies.
	UserID func(U) string
}

// Authenticator turns credentials into Principals of the application's
// user type U. Its dependencies are made once, so every route that uses
// Bearer() shares one node (and one resolution per request).
type Authenticator[U User] struct {
	cfg         Config[U]
	bearer      dep.Dep[Principal[U]]
	apiKey      dep.Dep[Principal[U]]
	apiKeyQuery dep.Dep[Principal[U]]
	session     dep.Dep[Principal[U]]
}

// NewAuthenticator returns an Authenticator for cfg. It is an error to
// configure no way in at all, or half of one (a Keyring without Sessions,
// or Sessions without a Keyring): a store that is missing is found here,
// not as a 500 on every request. A dependency whose store is missing
// (Bearer without Sessions, APIKey without APIKeys, Session without
// WebSessions) panics when asked for, while the routes are wired.
func NewAuthenticator[U User](cfg Config[U]) (*Authenticator[U], error) {
	switch {
	case (cfg.Keyring == nil) != (cfg.Sessions == nil):
		return nil, errors.New("auth: Config.Keyring and Config.Sessions go together: bearer tokens need both")
	case cfg.Keyring == nil && cfg.APIKeys == nil && cfg.WebSessions == nil:
		return nil, errors.New("auth: Config has no way in: set Keyring and Sessions, APIKeys or WebSessions")
	case cfg.Legacy != nil && cfg.Keyring == nil:
		return nil, errors.New("auth: Config.Legacy needs a Keyring: legacy tokens are a second try of Bearer")
	}
	if cfg.Legacy != nil {
		if err := cfg.Legacy.check(); err != nil {
			return nil, err
		}
		l := *cfg.Legacy // the caller's may change; ours does not
		l.Secret = slices.Clone(l.Secret)
		cfg.Legacy = &l
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = "/auth/login"
	}
	if cfg.APIKeyHeader == "" {
		cfg.APIKeyHeader = "X-API-Key"
	}
	if cfg.APIKeyQuery == "" {
		cfg.APIKeyQuery = "api_key"
	}
	if cfg.SessionCookie == "" {
		cfg.SessionCookie = "session"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &Authenticator[U]{cfg: cfg}
	a.session = dep.Derive(SessionCookie(cfg.SessionCookie), a.fromCookie).Describe("principal.session", nil)
	a.bearer = dep.Derive(BearerToken(cfg.TokenURL), a.fromToken).Describe("principal.bearer", nil)
	a.apiKey = dep.Derive(APIKeyHeader(cfg.APIKeyHeader), a.fromKey).Describe("principal.apikey", nil)
	a.apiKeyQuery = dep.Derive(APIKeyQuery(cfg.APIKeyQuery), a.fromKey).Describe("principal.apikey", nil)
	return a, nil
}

// MustNewAuthenticator is NewAuthenticator for configurations known to be
// complete (tests, examples); it panics on an error.
func MustNewAuthenticator[U User](cfg Config[U]) *Authenticator[U] {
	a, err := NewAuthenticator(cfg)
	if err != nil {
		panic(err)
	}
	return a
}

func (a *Authenticator[U]) need(ok bool, what string) {
	if !ok {
		panic("auth: " + what)
	}
}

// Bearer is FastAPI's get_current_user: the principal behind a bearer JWT
// whose session is live. No token is 401 "Not authenticated"; a bad,
// expired or revoked token or an unknown subject is 401 "Could not
// validate credentials". With Config.Legacy, a token the Keyring refuses
// is tried as a legacy token (LegacyTokens) before it is 401.
// It panics when the Authenticator has no Keyring and Sessions.
func (a *Authenticator[U]) Bearer() dep.Dep[Principal[U]] {
	a.need(a.cfg.Sessions != nil, "Bearer needs Config.Keyring and Config.Sessions")
	return a.bearer
}

// APIKey is the principal behind an API key in the configured header. No
// key is 401 "Not authenticated"; a bad, revoked or expired key, or one
// whose user is inactive, is 403 "Invalid API key".
// It panics when the Authenticator has no APIKeys store.
func (a *Authenticator[U]) APIKey() dep.Dep[Principal[U]] {
	a.need(a.cfg.APIKeys != nil, "APIKey needs Config.APIKeys")
	return a.apiKey
}

// APIKeyQuery is APIKey for a key in the configured query parameter.
func (a *Authenticator[U]) APIKeyQuery() dep.Dep[Principal[U]] {
	a.need(a.cfg.APIKeys != nil, "APIKeyQuery needs Config.APIKeys")
	return a.apiKeyQuery
}

// Session is the principal behind a browser session cookie (Method
// session, the session's scopes). No cookie is 401 "Not authenticated"; an
// unknown, revoked, expired or idle session is 401 "Could not validate
// credentials", both with a "Cookie" WWW-Authenticate challenge (one no
// browser answers with a login dialog). Pair it with cross-origin protection on unsafe methods:
// browsers send the cookie with cross-site form posts.
//
// It panics when the Authenticator has no WebSessions store.
func (a *Authenticator[U]) Session() dep.Dep[Principal[U]] {
	a.need(a.cfg.WebSessions != nil, "Session needs Config.WebSessions")
	return a.session
}

// Keyring returns the keyring that verifies (and issues) access tokens.
func (a *Authenticator[U]) Keyring() *Keyring { return a.cfg.Keyring }

func (a *Authenticator[U]) fromToken(ctx context.Context, token string) (Principal[U], error) {
	claims, err := a.cfg.Keyring.Verify(token, a.cfg.Now())
	if err != nil {
		if a.cfg.Legacy != nil {
			return a.fromLegacy(ctx, token)
		}
		return Principal[U]{}, problem.InvalidToken()
	}
	u, err := a.cfg.Sessions.FindSession(ctx, claims.Subject, claims.SessionID)
	if errors.Is(err, ErrUnknown) {
		return Principal[U]{}, problem.InvalidToken()
	}
	if err != nil {
		return Principal[U]{}, fmt.Errorf("auth: find session: %w", err)
	}
	a.logged(ctx, u, claims.Subject, slog.String("session_id", claims.SessionID))
	return Principal[U]{user: u, method: MethodBearer, scopes: claims.Scopes, sessionID: claims.SessionID}, nil
}

func (a *Authenticator[U]) fromKey(ctx context.Context, key string) (Principal[U], error) {
	prefix, ok := SplitAPIKey(key)
	if !ok {
		return Principal[U]{}, problem.InvalidAPIKey()
	}
	k, err := a.cfg.APIKeys.FindAPIKey(ctx, prefix)
	if errors.Is(err, ErrUnknown) {
		return Principal[U]{}, problem.InvalidAPIKey()
	}
	if err != nil {
		return Principal[U]{}, fmt.Errorf("auth: find api key: %w", err)
	}
	now := a.cfg.Now()
	if subtle.ConstantTimeCompare(HashAPIKey(key), k.Hash) != 1 ||
		(!k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)) ||
		!k.User.IsActive() {
		return Principal[U]{}, problem.InvalidAPIKey()
	}
	a.cfg.APIKeys.APIKeyUsed(ctx, k, now)
	a.logged(ctx, k.User, "", slog.String("key_id", k.ID))
	return Principal[U]{user: k.User, method: MethodAPIKey, scopes: k.Scopes, keyID: k.ID}, nil
}

func (a *Authenticator[U]) fromCookie(ctx context.Context, cookie string) (Principal[U], error) {
	ws, err := a.cfg.WebSessions.FindWebSession(ctx, cookie)
	if errors.Is(err, ErrUnknown) {
		return Principal[U]{}, problem.InvalidSession(cookieChallenge(a.cfg.SessionCookie))
	}
	if err != nil {
		return Principal[U]{}, fmt.Errorf("auth: find web session: %w", err)
	}
	a.logged(ctx, ws.User, "", slog.String("session_id", ws.ID))
	return Principal[U]{user: ws.User, method: MethodSession, scopes: ws.Scopes, sessionID: ws.ID}, nil
}

// logged adds who a request acts as to its log line: the user's id
// (Config.UserID, else subject) and the credential's id attribute.
func (a *Authenticator[U]) logged(ctx context.Context, u U, subject string, credential slog.Attr) {
	if a.cfg.UserID != nil {
		subject = a.cfg.UserID(u)
	}
	if subject == "" {
		dep.AddLogAttrs(ctx, credential)
		return
	}
	dep.AddLogAttrs(ctx, slog.String("user_id", subject), credential)
}
