package main

import (
	"context"
	"database/sql"

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

// NoteIn is the body of POST /notes; dep.JSON enforces its tags (422).
type NoteIn struct {
	Title   string `json:"title" openapi:"minLength=1,maxLength=200"`
	Content string `json:"content" openapi:"maxBytes=100000"`
}

// NotePatch is the body of PATCH /notes/{note_id}: the fields to change.
type NotePatch struct {
	Title   *string `json:"title" openapi:"minLength=1,maxLength=200"`
	Content *string `json:"content" openapi:"maxBytes=100000"`
}

// myNotes is the lesson's fix as a type: the current user's notes and no
// one else's. It is made only from the auth.Owner that auth.OwnerOf mints
// (see newApp), and every query below has Note.user_id == owner in its WHERE.
type myNotes struct {
	db    *sql.Tx
	owner int64
}

func notesOf(_ context.Context, o auth.Owner[int64], db *sql.Tx) (myNotes, error) {
	return myNotes{db, o.ID()}, nil
}

const noteColumns = "id, title, content, user_id"

// scanNote reads a Note. No row is 404 "Note not found", for a missing note
// and for someone else's alike: a 403 would tell that the note exists.
func scanNote(row scanner) (Note, error) {
	var n Note
	err := row.Scan(&n.ID, &n.Title, &n.Content, &n.UserID)
	return n, dbError(err, problem.NotFound("Note"), "note")
}

// listNotes is the lesson's list_notes: GET /notes, the caller's own.
func listNotes(ctx context.Context, my myNotes) ([]Note, error) {
	rows, err := my.db.QueryContext(ctx, `SELECT `+noteColumns+` FROM notes WHERE user_id = ? ORDER BY id`, my.owner)
	return collect(rows, err, scanNote)
}

// createNote is POST /notes: the owner is the caller, never the body.
func createNote(ctx context.Context, my myNotes, in NoteIn) (dep.Created[Note], error) {
	n, err := scanNote(my.db.QueryRowContext(ctx, `INSERT INTO notes (title, content, user_id) VALUES (?, ?, ?)
		RETURNING `+noteColumns, in.Title, in.Content, my.owner))
	return dep.Created[Note]{Body: n}, err
}

// getNote is the lesson's fixed get_note.
func getNote(ctx context.Context, my myNotes, noteID int64) (Note, error) {
	return scanNote(my.db.QueryRowContext(ctx, `SELECT `+noteColumns+` FROM notes WHERE id = ? AND user_id = ?`,
		noteID, my.owner))
}

// updateNote is PATCH /notes/{note_id}: a field left out keeps its value.
func updateNote(ctx context.Context, my myNotes, noteID int64, in NotePatch) (Note, error) {
	return scanNote(my.db.QueryRowContext(ctx, `UPDATE notes SET title = coalesce(?, title), content = coalesce(?, content)
		WHERE id = ? AND user_id = ? RETURNING `+noteColumns, in.Title, in.Content, noteID, my.owner))
}

// deleteNote is DELETE /notes/{note_id}.
func deleteNote(ctx context.Context, my myNotes, noteID int64) (dep.NoContent, error) {
	_, err := scanNote(my.db.QueryRowContext(ctx, `DELETE FROM notes WHERE id = ? AND user_id = ? RETURNING `+noteColumns,
		noteID, my.owner))
	return dep.NoContent{}, err
}

// adminUsers is the lesson's admin_users: db.query(User).all(), for admins.
func adminUsers(ctx context.Context, _ auth.Privileged[User], db *sql.Tx) ([]User, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	return collect(rows, err, scanUser)
}

// deleteAnyNote is the lesson's delete_any_note, behind require_role("admin"):
// the one query without an owner, reachable only with the admin's grant.
func deleteAnyNote(ctx context.Context, _ auth.Privileged[User], noteID int64, db *sql.Tx) (dep.NoContent, error) {
	_, err := scanNote(db.QueryRowContext(ctx, `DELETE FROM notes WHERE id = ? RETURNING `+noteColumns, noteID))
	return dep.NoContent{}, err
}
