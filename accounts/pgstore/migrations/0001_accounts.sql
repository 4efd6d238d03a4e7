-- 0001_accounts: the identity schema: users, login sessions (token and web
-- sessions) with their used refresh tokens, API keys, account tokens, and
-- the health row. It is exactly what notesd's migrations 0001–0006 left
-- (columns in the same order), so a database of that release is adopted
-- without running it (Baseline).
--
-- Times are BIGINT unix microseconds UTC, as in the SQLite store, so both
-- engines keep the same precision. Every table that holds user data carries
-- the owner's id, and every query on it has that id in its WHERE. Identity
-- columns never reuse an id, so a token naming a deleted session or key can
-- never match a newer row. Hashes are SHA-256 of the secret, never the
-- secret.

-- users.is_verified says the user proved they read mail at their address (a
-- verification link, or a password reset link, which proves the same).
CREATE TABLE users (
	id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email         TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
	is_active     BOOLEAN NOT NULL DEFAULT TRUE,
	password_hash TEXT    NOT NULL DEFAULT '',
	created_at    BIGINT  NOT NULL,
	is_verified   BOOLEAN NOT NULL DEFAULT FALSE
);

-- Active admins are counted (and locked) by the last-admin rule.
CREATE INDEX users_active_admins ON users (role, is_active);

-- refresh_hash is the session's current refresh token; a rotated-away hash
-- moves to used_refresh_tokens, and presenting it again revokes the
-- session. scopes (space separated) were granted at login; refreshed
-- tokens keep them. web_hash is the hash of a browser session's cookie
-- value: a web session has no refresh token, a token session no web_hash,
-- so logout, deactivation and admin revocation end both by one path.
CREATE TABLE sessions (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	user_agent   TEXT   NOT NULL DEFAULT '',
	ip           TEXT   NOT NULL DEFAULT '',
	created_at   BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	revoked_at   BIGINT,
	refresh_hash BYTEA,
	scopes       TEXT   NOT NULL DEFAULT '',
	web_hash     BYTEA
);

-- SessionUser is a primary-key lookup of sessions joined to users by primary
-- key; this index serves the per-user list and revoke-all.
CREATE INDEX sessions_user_id ON sessions (user_id, id);
CREATE UNIQUE INDEX sessions_refresh_hash ON sessions (refresh_hash) WHERE refresh_hash IS NOT NULL;
CREATE UNIQUE INDEX sessions_web_hash ON sessions (web_hash) WHERE web_hash IS NOT NULL;
-- What the retention janitor needs to find dead rows without scanning.
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

-- used_at is when a used refresh token was rotated away: it stopped
-- working then.
CREATE TABLE used_refresh_tokens (
	hash       BYTEA  PRIMARY KEY,
	session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	used_at    BIGINT NOT NULL DEFAULT 0
);

-- ON DELETE CASCADE needs an index on the referencing column to stay cheap.
CREATE INDEX used_refresh_tokens_session_id ON used_refresh_tokens (session_id);
CREATE INDEX used_refresh_tokens_used_at ON used_refresh_tokens (used_at);

CREATE TABLE api_keys (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT   NOT NULL DEFAULT '',
	prefix       TEXT   NOT NULL UNIQUE,
	hash         BYTEA  NOT NULL,
	scopes       TEXT   NOT NULL DEFAULT '', -- space separated
	created_at   BIGINT NOT NULL,
	expires_at   BIGINT,
	last_used_at BIGINT,
	revoked_at   BIGINT
);

CREATE INDEX api_keys_user_id ON api_keys (user_id, id);

-- The one row Ping writes to prove that the database can commit a write: a
-- server that is down, stalled, read-only or out of space fails it.
CREATE TABLE health (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at BIGINT NOT NULL
);

-- Single-use tokens mailed to a user (password reset, e-mail
-- verification). A token stops working when it is used (used_at), when it
-- expires, or when a newer one of the same purpose is made (its expires_at
-- is moved to then); the janitor deletes it 30 days after that.
CREATE TABLE account_tokens (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose    TEXT    NOT NULL CHECK (purpose IN ('reset', 'verify')),
	hash       BYTEA   NOT NULL UNIQUE,
	created_at BIGINT  NOT NULL,
	expires_at BIGINT  NOT NULL,
	used_at    BIGINT
);

CREATE INDEX account_tokens_user_id ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expires_at ON account_tokens (expires_at);
CREATE INDEX account_tokens_used_at ON account_tokens (used_at) WHERE used_at IS NOT NULL;
