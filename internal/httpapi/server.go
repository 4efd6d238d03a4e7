package httpapi

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/webui"
)

type (
	principal = auth.Principal[notes.User]
	owner     = auth.Owner[int64]
)

// server holds what the handlers need.
type server struct {
	cfg    Config
	store  notes.Store
	authn  *auth.Authenticator[notes.User]
	limits limiter
}

func newServer(cfg Config) (*server, error) {
	s := &server{cfg: cfg, store: cfg.Store, limits: newLimiter(cfg.Limits)}
	var err error
	s.authn, err = auth.NewAuthenticator(auth.Config[notes.User]{
		Keyring:  cfg.Keyring,
		Sessions: sessionFinder{s},
		APIKeys:  apiKeyFinder{s},
		// The web UI's cookie sessions live in the same table.
		WebSessions:   webui.Sessions{Store: cfg.Store, Now: cfg.Now, Logger: cfg.Logger},
		SessionCookie: webui.CookieName(cfg.SecureCookies),
		Now:           cfg.Now,
		UserID:        func(u notes.User) string { return strconv.FormatInt(u.ID, 10) },
	})
	return s, err
}

// sessionFinder is the auth.SessionStore of notesd: user and live session
// in one indexed lookup.
type sessionFinder struct{ s *server }

func (f sessionFinder) FindSession(ctx context.Context, subject, sessionID string) (notes.User, error) {
	uid, ok1 := parseID(subject)
	sid, ok2 := parseID(sessionID)
	if !ok1 || !ok2 {
		return notes.User{}, auth.ErrUnknown
	}
	now := f.s.cfg.Now()
	u, sess, err := f.s.store.SessionUser(ctx, uid, sid, now)
	if errors.Is(err, notes.ErrNotFound) {
		return u, auth.ErrUnknown
	}
	if err == nil && now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := f.s.store.TouchSession(ctx, sid, now); err != nil {
			f.s.cfg.Logger.WarnContext(ctx, "record session use", "session_id", sid, "error", err)
		}
	}
	return u, err
}

// parseID parses an id that came from a token: a positive int64 in
// canonical decimal only (SPEC §7), the form strconv.FormatInt writes, so
// "02", "+2", " 2" and "-0" name no one instead of user 2 or 0.
func parseID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, false
	}
	return n, true
}

// apiKeyFinder is the auth.APIKeyStore of notesd.
type apiKeyFinder struct{ s *server }

// touchEvery is how stale last_used_at and last_seen_at may get: a key or
// session used constantly costs one write a minute, not one per request.
const touchEvery = time.Minute

func (f apiKeyFinder) FindAPIKey(ctx context.Context, prefix string) (auth.StoredKey[notes.User], error) {
	k, u, err := f.s.store.APIKeyByPrefix(ctx, prefix)
	if errors.Is(err, notes.ErrNotFound) {
		return auth.StoredKey[notes.User]{}, auth.ErrUnknown
	}
	if err != nil {
		return auth.StoredKey[notes.User]{}, err
	}
	sk := auth.StoredKey[notes.User]{ID: strconv.FormatInt(k.ID, 10), Hash: k.Hash, Scopes: k.Scopes, User: u}
	if k.ExpiresAt != nil {
		sk.ExpiresAt = *k.ExpiresAt
	}
	if k.LastUsedAt != nil {
		sk.LastUsedAt = *k.LastUsedAt
	}
	return sk, nil
}

func (f apiKeyFinder) APIKeyUsed(ctx context.Context, k auth.StoredKey[notes.User], at time.Time) {
	if at.Sub(k.LastUsedAt) < touchEvery {
		return
	}
	id, ok := parseID(k.ID)
	if !ok {
		return
	}
	if err := f.s.store.TouchAPIKey(ctx, id, at); err != nil {
		f.s.cfg.Logger.WarnContext(ctx, "record api key use", "key_id", id, "error", err)
	}
}
