-- 0001_notes: notesd's notes, beside the identity tables of
-- accounts/pgstore (users). Times are BIGINT unix microseconds UTC. Every
-- query has owner_id in its WHERE.

CREATE TABLE notes (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title      TEXT   NOT NULL,
	body       TEXT   NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE INDEX notes_owner_id ON notes (owner_id, id);
