package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
)

// Principal is an authenticated caller as the Service's Authenticator
// makes it.
type Principal = auth.Principal[User]

// Service runs the account flows on its stores: each flow is a method,
// plain Go without HTTP, and Routes mounts them as JSON routes. It is
// safe for concurrent use.
type Service struct {
	cfg      Config
	authn    *auth.Authenticator[User]
	limits   limiter
	touching touching
}

// New returns a Service built from cfg; a Config without a Keyring, a
// Hasher or one of the stores its flows use (all of Stores but Purger,
// which the retention janitor uses) is an error, here rather than a panic
// at the first request.
func New(cfg Config) (*Service, error) {
	if cfg.Keyring == nil {
		return nil, errors.New("accounts: no keyring")
	}
	if cfg.Hasher == nil {
		return nil, errors.New("accounts: no hasher")
	}
	st := cfg.Stores
	for _, need := range []struct {
		name    string
		missing bool
	}{
		{"Users", st.Users == nil}, {"Sessions", st.Sessions == nil}, {"WebSessions", st.WebSessions == nil},
		{"APIKeys", st.APIKeys == nil}, {"Tokens", st.Tokens == nil},
	} {
		if need.missing {
			return nil, fmt.Errorf("accounts: no store for Stores.%s", need.name)
		}
	}
	cfg.defaults()
	cfg.Scopes = slices.Clone(cfg.Scopes)
	s := &Service{cfg: cfg, limits: newLimiter(cfg.Limits)}
	var legacy *auth.LegacyTokens[User]
	if l := cfg.Legacy; l != nil {
		if l.Users == nil {
			return nil, errors.New("accounts: Legacy has no Users")
		}
		legacy = &auth.LegacyTokens[User]{Secret: l.Secret, Until: l.Until, Users: legacyFinder{l.Users},
			Scopes: func(u User) []string { return s.AllowedScopes(u.Role) }}
	}
	var err error
	s.authn, err = auth.NewAuthenticator(auth.Config[User]{
		Keyring:       cfg.Keyring,
		Sessions:      sessionFinder{s},
		APIKeys:       apiKeyFinder{s},
		WebSessions:   webSessionFinder{s},
		SessionCookie: cfg.SessionCookie,
		Now:           cfg.Now,
		UserID:        func(u User) string { return strconv.FormatInt(u.ID, 10) },
		Legacy:        legacy,
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	return s, nil
}

// Authenticator is the credential chain of the Service's stores: bearer
// tokens (user and live session in one lookup), API keys, and the web
// session cookie. An application builds its own routes' dependencies
// from it, so they accept exactly what the account routes issue.
func (s *Service) Authenticator() *auth.Authenticator[User] { return s.authn }

// touchEvery is how stale last_used_at and last_seen_at may get: a key or
// session used constantly costs one write every 30 to 60 s (touchDue),
// not one per request.
const touchEvery = time.Minute

// touchDue reports whether the use at now of the session or key id, whose
// use was last recorded at last, is recorded: once that record is older
// than touchEvery less a part of its second half fixed by id. Sessions
// made together (a burst of logins) then spread their writes over half a
// minute instead of all writing in the same second of every minute, and
// no record gets older than touchEvery while in use.
func touchDue(id int64, last, now time.Time) bool {
	return now.Sub(last) >= touchEvery-touchSpread(id)
}

// touchSpread is id's point in [0, touchEvery/2): Fibonacci hashing, so
// consecutive ids land far apart.
func touchSpread(id int64) time.Duration {
	h := uint64(id) * 0x9E3779B97F4A7C15
	return time.Duration(uint64(touchEvery/2) * (h >> 40) >> 24) // 24 bits of h: no overflow
}

// touching is the set of sessions and keys whose last use is being
// written. One request writes it; the others that meet the write neither
// write it again nor wait for it (on a disk slow to commit, every request
// of the session would otherwise queue a write and wait on it).
type touching struct {
	mu  sync.Mutex
	ids map[touchID]struct{}
}

// touchID is a session's or a key's id, apart: the two count from 1 each.
type touchID struct {
	key bool
	id  int64
}

// touch writes a use of id with write, unless one is being written; a
// failed write is logged as a warning with what, never the request's.
func (t *touching) touch(ctx context.Context, log *slog.Logger, id touchID, what string, write func() error) {
	t.mu.Lock()
	_, busy := t.ids[id]
	if !busy {
		if t.ids == nil {
			t.ids = map[touchID]struct{}{}
		}
		t.ids[id] = struct{}{}
	}
	t.mu.Unlock()
	if busy {
		return
	}
	defer func() {
		t.mu.Lock()
		delete(t.ids, id)
		t.mu.Unlock()
	}()
	if err := write(); err != nil {
		attr := "session_id"
		if id.key {
			attr = "key_id"
		}
		log.WarnContext(ctx, what, attr, id.id, "error", err)
	}
}

// sessionFinder is the auth.SessionStore: user and live session in one
// indexed lookup.
type sessionFinder struct{ s *Service }

func (f sessionFinder) FindSession(ctx context.Context, subject, sessionID string) (User, error) {
	uid, ok1 := parseID(subject)
	sid, ok2 := parseID(sessionID)
	if !ok1 || !ok2 {
		return User{}, auth.ErrUnknown
	}
	now := f.s.cfg.Now()
	u, sess, err := f.s.cfg.Stores.Sessions.SessionUser(ctx, uid, sid, now)
	if errors.Is(err, ErrNotFound) {
		return u, auth.ErrUnknown
	}
	if err == nil && touchDue(sid, sess.LastSeenAt, now) {
		f.s.touchSession(ctx, sid, now, "record session use")
	}
	return u, err
}

// touchSession writes that session id was used at now (touching.touch).
func (s *Service) touchSession(ctx context.Context, id int64, now time.Time, what string) {
	s.touching.touch(ctx, s.cfg.Logger, touchID{id: id}, what, func() error {
		return s.cfg.Stores.Sessions.TouchSession(ctx, id, now)
	})
}

// legacyFinder is the auth.LegacyUserStore of Config.Legacy.
type legacyFinder struct{ users LegacyUsers }

func (f legacyFinder) FindLegacyUser(ctx context.Context, subject string) (User, error) {
	old, ok := parseID(subject)
	if !ok {
		return User{}, auth.ErrUnknown
	}
	u, err := f.users.LegacyUser(ctx, old)
	if errors.Is(err, ErrNotFound) || (err == nil && !u.Active) {
		// No session to revoke: deactivation ends a legacy token here,
		// as it ends a user's sessions.
		return User{}, auth.ErrUnknown
	}
	return u, err
}

// parseID parses an id that came from a token: a positive int64 in
// canonical decimal only, the form strconv.FormatInt writes, so "02",
// "+2", " 2" and "-0" name no one instead of user 2 or 0.
func parseID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return n, true
}

// apiKeyFinder is the auth.APIKeyStore.
type apiKeyFinder struct{ s *Service }

func (f apiKeyFinder) FindAPIKey(ctx context.Context, prefix string) (auth.StoredKey[User], error) {
	k, u, err := f.s.cfg.Stores.APIKeys.APIKeyByPrefix(ctx, prefix)
	if errors.Is(err, ErrNotFound) {
		return auth.StoredKey[User]{}, auth.ErrUnknown
	}
	if err != nil {
		return auth.StoredKey[User]{}, err
	}
	sk := auth.StoredKey[User]{ID: strconv.FormatInt(k.ID, 10), Hash: k.Hash, Scopes: k.Scopes, User: u}
	if k.ExpiresAt != nil {
		sk.ExpiresAt = *k.ExpiresAt
	}
	if k.LastUsedAt != nil {
		sk.LastUsedAt = *k.LastUsedAt
	}
	return sk, nil
}

func (f apiKeyFinder) APIKeyUsed(ctx context.Context, k auth.StoredKey[User], at time.Time) {
	id, ok := parseID(k.ID)
	if !ok || !touchDue(id, k.LastUsedAt, at) {
		return
	}
	f.s.touching.touch(ctx, f.s.cfg.Logger, touchID{key: true, id: id}, "record api key use", func() error {
		return f.s.cfg.Stores.APIKeys.TouchAPIKey(ctx, id, at)
	})
}

// webSessionFinder is the auth.WebSessionStore: a cookie value is looked
// up by its SHA-256 among the live web sessions (not revoked, not past
// WebMaxAge, used within WebIdleTimeout), and its use is recorded when
// touchDue.
type webSessionFinder struct{ s *Service }

func (f webSessionFinder) FindWebSession(ctx context.Context, cookie string) (auth.WebSession[User], error) {
	now := f.s.cfg.Now()
	u, sess, err := f.s.cfg.Stores.WebSessions.WebSessionUser(ctx, auth.HashAPIKey(cookie), now, f.s.cfg.WebIdleTimeout)
	if errors.Is(err, ErrNotFound) {
		return auth.WebSession[User]{}, auth.ErrUnknown
	}
	if err != nil {
		return auth.WebSession[User]{}, err
	}
	if touchDue(sess.ID, sess.LastSeenAt, now) {
		f.s.touchSession(ctx, sess.ID, now, "record web session use")
	}
	return auth.WebSession[User]{
		ID:     strconv.FormatInt(sess.ID, 10),
		User:   u,
		Scopes: f.s.cutScopes(u.Role, sess.Scopes),
	}, nil
}

// AllowedScopes returns the scopes of Config.Scopes role may hold, in
// their order.
func (s *Service) AllowedScopes(role Role) []string { return AllowedScopes(s.cfg.Scopes, role) }

// AllowedScopes returns the names of the scopes role may hold, in their
// order: every scope for an admin, those not AdminOnly for anyone else.
func AllowedScopes(scopes []Scope, role Role) []string {
	out := []string{}
	for _, sc := range scopes {
		if !sc.AdminOnly || role == RoleAdmin {
			out = append(out, sc.Name)
		}
	}
	return out
}

// Scopes returns the scopes the Service was configured with.
func (s *Service) Scopes() []Scope { return slices.Clone(s.cfg.Scopes) }

// grantScopes cuts the requested scopes to what role allows; no request
// means every allowed scope. Unknown scopes are dropped.
func (s *Service) grantScopes(role Role, requested []string) []string {
	if len(requested) == 0 {
		return s.AllowedScopes(role)
	}
	return s.cutScopes(role, requested)
}

// cutScopes returns the scopes of held that role still allows (none for
// none: unlike grantScopes, empty stays empty).
func (s *Service) cutScopes(role Role, held []string) []string {
	out := []string{}
	for _, sc := range s.AllowedScopes(role) {
		if slices.Contains(held, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// Security events: each is its own log line, msg "security", with event
// set to one of these.
const (
	evLoginFailed     = "login_failed"
	evLoginLocked     = "login_locked"
	evRefreshReused   = "refresh_reuse_detected"
	evPasswordChanged = "password_changed"
	evKeyCreated      = "api_key_created"
	evKeyRevoked      = "api_key_revoked"
	evAdminUser       = "admin_user_changed"
	evAdminSessions   = "admin_sessions_revoked"
	evResetRequested  = "password_reset_requested"
	evPasswordReset   = "password_reset"
	evEmailVerified   = "email_verified"
)

// security logs a security event with the request's log attributes
// (request id, client IP, and the acting user and session once known) and
// the event's own. Never pass a secret, token, key, hash or password.
func (s *Service) security(ctx context.Context, level slog.Level, event string, attrs ...slog.Attr) {
	all := append(dep.RequestLogAttrs(ctx), slog.String("event", event))
	s.cfg.Logger.LogAttrs(ctx, level, "security", append(all, attrs...)...)
}

// securityWith logs a security event off the request path (a queued
// mail), with attrs, the log attributes of the request that queued it.
func (s *Service) securityWith(ctx context.Context, attrs []slog.Attr, event string, more ...slog.Attr) {
	all := append(append(attrs[:len(attrs):len(attrs)], slog.String("event", event)), more...)
	s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "security", all...)
}

func userAttr(id int64) slog.Attr { return slog.String("user_id", strconv.FormatInt(id, 10)) }
