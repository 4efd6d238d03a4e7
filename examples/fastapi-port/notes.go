package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/accounts"
	"github.com/gatehouse-dev/gatehouse/accounts/sqlitestore"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Note is the lesson's Note model; UserID is the owner_id column.
type Note struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	Content string `json:"content"`
	UserID  int64  `json:"user_id"`
}

// NoteIn is the body of POST /notes; dep.JSON enforces its tags and refuses user_id (422).
type NoteIn struct {
	Title   string `json:"title" openapi:"minLength=1,maxLength=200"`
	Content string `json:"content" openapi:"maxBytes=100000"`
}

// NotePatch is the body of PATCH /notes/{note_id}: the fields to change.
type NotePatch struct {
	Title   *string `json:"title" openapi:"minLength=1,maxLength=200"`
	Content *string `json:"content" openapi:"maxBytes=100000"`
}

const noteColumns = "id, title, content, owner_id"

// scanNote reads a Note. No row is 404 "Note not found", missing or someone else's: a 403 would tell.
func scanNote(row interface{ Scan(...any) error }) (n Note, err error) {
	switch err = row.Scan(&n.ID, &n.Title, &n.Content, &n.UserID); {
	case errors.Is(err, sql.ErrNoRows):
		return n, problem.NotFound("Note")
	case err != nil:
		return n, fmt.Errorf("note: %w", err)
	}
	return n, nil
}

// write runs one statement returning a note in a write transaction (the lesson's get_db, commit included).
func write(ctx context.Context, db *sqlitestore.Store, query string, args ...any) (n Note, err error) {
	err = db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, err = scanNote(tx.QueryRowContext(ctx, query+` RETURNING `+noteColumns, args...))
		return err
	})
	return n, err
}

// notesRoutes is app/routes/notes.py, and the IDOR fix: a handler gets the caller as the accounts.Owner
// that only auth.OwnerOf mints, and every query has owner_id = that owner in its WHERE, but the admin's.
func notesRoutes(api *gatehouse.API, db *sqlitestore.Store, active dep.Dep[accounts.Principal]) {
	owner := auth.OwnerOf[int64](active)
	noteID := dep.Path[int64]("note_id") // note_id: int, else 422
	api.Handle("GET /notes", dep.Handler(owner, func(ctx context.Context, o accounts.Owner) ([]Note, error) {
		rows, err := db.ReadRows(ctx, `SELECT `+noteColumns+` FROM notes WHERE owner_id = ? ORDER BY id`, o.ID())
		if err != nil {
			return nil, fmt.Errorf("notes: %w", err)
		}
		defer rows.Close()
		list := []Note{}
		for rows.Next() {
			n, err := scanNote(rows)
			if err != nil {
				return nil, err
			}
			list = append(list, n)
		}
		return list, rows.Err()
	}))
	api.Handle("POST /notes", dep.Handler2(owner, dep.JSON[NoteIn](), func(ctx context.Context, o accounts.Owner, in NoteIn) (dep.Created[Note], error) {
		n, err := write(ctx, db, `INSERT INTO notes (title, content, owner_id) VALUES (?, ?, ?)`, in.Title, in.Content, o.ID())
		return dep.Created[Note]{Body: n}, err
	}))
	api.Handle("GET /notes/{note_id}", dep.Handler2(owner, noteID, func(ctx context.Context, o accounts.Owner, id int64) (Note, error) {
		return scanNote(db.ReadRow(ctx, `SELECT `+noteColumns+` FROM notes WHERE id = ? AND owner_id = ?`, id, o.ID()))
	}))
	api.Handle("PATCH /notes/{note_id}", dep.Handler3(owner, noteID, dep.JSON[NotePatch](), func(ctx context.Context, o accounts.Owner, id int64, in NotePatch) (Note, error) {
		return write(ctx, db, `UPDATE notes SET title = coalesce(?, title), content = coalesce(?, content)
			WHERE id = ? AND owner_id = ?`, in.Title, in.Content, id, o.ID())
	}))
	api.Handle("DELETE /notes/{note_id}", dep.Handler2(owner, noteID, func(ctx context.Context, o accounts.Owner, id int64) (dep.NoContent, error) {
		_, err := write(ctx, db, `DELETE FROM notes WHERE id = ? AND owner_id = ?`, id, o.ID())
		return dep.NoContent{}, err
	}))
	// delete_any_note: the one query with no owner, for require_role("admin") only (403 "Insufficient permissions").
	api.Handle("DELETE /admin/notes/{note_id}", dep.Handler2(auth.RequireRole(active, "admin"), noteID,
		func(ctx context.Context, _ auth.Privileged[accounts.User], id int64) (dep.NoContent, error) {
			_, err := write(ctx, db, `DELETE FROM notes WHERE id = ?`, id)
			return dep.NoContent{}, err
		}))
}
