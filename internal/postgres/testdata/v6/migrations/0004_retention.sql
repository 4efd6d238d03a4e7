-- 0004_retention: what the retention janitor (SPEC §5) needs to find dead
-- rows without scanning whole tables.
-- used_at is when a used refresh token was rotated away: it stopped
-- working then. Rows from before this migration get their session's
-- last_seen_at, which no rotation of that session is later than.

ALTER TABLE used_refresh_tokens ADD COLUMN used_at BIGINT NOT NULL DEFAULT 0;

UPDATE used_refresh_tokens u
SET used_at = s.last_seen_at
FROM sessions s WHERE s.id = u.session_id;

CREATE INDEX used_refresh_tokens_used_at ON used_refresh_tokens (used_at);

CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
