package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"

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
}

func newServer(cfg Config) (*server, error) {
	s := &server{cfg: cfg, store: cfg.Notes}
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

// clientIP is the address of the client: the connection's peer, or, when
// the peer is a trusted proxy, the nearest untrusted address in
// X-Forwarded-For; an IPv4-mapped address as its IPv4 address.
func (s *server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	host = addr.Unmap().String()
	if !s.trusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.trusted(a) {
			return a.Unmap().String()
		}
	}
	return host
}

func (s *server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// evAdminNote is the security event of an admin's note deletion (SPEC §8;
// accounts logs the account ones).
const evAdminNote = "admin_note_deleted"

// security logs a security event with the request's log attributes and
// the event's own. Never pass a secret, token, key, hash or password.
func (s *server) security(ctx context.Context, level slog.Level, event string, attrs ...slog.Attr) {
	all := append(dep.RequestLogAttrs(ctx), slog.String("event", event))
	s.cfg.Logger.LogAttrs(ctx, level, "security", append(all, attrs...)...)
}
