-- 0005_health: the one row /readyz writes to prove that the database can
-- commit a write (SPEC §4): a full, read-only or failing disk fails it.

CREATE TABLE health (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at INTEGER NOT NULL
);
