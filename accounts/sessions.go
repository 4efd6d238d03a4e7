package accounts

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Sessions is one page of the owner's live sessions at now (login and web
// sessions), newest first, and the cursor of the next page (0 on the last).
func (s *Service) Sessions(ctx context.Context, o Owner, p Page) ([]Session, int64, error) {
	return s.cfg.Stores.Sessions.Sessions(o).List(ctx, s.cfg.Now(), p)
}

// RevokeSession ends one of the owner's sessions: 404 "Session not found"
// for anyone else's, as for a missing one.
func (s *Service) RevokeSession(ctx context.Context, o Owner, id int64) error {
	err := s.cfg.Stores.Sessions.Sessions(o).Revoke(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return problem.NotFound("Session")
	}
	return err
}

// APIKeyRequest is a new API key: a name (1 to 100 characters), the
// scopes it holds (at least one) and its lifetime in days (1 to 3650;
// nil: it never expires).
type APIKeyRequest struct {
	Name          string
	Scopes        []string
	ExpiresInDays *int
}

// Validate checks the request: a 422 problem naming the field.
func (in APIKeyRequest) Validate() error {
	switch n := utf8.RuneCountInString(in.Name); {
	case !ValidText(in.Name):
		return problem.Invalid("body.name", "must be valid UTF-8 without NUL characters")
	case n < 1 || n > 100:
		return problem.Invalid("body.name", "must be 1 to 100 characters")
	case len(in.Scopes) == 0:
		return problem.Invalid("body.scopes", "choose at least one scope")
	case in.ExpiresInDays != nil && (*in.ExpiresInDays < 1 || *in.ExpiresInDays > 3650):
		return problem.Invalid("body.expires_in_days", "must be 1 to 3650")
	}
	return nil
}

// KeyScopes are the scopes a new key of p may hold: those p's role allows
// and p's own credential holds, so a read-only token cannot mint a
// writing key.
func (s *Service) KeyScopes(p Principal) []string {
	var out []string
	for _, sc := range s.AllowedScopes(p.User().Role) {
		if p.HasScope(sc) {
			out = append(out, sc)
		}
	}
	return out
}

// CreateAPIKey makes a key for p and returns it with its secret, which is
// shown once (only its prefix and SHA-256 are stored). Its scopes must be
// among KeyScopes(p) (422); past the quota, ErrAPIKeyLimit.
func (s *Service) CreateAPIKey(ctx context.Context, p Principal, o Owner, in APIKeyRequest) (APIKey, string, error) {
	if err := in.Validate(); err != nil {
		return APIKey{}, "", err
	}
	allowed := s.AllowedScopes(p.User().Role)
	for _, sc := range in.Scopes {
		if !slices.Contains(allowed, sc) || !p.HasScope(sc) {
			return APIKey{}, "", problem.Invalid("body.scopes", "scope "+sc+" is unknown or not yours to grant")
		}
	}
	key, prefix, hash := auth.NewAPIKey()
	nk := NewAPIKey{Name: in.Name, Prefix: prefix, Hash: hash, Scopes: in.Scopes, MaxPerUser: s.cfg.APIKeysPerUser}
	if in.ExpiresInDays != nil {
		t := s.cfg.Now().Add(time.Duration(*in.ExpiresInDays) * 24 * time.Hour)
		nk.ExpiresAt = &t
	}
	k, err := s.cfg.Stores.APIKeys.APIKeys(o).Create(ctx, nk)
	if err != nil {
		return APIKey{}, "", err
	}
	s.security(ctx, slog.LevelInfo, evKeyCreated, slog.Int64("key_id", k.ID), slog.String("scopes", strings.Join(k.Scopes, " ")))
	return k, key, nil
}

// APIKeys lists the owner's keys (not revoked), newest first, without
// their secrets.
func (s *Service) APIKeys(ctx context.Context, o Owner) ([]APIKey, error) {
	return s.cfg.Stores.APIKeys.APIKeys(o).List(ctx)
}

// RevokeAPIKey revokes one of the owner's keys: 404 "API key not found"
// for anyone else's, as for a missing one.
func (s *Service) RevokeAPIKey(ctx context.Context, o Owner, id int64) error {
	err := s.cfg.Stores.APIKeys.APIKeys(o).Revoke(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return problem.NotFound("API key")
	}
	if err == nil {
		s.security(ctx, slog.LevelInfo, evKeyRevoked, slog.Int64("key_id", id))
	}
	return err
}

// WebLogin checks the password like Login (Authenticate: same hasher,
// same limits, same answers) and starts a fresh web session holding every
// scope the role allows, returning its cookie value; the session of
// oldCookie, the value the browser sent if any, ends, so an id never
// survives a login. The attempt counts against the client's address
// (LimitLogin) unless a Gate counted it.
func (s *Service) WebLogin(ctx context.Context, c Client, email, password, oldCookie string) (string, error) {
	if err := s.countClient(ctx, LimitLogin, c); err != nil {
		return "", err
	}
	u, err := s.Authenticate(ctx, email, password)
	if err != nil {
		return "", err
	}
	if oldCookie != "" {
		if err := s.cfg.Stores.WebSessions.RevokeWebSession(ctx, auth.HashAPIKey(oldCookie)); err != nil {
			s.cfg.Logger.WarnContext(ctx, "end previous web session", "error", err)
		}
	}
	value := rand.Text()
	_, err = s.cfg.Stores.Sessions.CreateSession(ctx, NewSession{
		UserID:     u.ID,
		UserAgent:  c.UserAgent,
		IP:         c.IP,
		Scopes:     s.grantScopes(u.Role, nil),
		ExpiresAt:  s.cfg.Now().Add(s.cfg.WebMaxAge),
		WebHash:    auth.HashAPIKey(value),
		MaxPerUser: s.cfg.SessionsPerUser,
	})
	if err != nil {
		return "", err
	}
	return value, nil
}

// WebLogout ends the web session p came in with: 401 "Not authenticated"
// when p has none.
func (s *Service) WebLogout(ctx context.Context, p Principal, o Owner) error {
	sid, ok := parseID(p.SessionID())
	if !ok {
		return problem.New(http.StatusUnauthorized, "Not authenticated")
	}
	return s.cfg.Stores.Sessions.Sessions(o).Revoke(ctx, sid)
}
