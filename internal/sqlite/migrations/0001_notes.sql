-- 0001_notes: notesd's notes, beside the identity tables of
-- accounts/sqlitestore in the same database (tracked under the app name
-- "notes"). Times are INTEGER unix microseconds UTC. Every query has the
-- owner's id in its WHERE. AUTOINCREMENT: an id is never reused.

CREATE TABLE notes (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title      TEXT    NOT NULL,
	body       TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX notes_owner_id ON notes (owner_id, id);
