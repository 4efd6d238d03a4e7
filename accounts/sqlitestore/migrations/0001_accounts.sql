-- 0001_accounts: the identity schema: users, login and web sessions with
-- their rotated-away refresh tokens, API keys, account tokens, and the
-- health row Ping writes. (It is what notesd's migrations 0001 to 0006 left,
-- table for table and index for index, so such a database is adopted as it
-- is.)
-- Times are INTEGER unix microseconds UTC (the precision PostgreSQL keeps).
-- Every table that holds user data carries the user's id, and every query
-- on it has that id in its WHERE. AUTOINCREMENT: an id is never reused, so a
-- token naming a deleted session or key can never match a newer row.

-- is_verified says the user proved they read mail at their address (a
-- verification link, or a password reset link, which proves the same).
CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	email         TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
	is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
	password_hash TEXT    NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	is_verified   INTEGER NOT NULL DEFAULT 0 CHECK (is_verified IN (0, 1))
) STRICT;

-- Active admins are counted by the last-admin rule.
CREATE INDEX users_active_admins ON users (role, is_active);

-- A session is behind access and refresh tokens, or (web_hash) a browser's
-- session cookie. refresh_hash is the session's current refresh token
-- (SHA-256); a rotated-away hash moves to used_refresh_tokens, and
-- presenting it again revokes the session. web_hash is the SHA-256 of the
-- session cookie's value (never the value); a web session has no refresh
-- token, a token session no web_hash. scopes are those granted at login
-- (space separated; refreshed tokens keep them).
CREATE TABLE sessions (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	user_agent   TEXT    NOT NULL DEFAULT '',
	ip           TEXT    NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	revoked_at   INTEGER,
	refresh_hash BLOB,
	scopes       TEXT    NOT NULL DEFAULT '',
	web_hash     BLOB
) STRICT;

-- SessionUser is a primary-key lookup of sessions joined to users by primary
-- key; this index serves the per-user list and revoke-all.
CREATE INDEX sessions_user_id ON sessions (user_id, id);
CREATE UNIQUE INDEX sessions_refresh_hash ON sessions (refresh_hash) WHERE refresh_hash IS NOT NULL;
CREATE UNIQUE INDEX sessions_web_hash ON sessions (web_hash) WHERE web_hash IS NOT NULL;
-- The retention janitor finds dead sessions without a scan.
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

-- used_at is when a used refresh token was rotated away: it stopped
-- working then.
CREATE TABLE used_refresh_tokens (
	hash       BLOB    PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	used_at    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX used_refresh_tokens_used_at ON used_refresh_tokens (used_at);
-- Deleting a session (ON DELETE CASCADE) needs no scan.
CREATE INDEX used_refresh_tokens_session_id ON used_refresh_tokens (session_id);

CREATE TABLE api_keys (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT    NOT NULL DEFAULT '',
	prefix       TEXT    NOT NULL UNIQUE,
	hash         BLOB    NOT NULL,
	scopes       TEXT    NOT NULL DEFAULT '', -- space separated
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER,
	last_used_at INTEGER,
	revoked_at   INTEGER
) STRICT;

CREATE INDEX api_keys_user_id ON api_keys (user_id, id);

-- account_tokens are single-use tokens mailed to a user (password reset,
-- e-mail verification), stored as the SHA-256 of the token (never the
-- token). A token stops working when it is used (used_at), when it
-- expires, or when a newer one of the same purpose is made (its expires_at
-- is moved to then); the janitor deletes it later.
CREATE TABLE account_tokens (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose    TEXT    NOT NULL CHECK (purpose IN ('reset', 'verify')),
	hash       BLOB    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER
) STRICT;

CREATE INDEX account_tokens_user_id ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expires_at ON account_tokens (expires_at);
CREATE INDEX account_tokens_used_at ON account_tokens (used_at) WHERE used_at IS NOT NULL;

-- The one row Ping writes to prove that the database can commit a write:
-- a full, read-only or failing disk fails it.
CREATE TABLE health (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at INTEGER NOT NULL
);
