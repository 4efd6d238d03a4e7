-- 0002_refresh_tokens: refresh-token rotation with reuse detection, and
-- the scopes a session was granted at login (refreshed tokens keep them).
-- sessions.refresh_hash is the session's current refresh token (SHA-256);
-- a rotated-away hash moves here, and presenting it again revokes the session.

CREATE UNIQUE INDEX sessions_refresh_hash ON sessions (refresh_hash) WHERE refresh_hash IS NOT NULL;

CREATE TABLE used_refresh_tokens (
	hash       BLOB    PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE
) STRICT;

ALTER TABLE sessions ADD COLUMN scopes TEXT NOT NULL DEFAULT ''; -- space separated
