package webui

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// Sessions is the auth.WebSessionStore of the web UI: a cookie value is
// looked up by its SHA-256 among the live sessions (not revoked, not past
// MaxAge, used within IdleTimeout), and its use is recorded at most once
// per minute.
type Sessions struct {
	Store  notes.Store
	Now    func() time.Time
	Logger *slog.Logger
}

var _ auth.WebSessionStore[notes.User] = Sessions{}

// FindWebSession implements auth.WebSessionStore.
func (s Sessions) FindWebSession(ctx context.Context, cookie string) (auth.WebSession[notes.User], error) {
	now := s.Now()
	u, sess, err := s.Store.WebSessionUser(ctx, hashCookie(cookie), now, IdleTimeout)
	if errors.Is(err, notes.ErrNotFound) {
		return auth.WebSession[notes.User]{}, auth.ErrUnknown
	}
	if err != nil {
		return auth.WebSession[notes.User]{}, err
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.Store.TouchSession(ctx, sess.ID, now); err != nil {
			s.Logger.WarnContext(ctx, "record web session use", "session_id", sess.ID, "error", err)
		}
	}
	return auth.WebSession[notes.User]{
		ID:     strconv.FormatInt(sess.ID, 10),
		User:   u,
		Scopes: notes.CutScopes(u.Role, sess.Scopes),
	}, nil
}

// hashCookie is what the store keeps of a cookie value.
func hashCookie(v string) []byte { return auth.HashAPIKey(v) }

// startSession creates a fresh web session of u and returns its cookie.
func (ui *ui) startSession(ctx context.Context, u notes.User, c Client) (*http.Cookie, error) {
	value := rand.Text()
	_, err := ui.cfg.Store.CreateSession(ctx, notes.NewSession{
		UserID:     u.ID,
		UserAgent:  c.UserAgent,
		IP:         c.IP,
		Scopes:     notes.GrantScopes(u.Role, nil),
		ExpiresAt:  ui.cfg.Now().Add(MaxAge),
		WebHash:    hashCookie(value),
		MaxPerUser: ui.cfg.MaxSessions,
	})
	if err != nil {
		return nil, err
	}
	return ui.cookie(value), nil
}

// endCookieSession ends the live session of the request's cookie, if any:
// a login replaces it, so the old id never works again. Failures are
// logged; the new session is made either way.
func (ui *ui) endCookieSession(ctx context.Context, r *http.Request) {
	c, err := r.Cookie(ui.cookieName)
	if err != nil || c.Value == "" {
		return
	}
	if err := ui.cfg.Store.RevokeWebSession(ctx, hashCookie(c.Value)); err != nil {
		ui.cfg.Logger.WarnContext(ctx, "end previous web session", "error", err)
	}
}

// cookie is the session cookie carrying value; "" clears it. It is a
// browser-session cookie: the server ends the session after MaxAge.
func (ui *ui) cookie(value string) *http.Cookie {
	c := &http.Cookie{
		Name:     ui.cookieName,
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   ui.cfg.Secure,
		SameSite: http.SameSiteLaxMode,
	}
	if value == "" {
		c.MaxAge = -1
	}
	return c
}
