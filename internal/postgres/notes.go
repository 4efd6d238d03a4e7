package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/accounts"
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
		return 0, fmt.Errorf("postgres: delete any note: %w", notes.ErrForbidden)
	}
	var owner int64
	err := db.Pool().QueryRow(ctx, `DELETE FROM notes WHERE id = $1 RETURNING owner_id`, id).Scan(&owner)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete any note: %w", mapErr(err))
	}
	return owner, nil
}

// noteStore is one owner's notes. Every query has owner_id in its WHERE.
type noteStore struct {
	db *DB
	o  notes.Owner
}

// Create stores a note of the owner; ErrForbidden for the zero Owner,
// ErrNotFound when the owner's user does not exist, ErrNoteLimit when the
// owner already has in.MaxPerUser notes. Under a quota the count and the
// insert run in one transaction that first locks the owner's users row,
// so concurrent creates of one owner (on any replica) queue there and no
// burst passes the quota.
func (s noteStore) Create(ctx context.Context, in notes.NoteInput) (notes.Note, error) {
	if !s.o.Valid() {
		return notes.Note{}, fmt.Errorf("postgres: create note: %w", notes.ErrForbidden)
	}
	if err := in.CheckText(); err != nil {
		return notes.Note{}, fmt.Errorf("postgres: create note: %w", err)
	}
	const insert = `
INSERT INTO notes (owner_id, title, body, created_at, updated_at)
VALUES ($1, $2, $3, $4, $4)
RETURNING ` + noteColumns
	if in.MaxPerUser <= 0 {
		n, err := scanNote(s.db.Pool().QueryRow(ctx, insert, s.o.ID(), in.Title, in.Body, toDB(now())))
		if err != nil {
			return notes.Note{}, fmt.Errorf("postgres: create note: %w", mapErr(err))
		}
		return n, nil
	}
	var n notes.Note
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		err := underQuota(ctx, tx, s.o.ID(), in.MaxPerUser, notes.ErrNoteLimit,
			`SELECT least(coalesce((SELECT n FROM note_counts WHERE owner_id = $1), 0), $2)`)
		if err != nil {
			return err
		}
		n, err = scanNote(tx.QueryRow(ctx, insert, s.o.ID(), in.Title, in.Body, toDB(now())))
		return err
	})
	if err != nil {
		return notes.Note{}, fmt.Errorf("postgres: create note: %w", mapErr(err))
	}
	return n, nil
}

// underQuota locks user userID's row for the rest of tx (ErrNotFound when
// there is none), then counts their rows with count (parameters: the user
// id and max) and returns full when there are max or more.
func underQuota(ctx context.Context, tx pgx.Tx, userID int64, max int, full error, count string) error {
	var one int
	if err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, userID).Scan(&one); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, count, userID, max).Scan(&n); err != nil {
		return err
	}
	if n >= max {
		return full
	}
	return nil
}

// Get returns the owner's note; ErrNotFound when it is not the owner's.
func (s noteStore) Get(ctx context.Context, id int64) (notes.Note, error) {
	if !s.o.Valid() {
		return notes.Note{}, fmt.Errorf("postgres: get note: %w", notes.ErrNotFound)
	}
	row := s.db.Pool().QueryRow(ctx,
		`SELECT `+noteColumns+` FROM notes WHERE id = $1 AND owner_id = $2`, id, s.o.ID())
	n, err := scanNote(row)
	if err != nil {
		return notes.Note{}, fmt.Errorf("postgres: get note: %w", mapErr(err))
	}
	return n, nil
}

// List returns one keyset page of the owner's notes, newest first, and the
// cursor of the next page (0 when there is none).
func (s noteStore) List(ctx context.Context, p notes.Page) ([]notes.Note, int64, error) {
	if !s.o.Valid() {
		return []notes.Note{}, 0, nil
	}
	limit := p.Size()
	rows, err := s.db.Pool().Query(ctx, `
SELECT `+noteColumns+` FROM notes
WHERE owner_id = $1 AND ($2::bigint = 0 OR id < $2)
ORDER BY id DESC
LIMIT $3`, s.o.ID(), p.After, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: list notes: %w", err)
	}
	ns, err := collect(rows, scanNote)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: list notes: %w", err)
	}
	ns, next := accounts.Keyset(ns, p, func(n notes.Note) int64 { return n.ID })
	return ns, next, nil
}

// Update applies p to the owner's note and sets its updated_at (never
// backwards); ErrNotFound when it is not the owner's.
func (s noteStore) Update(ctx context.Context, id int64, p notes.NotePatch) (notes.Note, error) {
	if !s.o.Valid() {
		return notes.Note{}, fmt.Errorf("postgres: update note: %w", notes.ErrNotFound)
	}
	if err := p.CheckText(); err != nil {
		return notes.Note{}, fmt.Errorf("postgres: update note: %w", err)
	}
	row := s.db.Pool().QueryRow(ctx, `
UPDATE notes SET
	title = coalesce($1, title),
	body = coalesce($2, body),
	updated_at = greatest($3, updated_at)
WHERE id = $4 AND owner_id = $5
RETURNING `+noteColumns, p.Title, p.Body, toDB(now()), id, s.o.ID())
	n, err := scanNote(row)
	if err != nil {
		return notes.Note{}, fmt.Errorf("postgres: update note: %w", mapErr(err))
	}
	return n, nil
}

// Delete deletes the owner's note; ErrNotFound when it is not the owner's.
func (s noteStore) Delete(ctx context.Context, id int64) error {
	if !s.o.Valid() {
		return fmt.Errorf("postgres: delete note: %w", notes.ErrNotFound)
	}
	tag, err := s.db.Pool().Exec(ctx, `DELETE FROM notes WHERE id = $1 AND owner_id = $2`, id, s.o.ID())
	if err != nil {
		return fmt.Errorf("postgres: delete note: %w", err)
	}
	if err := oneRow(tag); err != nil {
		return fmt.Errorf("postgres: delete note: %w", err)
	}
	return nil
}
