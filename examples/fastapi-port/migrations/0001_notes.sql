-- The lesson's Note model: the app's own table, beside the identity tables of accounts/sqlitestore.
CREATE TABLE notes (
	id       INTEGER PRIMARY KEY,
	title    TEXT    NOT NULL,
	content  TEXT    NOT NULL,
	owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX notes_owner_id ON notes (owner_id);
