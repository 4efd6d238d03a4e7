-- 0002_note_counts: the number of notes of each owner, kept by triggers in
-- the transaction of every insert and delete (cascades included), so the
-- quota check of a create reads one row instead of counting up to the
-- quota (10,000 index entries by default). Creates of one owner already
-- serialize on the owner's users row (FOR NO KEY UPDATE) before the check.

CREATE TABLE note_counts (
	owner_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	n        BIGINT NOT NULL
);

INSERT INTO note_counts (owner_id, n) SELECT owner_id, count(*) FROM notes GROUP BY owner_id;

CREATE FUNCTION notes_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		UPDATE note_counts SET n = n - 1 WHERE owner_id = OLD.owner_id;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO note_counts (owner_id, n) VALUES (NEW.owner_id, 1)
		ON CONFLICT (owner_id) DO UPDATE SET n = note_counts.n + 1;
	END IF;
	RETURN NULL;
END;
$$;

CREATE TRIGGER notes_count_insert_delete AFTER INSERT OR DELETE ON notes
FOR EACH ROW EXECUTE FUNCTION notes_count();

CREATE TRIGGER notes_count_owner AFTER UPDATE OF owner_id ON notes
FOR EACH ROW WHEN (NEW.owner_id IS DISTINCT FROM OLD.owner_id) EXECUTE FUNCTION notes_count();
