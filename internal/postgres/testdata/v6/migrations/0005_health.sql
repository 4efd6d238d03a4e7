-- 0005_health: the one row /readyz writes to prove that the database can
-- commit a write (SPEC §4): a server that is down, stalled, read-only or
-- out of space fails it.

CREATE TABLE health (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	checked_at BIGINT NOT NULL
);
