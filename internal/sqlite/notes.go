package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/sqlitestore"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/internal/notes"
)

// noteColumns is the column list scanNote reads.
const noteColumns = `id, owner_id, title, body, created_at, updated_at`

// scanNote reads the columns of noteColumns.
func scanNote(s scanner) (notes.Note, error) {
	var (
		n                notes.Note
		created, updated int64
	)
	if err := s.Scan(&n.ID, &n.OwnerID, &n.Title, &n.Body, &created, &updated); err != nil {
		return notes.Note{}, err
	}
	n.CreatedAt = fromDB(created)
	n.UpdatedAt = fromDB(updated)
	return n, nil
}

// Notes returns o's view of their notes: the only way to reach notes. The
// view of the zero Owner is empty and cannot create notes (ErrForbidden).
func (db *DB) Notes(o notes.Owner) notes.NoteStore { return noteStore{db: db, o: o} }

// DeleteAnyNote deletes any user's note and returns its owner's id. g
// must grant the admin role (ErrForbidden otherwise); ErrNotFound for an
// unknown id.
func (db *DB) DeleteAnyNote(ctx context.Context, g auth.RoleGrant, id int64) (int64, error) {
	if !g.Has(string(accounts.RoleAdmin)) {
		return 0, fmt.Errorf("sqlite: delete any note: %w", notes.ErrForbidden)
	}
	st, err := db.WriteStmt(ctx, `DELETE FROM notes WHERE id = ? RETURNING owner_id`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete any note: %w", sqlitestore.MapError(err))
	}
	var owner int64
	err = db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return txQueryRow(ctx, tx, st, id).Scan(&owner)
	})
	if err != nil {
		if !matchedNone(err) {
			db.notes.dropAll() // whose note it was, if any, is not known
		}
		return 0, fmt.Errorf("sqlite: delete any note: %w", sqlitestore.MapError(err))
	}
	db.notes.drop(owner, id)
	return owner, nil
}

// noteStore is one owner's notes. Every query has owner_id in its WHERE.
type noteStore struct {
	db *DB
	o  notes.Owner
}

// Create stores a note of the owner; ErrForbidden for the zero Owner,
// ErrNotFound when the owner's user does not exist, ErrNoteLimit when the
// owner already has in.MaxPerUser notes. The check and the insert are one
// statement on the single writer, so no burst can pass the quota; the
// check reads the owner's row of note_counts (kept by triggers), not a
// count of their notes.
func (s noteStore) Create(ctx context.Context, in notes.NoteInput) (notes.Note, error) {
	if !s.o.Valid() {
		return notes.Note{}, fmt.Errorf("sqlite: create note: %w", notes.ErrForbidden)
	}
	if err := in.CheckText(); err != nil {
		return notes.Note{}, fmt.Errorf("sqlite: create note: %w", err)
	}
	st, err := s.db.WriteStmt(ctx, `
INSERT INTO notes (owner_id, title, body, created_at, updated_at)
SELECT ?1, ?2, ?3, ?4, ?4
WHERE ?5 <= 0 OR coalesce((SELECT n FROM note_counts WHERE owner_id = ?1), 0) < ?5
RETURNING `+noteColumns)
	if err != nil {
		return notes.Note{}, fmt.Errorf("sqlite: create note: %w", sqlitestore.MapError(err))
	}
	t := toDB(now())
	var n notes.Note
	err = s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		n, err = scanNote(txQueryRow(ctx, tx, st, s.o.ID(), in.Title, in.Body, t, in.MaxPerUser))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return notes.Note{}, fmt.Errorf("sqlite: create note: %w", notes.ErrNoteLimit)
	}
	if err != nil {
		return notes.Note{}, fmt.Errorf("sqlite: create note: %w", sqlitestore.MapError(err))
	}
	return n, nil
}

