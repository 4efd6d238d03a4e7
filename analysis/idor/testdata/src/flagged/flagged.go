package flagged

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gatehouse-dev/gatehouse/auth"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
)

const noteTable = "notes"

// 1: the context user, a const query with ?.
func (s *Server) getNote(w http.ResponseWriter, r *http.Request) {
	u := r.Context().Value(userKey).(*User)
	_ = u
	id, _ := strconv.Atoi(r.PathValue("id"))
	var title string
	_ = s.db.QueryRowContext(r.Context(), "SELECT title FROM notes WHERE id = ?", id).Scan(&title) // want `query reads notes by id = r.PathValue\("id"\)`
}

// 2: $n placeholders, id from the query string.
func (s *Server) getNotePG(w http.ResponseWriter, r *http.Request) {
	u, err := currentUser(r)
	if err != nil || u == nil {
		return
	}
	id := r.URL.Query().Get("id")
	_, _ = s.db.QueryContext(r.Context(), "SELECT title FROM notes WHERE id = $1", id) // want `query reads notes by id = r.URL.Query\(\).Get\("id"\)`
}

// 3: a concatenated query.
func (s *Server) getNoteConcat(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	_ = s.db.QueryRow("SELECT title, body FROM notes"+" WHERE id = ?", r.PathValue("id")) // want `query reads notes by id`
}

// 4: fmt.Sprintf with a constant format.
func (s *Server) getNoteSprintf(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u.ID
	q := fmt.Sprintf("SELECT title FROM %s WHERE id = ?", noteTable)
	_ = s.db.QueryRowContext(r.Context(), q, r.PathValue("id")) // want `query reads notes by id`
}

// 5: a DELETE.
func (s *Server) deleteNote(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	_, _ = s.db.ExecContext(r.Context(), "DELETE FROM notes WHERE id = ?", r.PathValue("id")) // want `query deletes notes by id`
}

// 6: an UPDATE: SET title = ? is not a filter.
func (s *Server) updateNote(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	_, _ = s.db.Exec("UPDATE notes SET title = ? WHERE id = ?", r.FormValue("title"), r.PathValue("id")) // want `query updates notes by id`
}

// 7: chi's URL parameter.
func (s *Server) getNoteChi(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	id, err := strconv.ParseInt(chi.URLParam(r, "noteID"), 10, 64)
	if err != nil {
		return
	}
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ?", id) // want `by id = chi.URLParam\(r, "noteID"\)`
}

// 8: gorilla/mux's route variables.
func (s *Server) getNoteMux(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	vars := mux.Vars(r)
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ?", vars["id"]) // want `by id = vars\["id"\]`
}

// 9: an adapter that passes the user as a parameter.
func (s *Server) getNoteWithUser(w http.ResponseWriter, r *http.Request, u *User) {
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ?", r.PathValue("id")) // want `query reads notes by id`
}

// 10: a gatehouse principal as a parameter.
func (s *Server) getNotePrincipal(w http.ResponseWriter, r *http.Request, p auth.Principal[User]) {
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ?", r.PathValue("id")) // want `query reads notes by id`
}

// 11: an OR branch without the owner is no owner filter.
func (s *Server) getNoteOr(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ? OR user_id = ?", r.PathValue("id"), u.ID) // want `query reads notes by id`
}

// 12: the owner column bound to a value from the request, not the user.
func (s *Server) getNoteOwnerFromRequest(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	q := r.URL.Query()
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ? AND user_id = ?", q.Get("id"), q.Get("user_id")) // want `query reads notes by id`
}

// 13: a helper of the package runs the query: reported at the call.
func (s *Server) getNoteViaHelper(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	_, _ = loadNote(r.Context(), s.db, id) // want `loadNote gets r.PathValue\("id"\) \(from the request\) and its query at flagged.go:\d+ reads notes by id`
}

func loadNote(ctx context.Context, db *sql.DB, id int64) (string, error) {
	var title string
	err := db.QueryRowContext(ctx, "SELECT title FROM notes WHERE id = ?", id).Scan(&title)
	return title, err
}

