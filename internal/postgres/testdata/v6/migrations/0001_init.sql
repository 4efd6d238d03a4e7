-- 0001_init: users, login sessions, API keys and notes.
-- Times are BIGINT unix microseconds UTC, as in the SQLite store, so both
-- engines keep the same precision. Every table that holds user data carries
-- the owner's id, and every query on it has that id in its WHERE. Identity
-- columns never reuse an id, so a token naming a deleted session or key can
-- never match a newer row.

CREATE TABLE users (
	id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email         TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
	is_active     BOOLEAN NOT NULL DEFAULT TRUE,
	password_hash TEXT    NOT NULL DEFAULT '',
	created_at    BIGINT  NOT NULL
);

-- Active admins are counted (and locked) by the last-admin rule.
CREATE INDEX users_active_admins ON users (role, is_active);

CREATE TABLE sessions (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	user_agent   TEXT   NOT NULL DEFAULT '',
	ip           TEXT   NOT NULL DEFAULT '',
	created_at   BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	revoked_at   BIGINT,
	refresh_hash BYTEA
);

-- SessionUser is a primary-key lookup of sessions joined to users by primary
-- key; this index serves the per-user list and revoke-all.
CREATE INDEX sessions_user_id ON sessions (user_id, id);

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

CREATE TABLE notes (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title      TEXT   NOT NULL,
	body       TEXT   NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE INDEX notes_owner_id ON notes (owner_id, id);
