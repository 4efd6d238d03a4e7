package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse-dev/gatehouse"
	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/gatehouse-dev/gatehouse/dep"
	"github.com/gatehouse-dev/gatehouse/problem"
)

// Note is the lesson's Note model.
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

// myNotes is the IDOR fix as a type: the caller's notes, made from the auth.Owner only OwnerOf mints.
type myNotes struct {
	db    *sql.Tx
	owner int64
}

func notesOf(_ context.Context, o auth.Owner[int64], db *sql.Tx) (myNotes, error) {
	return myNotes{db, o.ID()}, nil
}

const noteColumns = "id, title, content, user_id"

// scanNote reads a Note. No row is 404 "Note not found", missing or someone else's: a 403 would tell.
func scanNote(row scanner) (n Note, err error) {
	err = row.Scan(&n.ID, &n.Title, &n.Content, &n.UserID)
	return n, dbError(err, problem.NotFound("Note"), "note")
}

// notesRoutes is app/routes/notes.py. Every query has Note.user_id == owner in its WHERE, but one.
func notesRoutes(api *gatehouse.API, notes dep.Dep[myNotes], admin, roleAdmin dep.Dep[auth.Privileged[User]], getDB dep.Dep[*sql.Tx]) {
	noteID := dep.Path[int64]("note_id") // note_id: int, else 422
	api.Handle("GET /notes", dep.Handler(notes, func(ctx context.Context, my myNotes) ([]Note, error) {
		rows, err := my.db.QueryContext(ctx, `SELECT `+noteColumns+` FROM notes WHERE user_id = ? ORDER BY id`, my.owner)
		return collect(rows, err, scanNote)
	}))
	api.Handle("POST /notes", dep.Handler2(notes, dep.JSON[NoteIn](), func(ctx context.Context, my myNotes, in NoteIn) (dep.Created[Note], error) {
		n, err := scanNote(my.db.QueryRowContext(ctx, `INSERT INTO notes (title, content, user_id) VALUES (?, ?, ?) RETURNING `+noteColumns,
			in.Title, in.Content, my.owner))
		return dep.Created[Note]{Body: n}, err
	}))
	api.Handle("GET /notes/{note_id}", dep.Handler2(notes, noteID, func(ctx context.Context, my myNotes, id int64) (Note, error) {
		return scanNote(my.db.QueryRowContext(ctx, `SELECT `+noteColumns+` FROM notes WHERE id = ? AND user_id = ?`, id, my.owner))
	}))
	api.Handle("PATCH /notes/{note_id}", dep.Handler3(notes, noteID, dep.JSON[NotePatch](), func(ctx context.Context, my myNotes, id int64, in NotePatch) (Note, error) {
		return scanNote(my.db.QueryRowContext(ctx, `UPDATE notes SET title = coalesce(?, title), content = coalesce(?, content)
			WHERE id = ? AND user_id = ? RETURNING `+noteColumns, in.Title, in.Content, id, my.owner))
	}))
	api.Handle("DELETE /notes/{note_id}", dep.Handler2(notes, noteID, func(ctx context.Context, my myNotes, id int64) (dep.NoContent, error) {
		_, err := scanNote(my.db.QueryRowContext(ctx, `DELETE FROM notes WHERE id = ? AND user_id = ? RETURNING `+noteColumns, id, my.owner))
		return dep.NoContent{}, err
	}))
	// admin_users, and delete_any_note: the one query with no owner, for require_role("admin") only.
	api.Handle("GET /admin/users", dep.Handler2(admin, getDB, func(ctx context.Context, _ auth.Privileged[User], db *sql.Tx) ([]User, error) {
		rows, err := db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
		return collect(rows, err, scanUser)
	}))
	api.Handle("DELETE /admin/notes/{note_id}", dep.Handler3(roleAdmin, noteID, getDB, func(ctx context.Context, _ auth.Privileged[User], id int64, db *sql.Tx) (dep.NoContent, error) {
		_, err := scanNote(db.QueryRowContext(ctx, `DELETE FROM notes WHERE id = ? RETURNING `+noteColumns, id))
		return dep.NoContent{}, err
	}))
}

type scanner interface{ Scan(...any) error }

// collect reads every row of a query with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	items := []T{}
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, dbError(rows.Err(), nil, "query")
}
