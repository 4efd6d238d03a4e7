-- 0002_note_counts: the number of notes of each owner, kept by triggers in
-- the transaction of every insert and delete (cascades included), so the
-- quota check of a create reads one row instead of counting up to the
-- quota: 10,000 index entries by default, about a millisecond of the one
-- writer per create of a user near the quota.

CREATE TABLE note_counts (
	owner_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	n        INTEGER NOT NULL
) STRICT;

INSERT INTO note_counts (owner_id, n) SELECT owner_id, count(*) FROM notes GROUP BY owner_id;

CREATE TRIGGER notes_count_insert AFTER INSERT ON notes BEGIN
	INSERT INTO note_counts (owner_id, n) VALUES (NEW.owner_id, 1)
	ON CONFLICT (owner_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER notes_count_delete AFTER DELETE ON notes BEGIN
	UPDATE note_counts SET n = n - 1 WHERE owner_id = OLD.owner_id;
END;

CREATE TRIGGER notes_count_owner AFTER UPDATE OF owner_id ON notes
WHEN NEW.owner_id IS NOT OLD.owner_id BEGIN
	UPDATE note_counts SET n = n - 1 WHERE owner_id = OLD.owner_id;
	INSERT INTO note_counts (owner_id, n) VALUES (NEW.owner_id, 1)
	ON CONFLICT (owner_id) DO UPDATE SET n = n + 1;
END;
