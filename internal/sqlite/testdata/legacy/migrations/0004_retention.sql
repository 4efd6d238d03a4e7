-- 0004_retention: what the retention janitor (SPEC §5) needs to find dead
-- rows without scanning whole tables, and to delete a session without a
-- scan of used_refresh_tokens (ON DELETE CASCADE).
-- used_at is when a used refresh token was rotated away: it stopped
-- working then. Rows from before this migration get their session's
-- last_seen_at, which no rotation of that session is later than.

ALTER TABLE used_refresh_tokens ADD COLUMN used_at INTEGER NOT NULL DEFAULT 0;

UPDATE used_refresh_tokens
SET used_at = coalesce((SELECT s.last_seen_at FROM sessions s WHERE s.id = used_refresh_tokens.session_id), 0);

CREATE INDEX used_refresh_tokens_used_at ON used_refresh_tokens (used_at);
CREATE INDEX used_refresh_tokens_session_id ON used_refresh_tokens (session_id);

CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
