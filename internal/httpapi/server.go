package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/internal/webui"
)

type (
	principal = auth.Principal[accounts.User]
	owner     = auth.Owner[int64]
	admin     = auth.Privileged[accounts.User]
)

// server holds what the handlers need.
type server struct {
	cfg   Config
	store notes.Store
	svc   *accounts.Service
	// clientIP tells the client's address: the peer, or behind one of
	// Config.TrustedProxies, the nearest untrusted X-Forwarded-For hop.
	clientIP func(*http.Request) string
}

func newServer(cfg Config) (*server, error) {
	s := &server{cfg: cfg, store: cfg.Notes, clientIP: accounts.ClientIP(cfg.TrustedProxies)}
	svc, err := accounts.New(accounts.Config{
		Stores:               cfg.Accounts,
		Keyring:              cfg.Keyring,
		Hasher:               cfg.Hasher,
		Mail:                 cfg.Mail,
		AppName:              "notesd",
		Limits:               cfg.Limits,
		Now:                  cfg.Now,
		Logger:               cfg.Logger,
		AccessTTL:            cfg.AccessTTL,
		RefreshTTL:           cfg.RefreshTTL,
		RefreshReuseInterval: cfg.RefreshReuseInterval,
		RequireVerifiedEmail: cfg.RequireVerifiedEmail,
		SessionsPerUser:      cfg.Quotas.SessionsPerUser,
		APIKeysPerUser:       cfg.Quotas.APIKeysPerUser,
		Scopes:               scopes(),
		SessionCookie:        webui.CookieName(cfg.SecureCookies),
		Metrics:              cfg.Metrics,
		Legacy:               cfg.Legacy,
	})
	if err != nil {
		return nil, fmt.Errorf("httpapi: %w", err)
	}
	s.svc = svc
	return s, nil
}

// scopes are notesd's scopes as accounts knows them: admin is an admin's
// alone.
func scopes() []accounts.Scope { return notes.AllScopes }

// evAdminNote is the security event of an admin's note deletion (SPEC §8;
// accounts logs the account ones).
const evAdminNote = "admin_note_deleted"

// security logs a security event with the request's log attributes and
// the event's own. Never pass a secret, token, key, hash or password.
func (s *server) security(ctx context.Context, level slog.Level, event string, attrs ...slog.Attr) {
	all := append(dep.RequestLogAttrs(ctx), slog.String("event", event))
	s.cfg.Logger.LogAttrs(ctx, level, "security", append(all, attrs...)...)
}
