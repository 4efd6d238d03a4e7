package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// sessionView is one of the caller's login sessions.
type sessionView struct {
	ID         int64     `json:"id"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

// listSessions is one page of the caller's live sessions, newest first,
// paginated like notes.
func (s *server) listSessions(ctx context.Context, p principal, o owner, pg notes.Page) (list[sessionView], error) {
	items, next, err := s.store.Sessions(o).List(ctx, s.cfg.Now(), pg)
	if err != nil {
		return list[sessionView]{}, err
	}
	return newList(items, next, func(ss notes.Session) sessionView {
		return sessionView{
			ID: ss.ID, UserAgent: ss.UserAgent, IP: ss.IP, CreatedAt: ss.CreatedAt,
			LastSeenAt: ss.LastSeenAt, ExpiresAt: ss.ExpiresAt,
			Current: p.SessionID() == strconv.FormatInt(ss.ID, 10),
		}
	}), nil
}

// revokeSession ends one of the caller's sessions; anyone else's is 404.
func (s *server) revokeSession(ctx context.Context, o owner, id int64) (dep.NoContent, error) {
	err := s.store.Sessions(o).Revoke(ctx, id)
	if errors.Is(err, notes.ErrNotFound) {
		return dep.NoContent{}, problem.NotFound("Session")
	}
	return dep.NoContent{}, err
}

// revokeUserSessions is the admin's way to log a user out everywhere.
func (s *server) revokeUserSessions(ctx context.Context, a admin, id int64) (dep.NoContent, error) {
	if _, err := s.store.UserByID(ctx, id); errors.Is(err, notes.ErrNotFound) {
		return dep.NoContent{}, problem.NotFound("User")
	} else if err != nil {
		return dep.NoContent{}, err
	}
	if err := s.store.RevokeUserSessions(ctx, a.Grant, id); err != nil {
		return dep.NoContent{}, err
	}
	s.security(ctx, slog.LevelInfo, evAdminSessions, slog.Int64("target_user_id", id))
	return dep.NoContent{}, nil
}
