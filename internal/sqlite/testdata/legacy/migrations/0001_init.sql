-- 0001_init: users, login sessions, API keys and notes.
-- Times are INTEGER unix microseconds UTC (the precision PostgreSQL keeps).
-- Every table that holds user data carries the owner's id, and every query
-- on it has that id in its WHERE. AUTOINCREMENT: an id is never reused, so a
-- token naming a deleted session or key can never match a newer row.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	email         TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
	is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
	password_hash TEXT    NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL
) STRICT;

-- Active admins are counted by the last-admin rule.
CREATE INDEX users_active_admins ON users (role, is_active);

CREATE TABLE sessions (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	user_agent   TEXT    NOT NULL DEFAULT '',
	ip           TEXT    NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	revoked_at   INTEGER,
	refresh_hash BLOB
) STRICT;

-- SessionUser is a primary-key lookup of sessions joined to users by primary
-- key; this index serves the per-user list and revoke-all.
CREATE INDEX sessions_user_id ON sessions (user_id, id);

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

CREATE TABLE notes (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title      TEXT    NOT NULL,
	body       TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX notes_owner_id ON notes (owner_id, id);
