// Package notes is the FastAPI lesson's get_note, translated to net/http
// and database/sql: the vulnerable handler and its fix.
package notes

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strconv"
)

// User is the authenticated user (get_current_user's result).
type User struct {
	ID   int64
	Name string
}

type userKey struct{}

// currentUser is Depends(get_current_user): a middleware put the user in
// the request's context.
func currentUser(ctx context.Context) (*User, bool) {
	u, ok := ctx.Value(userKey{}).(*User)
	return u, ok
}

// Note is a row of notes.
type Note struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// App holds the database (Depends(get_db)).
type App struct{ DB *sql.DB }

// GetNote is the lesson's vulnerable get_note: any logged-in user can read
// any note by changing the id in the URL.
func (a *App) GetNote(w http.ResponseWriter, r *http.Request) {
	noteID, err := strconv.ParseInt(r.PathValue("note_id"), 10, 64)
	if err != nil {
		http.Error(w, "Note not found", http.StatusNotFound)
		return
	}
	currentUser, ok := currentUser(r.Context())
	if !ok {
		http.Error(w, "Not authenticated", http.StatusUnauthorized)
		return
	}
	_ = currentUser
	var n Note
	err = a.DB.QueryRowContext(r.Context(), // want `possible IDOR: query reads notes by id = r.PathValue\("note_id"\) \(from the request\) with no owner filter bound to the authenticated user`
		"SELECT id, title FROM notes WHERE id = ?", noteID).Scan(&n.ID, &n.Title)
	if err != nil {
		http.Error(w, "Note not found", http.StatusNotFound)
		return
	}
	_ = json.NewEncoder(w).Encode(n)
}

// GetNoteFixed is the lesson's fix: the query also compares the owner
// column with the current user's id, so another user's note is not found.
func (a *App) GetNoteFixed(w http.ResponseWriter, r *http.Request) {
	noteID, err := strconv.ParseInt(r.PathValue("note_id"), 10, 64)
	if err != nil {
		http.Error(w, "Note not found", http.StatusNotFound)
		return
	}
	currentUser, ok := currentUser(r.Context())
	if !ok {
		http.Error(w, "Not authenticated", http.StatusUnauthorized)
		return
	}
	var n Note
	err = a.DB.QueryRowContext(r.Context(),
		"SELECT id, title FROM notes WHERE id = ? AND user_id = ?", // ownership check
		noteID, currentUser.ID).Scan(&n.ID, &n.Title)
	if err != nil {
		http.Error(w, "Note not found", http.StatusNotFound)
		return
	}
	_ = json.NewEncoder(w).Encode(n)
}