// 14: a repository method that does not scope by owner.
func (s *Server) getNoteViaRepo(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	_, _ = s.repo.Get(r.Context(), r.PathValue("id")) // want `s.repo.Get gets r.PathValue\("id"\)`
}

// Get reads a note by id, whoever owns it.
func (n *NoteRepo) Get(ctx context.Context, id string) (string, error) {
	var title string
	err := n.db.QueryRowContext(ctx, "SELECT title FROM notes WHERE id = ?", id).Scan(&title)
	return title, err
}

// 15: a statement prepared in the handler.
func (s *Server) getNotePrepared(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	stmt, err := s.db.PrepareContext(r.Context(), "SELECT title FROM notes WHERE id = ?")
	if err != nil {
		return
	}
	defer stmt.Close()
	_ = stmt.QueryRowContext(r.Context(), r.PathValue("id")) // want `query reads notes by id`
}

// 16: a query built in a variable with +=.
func (s *Server) getNoteBuilt(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	q := "SELECT title FROM notes"
	q += " WHERE id = ?"
	_ = s.db.QueryRow(q, r.PathValue("id")) // want `query reads notes by id`
}

// 17: inside a transaction.
func (s *Server) deleteNoteTx(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	tx, err := s.db.BeginTx(r.Context(), nil)
	if err != nil {
		return
	}
	defer tx.Rollback()
	_, _ = tx.ExecContext(r.Context(), "DELETE FROM notes WHERE id = ?", r.PathValue("id")) // want `query deletes notes by id`
	_ = tx.Commit()
}

// 18: an IN list of ids from the query string.
func (s *Server) getNotesIn(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	ids := r.URL.Query()["id"]
	_, _ = s.db.Query("SELECT title FROM notes WHERE id IN (?, ?)", ids[0], ids[1]) // want `query reads notes by id`
}

// 19: SQLite's numbered ?N.
func (s *Server) getNoteNumbered(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ?1 AND title <> ?2", r.PathValue("id"), u.ID) // want `query reads notes by id`
}

// 20: the id spliced into the text (SQL injection besides).
func (s *Server) getNoteSpliced(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = " + r.PathValue("id")) // want `query reads notes by id = r.PathValue\("id"\)`
}

// 21: a handler returned by a method.
func (s *Server) handleDelete() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := currentUser(r)
		_ = u
		_, _ = s.db.Exec("DELETE FROM notes WHERE id = ?", r.PathValue("id")) // want `query deletes notes by id`
	}
}

// 22: checking that the user is active is no role check.
func (s *Server) getNoteActive(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	if !u.Active {
		return
	}
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ?", r.PathValue("id")) // want `query reads notes by id`
}

// 23: a local interface with database/sql's method shape.
func (s *Server) getNoteQuerier(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	_ = s.q.QueryRowContext(r.Context(), "SELECT title FROM notes WHERE id = ?", r.PathValue("id")) // want `query reads notes by id`
}

// 24: the first query is scoped, the second is not.
func (s *Server) archiveNote(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	id := r.PathValue("id")
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = ? AND user_id = ?", id, u.ID)
	_, _ = s.db.Exec("UPDATE notes SET archived = 1 WHERE id = ?", id) // want `query updates notes by id`
}

// 25: a named parameter.
func (s *Server) getNoteNamed(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	_ = s.db.QueryRow("SELECT title FROM notes WHERE id = @id", sql.Named("id", r.PathValue("id"))) // want `query reads notes by id`
}

// 26: the claims from the context, an id from a form.
func (s *Server) getInvoice(w http.ResponseWriter, r *http.Request) {
	claims := r.Context().Value(claimsKey).(Claims)
	_ = claims
	_ = s.db.QueryRow("SELECT total FROM invoices WHERE invoice_id = ?", r.FormValue("invoice")) // want `query reads invoices by invoice_id`
}

// 27: a parenthesised condition with the id, the owner not in it.
func (s *Server) getNoteParen(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	_ = u
	_ = s.db.QueryRow("SELECT title FROM notes WHERE (id = ? AND deleted_at IS NULL)", r.PathValue("id")) // want `query reads notes by id`
}
