package httpapi

import (
	"context"
	"log/slog"

	"github.com/gatehouse-dev/gatehouse/dep"
)

// Security events (SPEC §8): each is its own log line, msg "security",
// with event set to one of these.
const (
	evLoginFailed     = "login_failed"
	evLoginLocked     = "login_locked"
	evRefreshReused   = "refresh_reuse_detected"
	evPasswordChanged = "password_changed"
	evKeyCreated      = "api_key_created"
	evKeyRevoked      = "api_key_revoked"
	evAdminUser       = "admin_user_changed"
	evAdminSessions   = "admin_sessions_revoked"
	evAdminNote       = "admin_note_deleted"
	evResetRequested  = "password_reset_requested"
	evPasswordReset   = "password_reset"
	evEmailVerified   = "email_verified"
)

// security logs a security event with the request's log attributes
// (request id, client IP, and the acting user and session once known) and
// the event's own. Never pass a secret, token, key, hash or password.
func (s *server) security(ctx context.Context, level slog.Level, event string, attrs ...slog.Attr) {
	all := append(dep.RequestLogAttrs(ctx), slog.String("event", event))
	s.cfg.Logger.LogAttrs(ctx, level, "security", append(all, attrs...)...)
}

// securityWith logs a security event off the request path (a queued
// mail), with attrs, the log attributes of the request that queued it.
func (s *server) securityWith(ctx context.Context, attrs []slog.Attr, event string, more ...slog.Attr) {
	all := append(append(attrs[:len(attrs):len(attrs)], slog.String("event", event)), more...)
	s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "security", all...)
}