// Get returns the owner's note; ErrNotFound when it is not the owner's.
func (s noteStore) Get(ctx context.Context, id int64) (notes.Note, error) {
	if !s.o.Valid() {
		return notes.Note{}, fmt.Errorf("sqlite: get note: %w", notes.ErrNotFound)
	}
	n, ok, epoch := s.db.notes.get(s.o.ID(), id)
	if ok {
		return n, nil
	}
	// id and owner are known: the hottest read selects only the rest (the
	// driver allocates per column and query).
	row := s.db.ReadOne(ctx,
		`SELECT title, body, created_at, updated_at FROM notes WHERE id = ? AND owner_id = ?`, id, s.o.ID())
	n = notes.Note{ID: id, OwnerID: s.o.ID()}
	var created, updated int64
	if err := row.Scan(&n.Title, &n.Body, &created, &updated); err != nil {
		return notes.Note{}, fmt.Errorf("sqlite: get note: %w", sqlitestore.MapError(err))
	}
	n.CreatedAt, n.UpdatedAt = fromDB(created), fromDB(updated)
	s.db.notes.put(epoch, n)
	return n, nil
}

// List returns one keyset page of the owner's notes, newest first, and the
// cursor of the next page (0 when there is none).
func (s noteStore) List(ctx context.Context, p notes.Page) ([]notes.Note, int64, error) {
	if !s.o.Valid() {
		return []notes.Note{}, 0, nil
	}
	limit := p.Size()
	rows, err := s.db.ReadRows(ctx, `
SELECT `+noteColumns+` FROM notes
WHERE owner_id = ?1 AND (?2 = 0 OR id < ?2)
ORDER BY id DESC
LIMIT ?3`, s.o.ID(), p.After, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: list notes: %w", err)
	}
	ns, err := collect(rows, scanNote)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: list notes: %w", err)
	}
	ns, next := accounts.Keyset(ns, p, func(n notes.Note) int64 { return n.ID })
	return ns, next, nil
}

// Update applies p to the owner's note and sets its updated_at; ErrNotFound
// when it is not the owner's.
func (s noteStore) Update(ctx context.Context, id int64, p notes.NotePatch) (notes.Note, error) {
	if !s.o.Valid() {
		return notes.Note{}, fmt.Errorf("sqlite: update note: %w", notes.ErrNotFound)
	}
	if err := p.CheckText(); err != nil {
		return notes.Note{}, fmt.Errorf("sqlite: update note: %w", err)
	}
	st, err := s.db.WriteStmt(ctx, `
UPDATE notes SET
	title = coalesce(?, title),
	body = coalesce(?, body),
	updated_at = max(?, updated_at)
WHERE id = ? AND owner_id = ?
RETURNING `+noteColumns)
	if err != nil {
		return notes.Note{}, fmt.Errorf("sqlite: update note: %w", sqlitestore.MapError(err))
	}
	t := toDB(now())
	var n notes.Note
	err = s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		n, err = scanNote(txQueryRow(ctx, tx, st, p.Title, p.Body, t, id, s.o.ID()))
		return err
	})
	if !matchedNone(err) {
		s.db.notes.drop(s.o.ID(), id)
	}
	if err != nil {
		return notes.Note{}, fmt.Errorf("sqlite: update note: %w", sqlitestore.MapError(err))
	}
	return n, nil
}

// Delete deletes the owner's note; ErrNotFound when it is not the owner's.
func (s noteStore) Delete(ctx context.Context, id int64) error {
	if !s.o.Valid() {
		return fmt.Errorf("sqlite: delete note: %w", notes.ErrNotFound)
	}
	st, err := s.db.WriteStmt(ctx, `DELETE FROM notes WHERE id = ? AND owner_id = ?`)
	if err != nil {
		return fmt.Errorf("sqlite: delete note: %w", err)
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := txExec(ctx, tx, st, id, s.o.ID())
		if err != nil {
			return err
		}
		return oneRow(res)
	})
	if !matchedNone(err) {
		s.db.notes.drop(s.o.ID(), id)
	}
	if err != nil {
		return fmt.Errorf("sqlite: delete note: %w", err)
	}
	return nil
}

// matchedNone reports whether err, a write's, says that its statement
// matched no note of the owner, so the write changed nothing and the note
// cache keeps what it has: someone else's id in a PATCH or a DELETE evicts
// nothing.
func matchedNone(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || errors.Is(err, notes.ErrNotFound)
}

// txQueryRow runs the writer's prepared query st (DB.WriteStmt, prepared
// outside tx, since tx holds the writer's one connection) inside tx.
func txQueryRow(ctx context.Context, tx *sql.Tx, st *sql.Stmt, args ...any) *sql.Row {
	return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}

// txExec runs the writer's prepared statement st inside tx.
func txExec(ctx context.Context, tx *sql.Tx, st *sql.Stmt, args ...any) (sql.Result, error) {
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}
